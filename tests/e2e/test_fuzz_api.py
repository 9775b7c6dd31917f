"""Schemathesis against the live intake API with valid tokens: no 5xx, responses as
documented, invalid input refused, no endpoint that ignores authentication.
Bounded and seeded so it fits CI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import auth
from tests.support.servers import ROOT
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


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


def headers_for(case: Any) -> dict[str, str]:
    if case.path == "/v1/registrations" and case.method.upper() == "POST":
        return auth.system("GM0363")
    if case.path == "/metrics":
        return auth.OPS
    if case.path == "/v1/audit":
        return auth.COORDINATOR
    return auth.OPERATOR


def fuzz(schema: Any, *, max_examples: int) -> list[str]:
    """Run every operation in both modes; return the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=max_examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers_for(case), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid: the operation takes no input
            except Exception as exc:
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:400]}")
    return failures


def test_intake_api(intake_schema: Any) -> None:
    assert fuzz(intake_schema, max_examples=25) == []


def test_registry_api(registry_schema: Any) -> None:
    assert fuzz(registry_schema, max_examples=25) == []
