"""Hostile input: schemathesis generates requests from the served OpenAPI document and sends them
to a real ``cloudca serve`` over kept-alive connections.

Every answer must be below 500, every non-2xx must carry the error envelope, and no connection may
drop. To reach the logic rather than the 404 path and the validation errors:

- path parameters are real most of the time: the service code and environment, and ids drawn
  from pools of entities that exist (``pools.py``: made through the API, listed again now and
  then and after every 404 or delete, since generated destroys remove them);
- action routes get one of their ``?operation=`` values (now and then one that does not exist);
- bodies start from a recipe (``bodies.py``: a request the service accepts, naming real entities)
  and most of them have one to three fields mutated by hypothesis: dropped, replaced by a hostile
  value of any JSON type (numbers far beyond every bound, numeric strings, ids that name nothing,
  unknown fields), or a number sent as a string (contract 1.9). Where no recipe applies, the
  body schemathesis generated from the document is sent.

The campaign reports, per operation, how many answers were neither 404 nor a refusal of the
input's shape (a 400 naming the path's own entity, e.g. "the NIC is already the default", counts
as logic), and fails when an operation is mostly 404 or never reaches the logic.

Runs on the SQLite pass only (the server under test is one SQLite process either way).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.campaigns.bodies import QUERIES, actions, recipe_for
from tests.campaigns.pools import FIRST, MAKERS, Pools
from tests.campaigns.sizes import REQUESTS, TIME_LIMIT
from tests.live import LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("CLOUDCA_TEST_DATABASE_URL")), reason="one database pass only (SQLite)"
    ),
]

API_KEY = "campaign-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
#: Share of requests whose path names real things (the rest keep what schemathesis generated).
REAL_PATHS = 0.9
#: Share of requests on an action route that name one of its ``?operation=`` values (the rest
#: name one that does not exist, or keep what schemathesis generated).
REAL_OPERATIONS = 0.9
#: Share of bodies sent exactly as their recipe made them (the rest have fields mutated).
VALID_BODIES = 0.35
#: Error codes of input refused before any logic ran.
VALIDATION = frozenset(
    {"BAD_REQUEST", "MISSING_FIELD", "INVALID_FIELD", "UNKNOWN_OPERATION", "INVALID_QUERY_PARAMETER"}
)
#: What a mutated field may become: hostile values of every JSON type, numbers beyond every
#: bound, numeric strings (contract 1.9), ids that name nothing.
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(alphabet="0123456789", min_size=1, max_size=25),
    st.uuids().map(str),
    st.lists(st.one_of(st.integers(), st.text(max_size=10), st.uuids().map(str)), max_size=3),
    st.dictionaries(
        st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=2
    ),
)


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    without_envelope: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: Requests whose path named entities that exist (the campaign could find or make them).
    named: int = 0
    #: Why input was refused (code and field), to see what keeps an operation from the logic.
    refusals: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.answers.values())

    @property
    def reached_logic(self) -> int:
        """Answers that were neither a 404 nor a refusal of the input's shape."""
        return self.answers["2xx"] + self.answers["other"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "data", API_KEY, env={"CLOUDCA_TASK_RETENTION_SECONDS": "86400"})
    live.start(timeout=180)  # a loaded CI machine starts slowly
    try:
        yield live
    finally:
        live.stop()


def _check(tally: Tally, label: str, response: requests.Response) -> None:
    status = response.status_code
    if status >= 500:
        tally.server_errors.append(f"{label} -> {status}: {response.text[:200]}")
    if status >= 400:
        try:
            errors = response.json().get("errors")
        except ValueError:
            errors = None
        if not isinstance(errors, list) or not errors or not all("errorCode" in e for e in errors):
            tally.without_envelope.append(f"{label} -> {status}: {response.text[:200]}")
            return
        # A refusal naming the path's entity ("id": the NIC is already the default, static NAT is
        # not enabled, ...) came from the rules about that entity's state: the logic was reached.
        codes = {error["errorCode"] for error in errors if (error.get("context") or {}).get("field") != "id"}
        if status == 404:
            tally.answers["404"] += 1
        elif status == 400 and codes and codes <= VALIDATION:
            tally.answers["validation"] += 1
            for error in errors:
                context = error.get("context") or {}
                tally.refusals[
                    f"{error['errorCode']}:{context.get('field', context.get('parameter', ''))}"
                ] += 1
        else:
            tally.answers["other"] += 1
    else:
        tally.answers["2xx"] += 1


def test_generated_requests_get_answers_never_server_errors(server: LiveServer, tmp_path: Path) -> None:
    origin = server.url.removesuffix("/v1")
    headers = {"MC-Api-Key": API_KEY}
    document = httpx.get(f"{origin}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    tallies: dict[str, Tally] = defaultdict(Tally)
    session = requests.Session()
    session.headers.update(headers)
    began = time.monotonic()
    rng = random.Random(20261204)
    with httpx.Client(base_url=origin, headers=headers, timeout=60) as http:
        pools = Pools(http)
        pools.protect_own()
        for collection in FIRST:
            MAKERS[collection](pools)  # tasks to read, entities to act on
        rounds = 0
        while sum(t.requests for t in tallies.values()) < REQUESTS and time.monotonic() - began < TIME_LIMIT:
            rounds += 1
            share = max((REQUESTS - sum(t.requests for t in tallies.values())) // len(operations), 1)
            before = sum(t.requests for t in tallies.values())
            for operation in operations:
                if time.monotonic() - began >= TIME_LIMIT:
                    break
                _run_operation(
                    operation, share, rounds, pools, session, origin, tallies[operation.label], rng
                )
            if sum(t.requests for t in tallies.values()) == before:
                break  # nothing new can be generated
    report = _report(tallies, time.monotonic() - began)
    without_recipe = sorted(operation.label for operation in operations if not _has_recipe(operation))
    report += f"\nwrites without a recipe (bodies as the document has them): {without_recipe}"
    report += f"\nrequests of the pools (listings, entities made): {pools.calls}"
    report += f"\nentities the campaign failed to make: {len(pools.failures)}"
    failures = Counter(failure[:160] for failure in pools.failures).most_common(20)
    report += "".join(f"\n    {count} x {failure}" for failure, count in failures)
    print(report)
    (tmp_path / "campaign-schemathesis.txt").write_text(report)
    totals = Tally()
    for tally in tallies.values():
        totals.server_errors += tally.server_errors
        totals.without_envelope += tally.without_envelope
        totals.dropped += tally.dropped
    assert totals.server_errors == [], totals.server_errors[:10]
    assert totals.without_envelope == [], totals.without_envelope[:10]
    assert totals.dropped == [], totals.dropped[:10]
    sent = sum(t.requests for t in tallies.values())
    assert sent >= REQUESTS or time.monotonic() - began >= TIME_LIMIT, f"only {sent} requests generated"
    mostly_404 = [label for label, t in tallies.items() if t.answers["404"] * 2 > t.requests]
    assert mostly_404 == [], mostly_404
    # A route added after the recipes were written is reported, not held to this (it still must
    # never answer 5xx or mostly 404): give it a recipe in bodies.py.
    never_reached = [
        label
        for label, t in tallies.items()
        if t.requests >= 10 and not t.reached_logic and label not in without_recipe
    ]
    assert never_reached == [], never_reached


def _run_operation(
    operation: Any,
    share: int,
    round_number: int,
    pools: Pools,
    session: requests.Session,
    origin: str,
    tally: Tally,
    rng: random.Random,
) -> None:
    method = operation.method.upper()
    parameters = _path_parameters(operation.path)
    resolved: list[dict[str, str]] = []
    documented = {parameter.name for parameter in operation.query}
    item = bool(parameters) and operation.path.endswith("}")
    collection = operation.path.rstrip("/").split("/")[-2 if item else -1]
    names = actions(collection) if item and method in ("POST", "PUT") else []
    needs_query = QUERIES.get(operation.path)

    @seed(round_number)
    @settings(
        max_examples=share,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), plan=MUTATIONS)
    def send(case: Any, plan: list[tuple[int, str, Any]]) -> None:
        if rng.random() < REAL_PATHS:
            if method == "DELETE" or not resolved:  # removed by the last one?
                resolved[:] = [pools.resolve(operation.path, parameters, rng, read=method == "GET")]
            case.path_parameters.update(resolved[0])
            if len(resolved[0]) == len(parameters):
                tally.named += 1
        kwargs = case.as_transport_kwargs(base_url=origin)
        chosen: str | None = None
        if names and "operation" not in documented:
            chosen = rng.choice(names) if rng.random() < REAL_OPERATIONS else "frobnicate"
            params = {key: value for key, value in kwargs["params"].items() if key != "operation"}
            kwargs["params"] = {**params, "operation": chosen} if chosen else params
        if needs_query is not None and rng.random() < REAL_PATHS:
            kwargs["params"] = {**kwargs["params"], **needs_query(rng)}
        recipe = recipe_for(method, operation.path, collection, item, chosen)
        body = recipe(pools, rng) if recipe is not None and rng.random() < REAL_PATHS else None
        if body is not None:
            if rng.random() >= VALID_BODIES:
                body = _mutate(body, plan)
            kwargs.pop("data", None)
            kwargs["json"] = body
        kwargs["headers"].pop("Connection", None)
        try:
            response = session.request(**kwargs, timeout=90)
        except requests.ConnectionError as exc:
            tally.dropped.append(f"{operation.label}: {exc}")
            return
        _check(tally, operation.label, response)
        if response.status_code == 404 or (method == "DELETE" and response.status_code < 300):
            resolved.clear()  # what the path named is gone: look again next time
            pools.forget(collection)
        if response.status_code == 200:
            task_id = _task_id(response)
            if task_id:
                pools.tasks.append(task_id)

    send()


#: A mutation: which field (an index into the body's keys, one past the end is an unknown field),
#: what to do with it, and the hostile value. Drawn whole for every request, used or not: what
#: hypothesis draws must not depend on the campaign's state.
MUTATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=63), st.sampled_from(["drop", "hostile", "string"]), HOSTILE
    ),
    min_size=1,
    max_size=3,
)


def _has_recipe(operation: Any) -> bool:
    """Whether the campaign knows a body the route accepts (reads and deletes need none)."""
    method = operation.method.upper()
    if method not in ("POST", "PUT"):
        return True
    item = operation.path.endswith("}")
    collection = operation.path.rstrip("/").split("/")[-2 if item else -1]
    choices = actions(collection) if item else [""]
    return any(recipe_for(method, operation.path, collection, item, name) for name in choices or [""])


def _mutate(body: dict[str, Any], plan: list[tuple[int, str, Any]]) -> dict[str, Any]:
    """Some fields of a valid body changed: dropped, made hostile, or a number sent as a string."""
    mutated = dict(body)
    for index, how, value in plan:
        keys = [*sorted(mutated), "unknownField"]
        key = keys[index % len(keys)]
        if how == "drop":
            mutated.pop(key, None)
        elif how == "string" and isinstance(mutated.get(key), int | bool):
            mutated[key] = str(mutated[key]).lower()
        else:
            mutated[key] = value
    return mutated


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _task_id(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("taskId") if isinstance(body, dict) else None


def _report(tallies: dict[str, Tally], seconds: float) -> str:
    lines = [
        f"schemathesis campaign: {sum(t.requests for t in tallies.values())} requests in {seconds:.0f} s, "
        f"{sum(len(t.server_errors) for t in tallies.values())} x 5xx, "
        f"{sum(len(t.without_envelope) for t in tallies.values())} without envelope, "
        f"{sum(len(t.dropped) for t in tallies.values())} dropped connections",
        f"{'operation':<78} {'sent':>6} {'named':>6} {'2xx':>6} {'other':>6} {'404':>6} "
        f"{'valid.':>6}  reached",
    ]
    worst = max(
        tallies, default="", key=lambda label: tallies[label].answers["404"] / max(tallies[label].requests, 1)
    )
    if worst:
        lines.append(
            f"operations tried: {len(tallies)}; the most 404s: {worst} "
            f"({tallies[worst].answers['404']} of {tallies[worst].requests})"
        )
    for label in sorted(tallies):
        t = tallies[label]
        share = t.reached_logic / t.requests if t.requests else 0.0
        lines.append(
            f"{label:<78} {t.requests:>6} {t.named:>6} {t.answers['2xx']:>6} {t.answers['other']:>6} "
            f"{t.answers['404']:>6} {t.answers['validation']:>6}  {share:6.0%}"
        )
        if share < 0.5 and t.refusals:
            lines.append(
                "    mostly refused for: " + ", ".join(f"{r} x{n}" for r, n in t.refusals.most_common(3))
            )
    return "\n".join(lines)
