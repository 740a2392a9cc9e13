"""Read-only catalogue: ``cloudca zones|templates|compute-offerings|disk-offerings|... list|get``."""

from __future__ import annotations

from cloudca.cli._commands import add_read_commands, resource_app

zones = resource_app("zones", "Zones of the service.")
add_read_commands(
    zones,
    noun="zone",
    plural="zones",
    columns=[("ID", "id"), ("NAME", "name")],
    resource=lambda s: s.env.zones,
)

templates = resource_app("templates", "Machine templates (operating system images).")
add_read_commands(
    templates,
    noun="template",
    plural="templates",
    columns=[("ID", "id"), ("NAME", "name"), ("OS", "osType"), ("READY", "isReady"), ("PUBLIC", "isPublic")],
    resource=lambda s: s.env.templates,
)

compute_offerings = resource_app("compute-offerings", "Compute offerings (vCPUs and memory).")
add_read_commands(
    compute_offerings,
    noun="compute offering",
    plural="compute offerings",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("CPUS", "cpuCount"),
        ("MEMORY MB", "memoryInMB"),
        ("CUSTOM", "custom"),
    ],
    resource=lambda s: s.env.compute_offerings,
)

disk_offerings = resource_app("disk-offerings", "Disk offerings for data volumes.")
add_read_commands(
    disk_offerings,
    noun="disk offering",
    plural="disk offerings",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("GB", "gbSize"),
        ("CUSTOM SIZE", "customSize"),
        ("CUSTOM IOPS", "customIops"),
    ],
    resource=lambda s: s.env.disk_offerings,
)

vpc_offerings = resource_app("vpc-offerings", "VPC offerings.")
add_read_commands(
    vpc_offerings,
    noun="VPC offering",
    plural="VPC offerings",
    columns=[("ID", "id"), ("NAME", "name"), ("STATE", "state")],
    resource=lambda s: s.env.vpc_offerings,
)

network_offerings = resource_app("network-offerings", "Network offerings.")
add_read_commands(
    network_offerings,
    noun="network offering",
    plural="network offerings",
    columns=[("ID", "id"), ("NAME", "name"), ("STATE", "state")],
    resource=lambda s: s.env.network_offerings,
)

APPS = [zones, templates, compute_offerings, disk_offerings, vpc_offerings, network_offerings]
