"""Schemathesis against the live APIs with valid tokens and every check it has (no 5xx,
responses and headers as documented, invalid input refused and valid input accepted,
undocumented methods answered 405 with the right `Allow`, no endpoint that ignores
authentication). Operations on one incident get a real one in the positive phase (and
the acknowledge link a real token, a list page a cursor of its order), so they reach
more than the 404 of a random id or the 422 of a random cursor.
Seeded (20261201) and bounded so it fits CI: FUZZ_EXAMPLES examples an operation and
mode (25; the attacker's run used 60)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from registry.entrypoints.http.cursor import encode_cursor
from tests.support import auth
from tests.support.escalation import report
from tests.support.servers import ROOT
from tests.support.system import System, ack_token, wait_for_incident
from weerbaar_runtime.guards import declares_list

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

SEED = 20261201
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FRAMING = frozenset({"content-length", "transfer-encoding", "host", "connection"})
"""Headers that frame the HTTP message: the server's business, not an API's."""

# JSON Schema's `format: email` admits special-use domains (`.test`, `.local`, …) that
# the services refuse as undeliverable, as they should: generated addresses use real
# Dutch domains, so a positive case is one the services can accept.
schemathesis.openapi.format(
    "email", st.emails(domains=st.sampled_from(["gemeente.nl", "weerbaar.nl"]))
)


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("fuzz"),
        roster=ROOT / "deploy/config/roster.yaml",
        env_overrides={"AUTH_RATE_PER_MINUTE": "100000", "LOG_LEVEL": "WARNING"},
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture(scope="module")
def intake_schema(system: System) -> Any:
    schema = schemathesis.openapi.from_url(f"{system.intake}/openapi.json")
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
    )
    return schema


@pytest.fixture(scope="module")
def registry_schema(system: System) -> Any:
    schema = schemathesis.openapi.from_url(f"{system.registry}/openapi.json")
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
    )
    return schema


@pytest.fixture(scope="module")
async def known(system: System) -> dict[str, str]:
    """Real path parameters: an assigned incident and its acknowledge-link token."""
    async with httpx.AsyncClient(headers=auth.OPERATOR, timeout=10) as client:
        incident_id = await report(client, system)
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    assignment_id = str(record["assignment"]["assignment_id"])
    return {"incident_id": incident_id, "token": ack_token(incident_id, assignment_id)}


def headers_for(case: Any) -> dict[str, str]:
    if case.path == "/v1/registrations" and case.method.upper() == "POST":
        return auth.system("GM0363")
    if case.path == "/metrics":
        return auth.OPS
    if case.path == "/v1/audit":
        return auth.COORDINATOR
    return auth.OPERATOR


def a_cursor(sort: str) -> str:
    """A cursor as a previous page in this order would give: after a record just now."""
    cursor = encode_cursor(sort, (datetime.now(UTC), str(uuid.uuid4())))
    assert cursor is not None
    return cursor


def ordered(query: dict[str, Any] | None) -> None:
    """`to` later than `from`, as the parameter's description says (OpenAPI states no
    rule across two parameters): a pair the other way round is swapped, an equal one
    loses its `to`."""
    start, end = (query or {}).get("from"), (query or {}).get("to")
    if query is None or not isinstance(start, str) or not isinstance(end, str):
        return
    lower, upper = sorted((moment(start), moment(end)))
    if lower == upper:
        del query["to"]
    elif moment(start) > moment(end):
        query["from"], query["to"] = end, start


def moment(value: str) -> datetime:
    """A `from`/`to` value as the registry reads it (a date is midnight in Amsterdam)."""
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    return datetime.fromisoformat(value.replace(" ", "T"))


def same_on_the_wire(query: dict[str, Any] | None, scalars: set[str]) -> bool:
    """Whether a single-valued parameter was generated as a list of at most one item."""
    return any(
        name in scalars and isinstance(value, list) and len(value) <= 1
        for name, value in (query or {}).items()
    )


def runner(operation: Any, mode: GenerationMode, known: dict[str, str], examples: int) -> Any:
    """A seeded Hypothesis test of one operation in one mode, with every check; a
    positive case on one incident is sent to the real one of `known`."""
    declared = {parameter.name for parameter in operation.query}
    scalars = {p.name for p in operation.query if not declares_list(p.definition.get("schema", {}))}

    @given(case=operation.as_strategy(generation_mode=mode))
    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        if mode is GenerationMode.NEGATIVE and set(case.query or {}) - declared:
            # An unknown query parameter is ignored, as the services document (they answer
            # what they were asked with the parameters they know); such a case may carry
            # no other violation that survives the harness's own Authorization header.
            return
        if mode is GenerationMode.NEGATIVE and FRAMING & {h.lower() for h in case.headers or {}}:
            # A malformed framing header (a Content-Length of "C") is refused by the HTTP
            # server itself with its own 400 before any API sees the request.
            return
        if mode is GenerationMode.NEGATIVE and same_on_the_wire(case.query, scalars):
            # A one-item (or empty) list for a single-valued parameter is sent as that one
            # value (or not at all): on the wire it is valid, and rightly accepted.
            return
        if mode is GenerationMode.POSITIVE:
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            if isinstance(case.body, dict) and case.body.get("related_incident_id"):
                case.body["related_incident_id"] = known["incident_id"]
            if case.path != "/v1/audit" and (case.query or {}).get("cursor"):
                # opaque: only a page's own `next_cursor` is one (its shape is in the schema)
                case.query["cursor"] = a_cursor(case.query.get("sort", "-reported_at"))
            ordered(case.query)
        case.call_and_validate(headers=headers_for(case))

    return run


def fuzz(schema: Any, *, known: dict[str, str], max_examples: int = EXAMPLES) -> list[str]:
    """Run every operation in both modes; return the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                runner(operation, mode, known, max_examples)()
            except Unsatisfiable:
                pass  # nothing to make invalid: the operation takes no input
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:400]}")
    return failures


def test_intake_api(intake_schema: Any, known: dict[str, str]) -> None:
    failures = fuzz(intake_schema, known=known)
    assert not failures, "\n\n".join(failures)


def test_registry_api(registry_schema: Any, known: dict[str, str]) -> None:
    failures = fuzz(registry_schema, known=known)
    assert not failures, "\n\n".join(failures)
