"""Intake's writes ride over a short JetStream leader election: a failed try is
repeated within a budget, and the caller hears of it (a 503) only after that."""

from __future__ import annotations

import pytest

from intake.adapters.retry import within
from weerbaar_runtime.nats import PublishFailedError


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Election:
    """No leader until `until_s`; each try takes its whole timeout while there is none
    (a request nobody answers), or `answer_s` once there is."""

    def __init__(self, time: FakeTime, *, until_s: float, answer_s: float = 0.01) -> None:
        self.time = time
        self.until_s = until_s
        self.answer_s = answer_s
        self.timeouts: list[float] = []

    async def __call__(self, timeout_s: float) -> str:
        self.timeouts.append(timeout_s)
        if self.time.now + timeout_s < self.until_s:
            self.time.now += timeout_s
            raise PublishFailedError("TimeoutError")
        self.time.now = max(self.time.now, self.until_s) + self.answer_s
        return "stored"


async def test_a_write_during_a_quick_election_succeeds_without_a_503() -> None:
    time = FakeTime()
    election = Election(time, until_s=2.5)
    got = await within(4.0, election, timeout_s=1.0, what="publish", clock=time, sleep=time.sleep)
    assert got == "stored"
    assert len(election.timeouts) > 1
    assert time.now < 4.0


async def test_a_longer_election_is_a_503_once_the_budget_is_spent() -> None:
    time = FakeTime()
    election = Election(time, until_s=60.0)
    with pytest.raises(PublishFailedError):
        await within(4.0, election, timeout_s=1.0, what="publish", clock=time, sleep=time.sleep)
    assert 3.5 <= time.now <= 4.0
    assert max(election.timeouts) == 1.0


async def test_without_a_budget_there_is_one_try_with_the_whole_timeout() -> None:
    time = FakeTime()
    election = Election(time, until_s=60.0)
    with pytest.raises(PublishFailedError):
        await within(0.0, election, timeout_s=1.0, what="publish", clock=time, sleep=time.sleep)
    assert election.timeouts == [1.0]


async def test_a_refusal_that_is_not_about_storing_is_not_retried() -> None:
    calls = 0

    async def conflict(timeout_s: float) -> str:
        nonlocal calls
        calls += 1
        raise ValueError("another request with this key")

    with pytest.raises(ValueError, match="another request"):
        await within(4.0, conflict, timeout_s=1.0, what="claim")
    assert calls == 1
