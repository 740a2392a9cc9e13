"""The scenarios: what each sends, which wrk script drives it, and how its throughput is counted."""

from __future__ import annotations

from dataclasses import dataclass

from bench import ec2
from bench.sides import Side

LONG_POLL_SECONDS = 30
#: The scripts that send mutations (the runner waits for the tasks they leave behind).
_MUTATING = ("create", "create_to_success", "lifecycle")


@dataclass(frozen=True)
class Scenario:
    """One request pattern, run at each connection count against each side."""

    key: str
    title: str
    script: str  # bench/lua/<script>.lua
    counts_successes: bool = False  # throughput = tasks that reached SUCCESS, not responses
    unit: str = "req/s"
    #: The peer (moto's EC2) has an equivalent call.
    peer: bool = False
    #: The reference answers it (it has fixed bodies, no state to walk through).
    reference: bool = True

    @property
    def creates(self) -> bool:
        return self.script in _MUTATING

    @property
    def request_timeout_s(self) -> float:
        return LONG_POLL_SECONDS + 5 if self.script in ("create_to_success", "lifecycle") else 10.0

    def applies_to(self, side: Side) -> bool:
        return self.peer if side.api == "ec2" else True

    def script_for(self, side: Side) -> str:
        return "ec2" if side.api == "ec2" else self.script

    def path(self, side: Side) -> str:
        match self.key:
            case "get_instance":
                return side.instance_path
            case "get_task":
                return side.task_path
            case "list_100" | "list_100_of_100k":
                return side.list_path
            case _:
                return side.create_path

    def url(self, side: Side) -> str:
        return side.base_url + self.path(side)

    def script_args(self, side: Side) -> list[str]:
        if side.api == "ec2":
            return [self._ec2_query(side), ec2.AUTHORIZATION]
        if not self.creates:
            return []
        args = [side.create_path, side.create_body_template, ",".join(side.network_ids)]
        if self.script in ("create_to_success", "lifecycle"):
            args.append(str(LONG_POLL_SECONDS))
        return args

    def _ec2_query(self, side: Side) -> str:
        match self.key:
            case "get_instance":
                return ec2.describe_instance(side.ec2_instance_id)
            case "list_100":
                return ec2.describe_page()
            case "post_create":
                return ec2.run_instances()
        raise ValueError(f"{self.key} has no EC2 counterpart")


GET_INSTANCE = Scenario("get_instance", "GET one instance", "get", peer=True)
GET_TASK = Scenario("get_task", "GET a task", "get")
LIST_100 = Scenario("list_100", "GET a list of 100 instances", "get", peer=True)
POST_CREATE = Scenario("post_create", "POST a create (task envelope)", "create", peer=True)
CREATE_TO_SUCCESS = Scenario(
    "create_to_success",
    "create to SUCCESS (?wait= long-poll)",
    "create_to_success",
    counts_successes=True,
    unit="SUCCESS/s",
)
LIFECYCLE = Scenario(
    "lifecycle",
    "lifecycle: create, stop, start, destroy+purge",
    "lifecycle",
    counts_successes=True,
    unit="lifecycles/s",
    reference=False,
)
LIST_100_OF_100K = Scenario("list_100_of_100k", "GET a page of 100 with 100,000 instances", "get")

# Order matters: the lists run while exactly the seeded instances exist, before any load creates more;
# the large list runs right after the small one so that the two are measured close together.
ALL = (GET_INSTANCE, GET_TASK, LIST_100, LIST_100_OF_100K, POST_CREATE, CREATE_TO_SUCCESS, LIFECYCLE)
BY_KEY = {scenario.key: scenario for scenario in ALL}
