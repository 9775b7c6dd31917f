"""Schemathesis against the live APIs with valid tokens and every check it has (no 5xx,
responses and headers as documented, invalid input refused and valid input accepted,
undocumented methods answered 405 with the right `Allow`, no endpoint that ignores
authentication). Operations on one incident get a real one in the positive phase (and
the acknowledge link a real token), so they reach more than the 404 of a random id.
Seeded (20261201) and bounded so it fits CI: FUZZ_EXAMPLES examples an operation and
mode (25; the attacker's run used 60)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support import auth
from tests.support.escalation import report
from tests.support.servers import ROOT
from tests.support.system import System, ack_token, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

SEED = 20261201
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


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


def runner(operation: Any, mode: GenerationMode, known: dict[str, str], examples: int) -> Any:
    """A seeded Hypothesis test of one operation in one mode, with every check; a
    positive case on one incident is sent to the real one of `known`."""

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
        if mode is GenerationMode.POSITIVE:
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            if isinstance(case.body, dict) and case.body.get("related_incident_id"):
                case.body["related_incident_id"] = known["incident_id"]
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


KNOWN_INTAKE_DRIFT = {
    # cross-field rules the schema does not say yet (a JSON Schema if/then could):
    # wants_contact needs a phone or an e-mail address, and contact details and a
    # description need wants_contact
    "POST /v1/registrations [positive]",
    # at least one fact to change: `{}` and `{"urgency": null}` match the schema
    "POST /v1/incidents/{incident_id}/details [positive]",
}
"""Operations still known to disagree with their schema: each must still fail (so the
list is removed as soon as it is fixed), and nothing else may."""


def test_intake_api(intake_schema: Any, known: dict[str, str]) -> None:
    failures = fuzz(intake_schema, known=known)
    found = {failure.split(":", 1)[0] for failure in failures}
    unexpected = [f for f in failures if f.split(":", 1)[0] not in KNOWN_INTAKE_DRIFT]
    assert not unexpected, "\n\n".join(unexpected)
    assert found == KNOWN_INTAKE_DRIFT


@pytest.mark.xfail(
    strict=True,
    reason="the registry's remaining contract drift: `from`/`to` outside 1900-2200 and a "
    "random `cursor` (opaque, signed) match the schema but are a 422",
)
def test_registry_api(registry_schema: Any, known: dict[str, str]) -> None:
    failures = fuzz(registry_schema, known=known)
    assert not failures, "\n\n".join(failures)
