"""The catalogue: ``cloudca zones|templates|compute-offerings|disk-offerings|... list|get``, and
``cloudca templates import``, which registers a local image on the server's host."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cloudca.cli._commands import ResourceGroup

if TYPE_CHECKING:  # the server is imported only when ``templates import`` runs (the CLI stays light)
    from cloudca.server.catalog.imports import ImportedTemplate, TemplateImport
    from cloudca.server.config import Settings

zones = ResourceGroup("zones", "Zones of the service.", columns="ID:id,NAME:name")
templates = ResourceGroup(
    "templates",
    "Machine templates (operating system images).",
    columns="ID:id,NAME:name,OS:osType,READY:isReady,PUBLIC:isPublic",
)
compute_offerings = ResourceGroup(
    "compute-offerings",
    "Compute offerings (vCPUs and memory).",
    columns="ID:id,NAME:name,CPUS:cpuCount,MEMORY MB:memoryInMB,CUSTOM:custom",
)
disk_offerings = ResourceGroup(
    "disk-offerings",
    "Disk offerings for data volumes.",
    columns="ID:id,NAME:name,GB:gbSize,CUSTOM SIZE:customSize,CUSTOM IOPS:customIops",
)
vpc_offerings = ResourceGroup(
    "vpc-offerings", "VPC offerings.", noun="VPC offering", columns="ID:id,NAME:name,STATE:state"
)
network_offerings = ResourceGroup(
    "network-offerings", "Network offerings.", columns="ID:id,NAME:name,STATE:state"
)

APPS = [zones, templates, compute_offerings, disk_offerings, vpc_offerings, network_offerings]


@templates.command("import")
def import_template(
    name: Annotated[str, typer.Argument(help="The template's name, as instances will name it.")],
    image: Annotated[
        Path,
        typer.Argument(help="A qcow2 or raw disk (a cloud image), or a directory holding image.json."),
    ],
    description: Annotated[str | None, typer.Option(help="Description [default: NAME].")] = None,
    os_type: Annotated[str, typer.Option(help="Operating system, as the API shows it.")] = "Other (64-bit)",
    username: Annotated[
        str | None, typer.Option(help="Default user [default: image.json's, else cca-user].")
    ] = None,
    password_enabled: Annotated[bool, typer.Option(help="Instances get a generated password.")] = True,
    data_dir: Annotated[
        Path | None, typer.Option(help="The server's data directory [env: CLOUDCA_DATA_DIR]")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="The server's database [env: CLOUDCA_DATABASE_URL]")
    ] = None,
) -> None:
    """Register a local image as a public template (libvirt driver; copied into
    CLOUDCA_LIBVIRT_IMAGE_DIR). Runs on the server's host, against its database; with SQLite,
    while the server is stopped."""
    from cloudca.server.catalog.imports import ImportRefused, TemplateImport
    from cloudca.server.config import Settings

    settings = Settings.from_env(data_dir=data_dir, database_url=database_url)
    request = TemplateImport(
        name=name,
        source=image,
        description=description or "",
        os_type=os_type,
        username=username or "",
        password_enabled=password_enabled,
    )
    try:
        imported = asyncio.run(_import(settings, request))
    except ImportRefused as exc:
        typer.echo(f"cloudca templates import: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{imported.template_id}\t{name}\t{Path(settings.libvirt_image_dir) / imported.image_location}"
    )


async def _import(settings: Settings, request: TemplateImport) -> ImportedTemplate:
    # Every table's model: the template's foreign keys name tables of other domains.
    import cloudca.server.db.models  # noqa: F401
    from cloudca.server.catalog.imports import ImportRefused, import_template
    from cloudca.server.db import migrate, ownership
    from cloudca.server.db.engine import Database

    never_started = ImportRefused("the installation has no database yet: start `cloudca serve` once first")
    path = ownership.sqlite_path(settings.resolved_database_url)
    if path is not None and not path.exists():
        raise never_started
    try:
        owned = ownership.claim(settings.resolved_database_url)
    except ownership.DatabaseInUse as exc:
        raise ImportRefused(f"{exc} (stop the server to import with SQLite)") from None
    database = Database(settings.resolved_database_url, pool_size=1)
    try:
        if await migrate.current_revision(database) is None:
            raise never_started
        return await import_template(database, Path(settings.libvirt_image_dir), request)
    finally:
        await database.dispose()
        ownership.release(owned)
