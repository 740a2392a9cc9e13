"""Which libvirt domain type a host can run: KVM where hardware virtualisation works, else QEMU (TCG)."""

from __future__ import annotations

from pathlib import Path


def probe_virt_type(requested: str, connection_type: str) -> str:
    """``kvm`` or ``qemu``. ``auto`` takes KVM only where hardware virtualisation really works: a
    /dev/kvm without vmx/svm in the CPU flags (a paravirtual device) cannot run stock kernels."""
    if requested in ("kvm", "qemu"):
        return requested
    if requested != "auto":
        raise ValueError(f"libvirt virt type must be auto, kvm or qemu, not {requested!r}")
    if connection_type.upper() == "TEST":
        return "qemu"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "qemu"
    hardware = " vmx" in flags or " svm" in flags
    return "kvm" if hardware and Path("/dev/kvm").exists() else "qemu"
