"""The simulator: a real compute driver that keeps its machines in memory.

It ships in the product (``--driver simulator``, the default) and passes the same contract suite
as every other driver.

It offers ``hosts_per_zone`` hosts per zone, keeps every machine's host, power state, size, NICs,
disks, user data, default user's key and a SHA-256 of its password, one port forwarding table and
one load balancer table per public IP, and one ACL per network. It refuses what a real backend
would refuse (unknown machines, a host without room, a MAC or an IP used twice, a volume attached
twice), takes the time a real one would under the ``realistic`` latency profile, and fails on
purpose when a fault plan or a test says so.

LIMITATIONS — what the simulator does NOT simulate:

- No guest operating system: nothing boots, nothing runs, nothing answers on the network. A machine
  is a record whose power state flips when asked.
- User data is stored, never executed; passwords (kept only as SHA-256) and SSH keys are recorded,
  never installed in a guest. ``set_password`` and ``set_ssh_key`` take effect at once, whether the
  machine runs or not.
- No packets: NICs, port forwarding rules, network ACLs and load balancers are recorded and
  checked for consistency; nothing is forwarded, filtered or balanced (the capabilities
  ``forwards_ports``, ``enforces_network_acls`` and ``balances_load`` are false). Rules may name
  private IPs no NIC holds. Remote access VPNs are the control plane's bookkeeping only.
- No disk I/O and no images: disks are sizes; ``image_location`` is recorded, never read; volumes
  only grow; a destroyed machine's data disks are simply detached.
- Capacity is physical, as on a KVM host: only RUNNING machines use CPU and memory. ``start`` (and
  ``reboot`` of a stopped machine) takes the machine's size from its host's free capacity or raises
  ``NoCapacityError`` and changes nothing; ``stop``, and ``destroy`` of a running machine, give it
  back. ``create`` defines a stopped machine that uses nothing, but refuses with ``NoCapacityError``
  a size larger than the whole host (it could never run); so does ``resize``. Why: the control
  plane keeps its own reservation books in the database (capacity held by every non-destroyed
  instance), which always cover at least the running set, so this check never refuses what the
  control plane allowed; and destroyed-but-recoverable machines still exist on the backend but use
  no CPU or memory. Nothing is overcommitted except by ``adopt``, which records what the control
  plane says runs without checking. CPU and memory are the only resources; there is no CPU
  pinning, NUMA, bandwidth or IOPS.
- A resize of a running machine changes the definition and its host usage at once and reaches the
  guest at its next boot (``MachineView.pending_resize``); there is no live resize.
- State lives in memory only. After a restart ``adopt`` rebuilds machines from what the control
  plane remembers (``KnownMachine``: id, host, power state, size); those adopted as running count
  toward their host's usage. NICs, disks, user data and credentials of adopted machines are unknown
  (``MachineView.details_known`` is false) until a retried ``create`` or the ``set_*`` methods
  supply them, so duplicate checks cannot see them.
- No transitional states (Starting, Stopping): an operation takes its latency, then its effect
  appears at once. Concurrent operations on one machine are not serialised; the last to finish wins.
- With ``shared=True`` (several server processes on one PostgreSQL database, each with its own
  simulator) the comparisons with other machines (duplicate MAC, IP or volume; free capacity) are
  not made: each process's books hold only the machines it has seen. The database's constraints and
  reservations, which see every process, remain the guard.
- No crashes on its own: a machine never stops unless asked, hosts never fail; only the fault
  plan and ``inject_fault`` make operations fail, always before changing anything.
"""

from ._faults import OPERATIONS, FaultPlan
from ._latency import LatencyProfile
from ._state import MachineView
from .driver import SimulatorDriver

__all__ = ["OPERATIONS", "FaultPlan", "LatencyProfile", "MachineView", "SimulatorDriver"]
