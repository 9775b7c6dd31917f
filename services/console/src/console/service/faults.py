"""The Storingen page: notify's dead letters and status, read and re-driven through
notify's API with the user's own token (notify checks the role and audits)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from console.domain import faults
from console.domain.problems import ApiProblem
from console.domain.session import Session
from console.service.ports import NotifyApi as Notify


@dataclass(frozen=True, slots=True)
class Overview:
    letters: list[faults.Letter]
    next_after: int | None
    circuits: list[faults.Circuit]
    lags: list[faults.Lag]
    reachable: bool
    """Whether notify and its NATS answered (otherwise the lists are empty)."""

    @property
    def wrong(self) -> list[tuple[str, dict[str, Any]]]:
        return faults.summary(self.letters, self.circuits, self.lags, reachable=self.reachable)


async def overview(*, notify: Notify, session: Session, after: int = 0) -> Overview:
    """Both of notify's answers at once. A refusal (401, 403) is raised; an outage of
    notify or of its NATS shows as not reachable, with what could still be read."""
    token = session.access_token
    answers: tuple[dict[str, Any] | BaseException, ...] = await asyncio.gather(
        notify.dead_letters(token=token, after=after),
        notify.status(token=token),
        return_exceptions=True,
    )
    listing, status = answers
    for answer in answers:
        if isinstance(answer, ApiProblem) and answer.status in (401, 403):
            raise answer
        if isinstance(answer, BaseException) and not isinstance(answer, ApiProblem):
            raise answer
    listed: dict[str, Any] = listing if isinstance(listing, dict) else {}
    state: dict[str, Any] = status if isinstance(status, dict) else {}
    return Overview(
        letters=faults.letters(listed),
        next_after=listed.get("next_after"),
        circuits=faults.circuits(state),
        lags=faults.lags(state),
        reachable=bool(listed) and bool(state.get("nats")),
    )


async def redrive(*, notify: Notify, session: Session, seq: int | None) -> int:
    """Re-drive one dead letter (`seq`) or every failed one (None): how many went back."""
    answer = await notify.redrive(token=session.access_token, seq=seq)
    if seq is not None:
        return 1
    return len(answer.get("redriven") or [])
