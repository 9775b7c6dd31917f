"""Notify's operations API without servers: who may read and re-drive, paging, 404 for
an unknown dead letter, 503 without NATS, and the audit record of every re-drive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from notify.bootstrap import create_app
from notify.service import operations
from notify.settings import NotifySettings
from tests.support.auth import ANALYST, COORDINATOR, OPERATOR, OPS, adviser, bearer
from tests.support.notify_operations import (
    PARKED,
    AuditRecorder,
    FakeOperations,
    letter,
    operations_app,
)


@pytest.fixture
def store() -> FakeOperations:
    return FakeOperations(
        letters=[letter(3, incident="a"), letter(7, reason="invalid"), letter(9, incident="b")]
    )


@pytest.fixture
def client(store: FakeOperations) -> TestClient:
    return TestClient(operations_app(store))


@pytest.fixture
def audit(monkeypatch: pytest.MonkeyPatch) -> AuditRecorder:
    recorder = AuditRecorder()
    monkeypatch.setattr(operations, "_audit", recorder)
    return recorder


READS = ["/v1/dead-letters", "/v1/status"]
WRITES = ["/v1/dead-letters/3/redrive", "/v1/dead-letters/redrive"]


@pytest.mark.parametrize("path", READS + WRITES)
def test_nobody_without_a_token(client: TestClient, path: str) -> None:
    response = client.request("GET" if path in READS else "POST", path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", [OPERATOR, ANALYST, adviser("ngb-01"), COORDINATOR])
def test_only_ops_redrives(
    client: TestClient, store: FakeOperations, audit: AuditRecorder, role: dict[str, str]
) -> None:
    for path in WRITES:
        response = client.post(path, headers=role)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("application/problem+json")
    assert store.redriven == [] and len(store.letters) == 3
    assert audit.records == []


@pytest.mark.parametrize("role", [OPERATOR, ANALYST, adviser("ngb-01")])
def test_only_ops_and_coordinators_read(client: TestClient, role: dict[str, str]) -> None:
    for path in READS:
        assert client.get(path, headers=role).status_code == 403, path
    for allowed in (OPS, COORDINATOR):
        for path in READS:
            assert client.get(path, headers=allowed).status_code == 200, path


def test_dead_letters_with_reason_and_age_paged(client: TestClient) -> None:
    first = client.get("/v1/dead-letters", params={"limit": 2}, headers=OPS).json()
    assert [d["seq"] for d in first["items"]] == [3, 7]
    assert first["items"][0]["reason"] == "failed"
    assert first["items"][0]["error_type"] == "SMTPConnectError"
    # parked 42 minutes before the fixtures were made: the age counts from then to now
    since_parked = (datetime.now(UTC) - PARKED).total_seconds()
    assert 42 * 60 <= first["items"][0]["age_s"] <= since_parked
    assert first["next_after"] == 7
    rest = client.get("/v1/dead-letters", params={"limit": 2, "after": 7}, headers=OPS).json()
    assert [d["seq"] for d in rest["items"]] == [9] and rest["next_after"] is None
    assert client.get("/v1/dead-letters", params={"limit": 501}, headers=OPS).status_code == 422


def test_a_redrive_is_audited_with_who_what_and_when(
    client: TestClient, store: FakeOperations, audit: AuditRecorder
) -> None:
    response = client.post("/v1/dead-letters/3/redrive", headers=bearer("ops", "ops-7"))
    assert response.status_code == 200
    assert response.json() == {
        "seq": 3,
        "subject": "weerbaar.events.adviser.assigned.a",
        "stream_seq": 1003,
    }
    assert store.redriven == [(3, "ops:ops-7")]  # who rides along on the event
    (record,) = audit.records
    assert record["audit"] is True and record["action"] == "dead_letter.redrive"
    assert record["actor"] == "ops-7" and record["role"] == "ops"
    assert record["seq"] == 3 and record["outcome"] == "redriven"
    assert record["subject"] == "weerbaar.events.adviser.assigned.a"
    assert record["at"].endswith("+00:00")


def test_an_unknown_dead_letter_is_404_and_still_audited(
    client: TestClient, audit: AuditRecorder
) -> None:
    response = client.post("/v1/dead-letters/4/redrive", headers=OPS)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
    assert [(r["seq"], r["outcome"]) for r in audit.records] == [(4, "unknown")]
    assert client.post("/v1/dead-letters/0/redrive", headers=OPS).status_code == 422


def test_one_that_cannot_go_back_is_409(
    client: TestClient, store: FakeOperations, audit: AuditRecorder
) -> None:
    store.unredrivable.add(3)
    response = client.post("/v1/dead-letters/3/redrive", headers=OPS)
    assert response.status_code == 409
    assert [(r["seq"], r["outcome"]) for r in audit.records] == [(3, "refused")]


def test_redrive_all_takes_the_failed_ones_each_audited(
    client: TestClient, store: FakeOperations, audit: AuditRecorder
) -> None:
    response = client.post("/v1/dead-letters/redrive", headers=OPS)
    assert response.status_code == 200
    body = response.json()
    assert [d["seq"] for d in body["redriven"]] == [3, 9]
    assert body["refused"] == [] and body["more"] is False
    assert [d.seq for d in store.letters] == [7]  # the invalid one stays
    assert [(r["seq"], r["outcome"]) for r in audit.records] == [(3, "redriven"), (9, "redriven")]


def test_without_nats_the_dead_letters_are_503_and_the_status_says_so(
    client: TestClient, store: FakeOperations, audit: AuditRecorder
) -> None:
    store.down = True
    for method, path in [("GET", "/v1/dead-letters"), *(("POST", p) for p in WRITES)]:
        response = client.request(method, path, headers=OPS)
        assert response.status_code == 503, path
        assert response.headers["content-type"].startswith("application/problem+json")
    status = client.get("/v1/status", headers=OPS).json()
    assert status["nats"] is False and status["consumers"] == []
    assert {c["provider"]: c["state"] for c in status["circuits"]} == {
        "smtp": "open",
        "alpha": "closed",
    }


def test_status_lists_circuits_and_the_lag_per_durable(client: TestClient) -> None:
    status = client.get("/v1/status", headers=COORDINATOR).json()
    assert status["nats"] is True
    lag = {c["durable"]: (c["num_pending"], c["num_ack_pending"]) for c in status["consumers"]}
    assert lag == {"routing": (0, 0), "notify": (3, 1)}


def test_the_real_app_without_a_broker_answers_503_not_a_stack_trace() -> None:
    app = create_app(NotifySettings(_env_file=None))  # type: ignore[call-arg]
    client = TestClient(app)  # no lifespan: the broker never started
    assert client.get("/v1/dead-letters", headers=OPS).status_code == 503
    status = client.get("/v1/status", headers=OPS).json()
    assert status["nats"] is False
    assert {(c["channel"], c["provider"], c["state"]) for c in status["circuits"]} >= {
        ("email", "smtp", "closed")
    }
