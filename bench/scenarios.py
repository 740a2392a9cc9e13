"""The scenarios: what each sends, which wrk script drives it, and how its throughput is counted."""

from __future__ import annotations

from dataclasses import dataclass

from bench.sides import Side

LONG_POLL_SECONDS = 30


@dataclass(frozen=True)
class Scenario:
    """One request pattern, run at each connection count against each side."""

    key: str
    title: str
    script: str  # bench/lua/<script>.lua
    counts_successes: bool = False  # throughput = tasks that reached SUCCESS, not responses

    @property
    def creates(self) -> bool:
        return self.script != "get"

    @property
    def request_timeout_s(self) -> float:
        return LONG_POLL_SECONDS + 5 if self.script == "create_to_success" else 10.0

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
        if not self.creates:
            return []
        args = [side.create_path, side.create_body_template, ",".join(side.network_ids)]
        if self.script == "create_to_success":
            args.append(str(LONG_POLL_SECONDS))
        return args


GET_INSTANCE = Scenario("get_instance", "GET one instance", "get")
GET_TASK = Scenario("get_task", "GET a task", "get")
LIST_100 = Scenario("list_100", "GET a list of 100 instances", "get")
POST_CREATE = Scenario("post_create", "POST a create (task envelope)", "create")
CREATE_TO_SUCCESS = Scenario(
    "create_to_success", "create to SUCCESS (?wait= long-poll)", "create_to_success", counts_successes=True
)
LIST_100_OF_100K = Scenario("list_100_of_100k", "GET a page of 100 with 100,000 instances", "get")

# Order matters: the lists run while exactly the seeded instances exist, before any load creates more;
# the large list runs right after the small one so that the two are measured close together.
ALL = (GET_INSTANCE, GET_TASK, LIST_100, LIST_100_OF_100K, POST_CREATE, CREATE_TO_SUCCESS)
BY_KEY = {scenario.key: scenario for scenario in ALL}
