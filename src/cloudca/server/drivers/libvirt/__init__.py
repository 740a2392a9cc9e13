"""The libvirt driver (``--driver libvirt``): needs the ``libvirt`` extra (libvirt-python).

Its LIMITATIONS are listed in ``cloudca.server.drivers.libvirt.driver``.
"""

from .driver import LibvirtDriver, probe_virt_type

__all__ = ["LibvirtDriver", "probe_virt_type"]
