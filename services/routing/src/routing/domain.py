"""Choosing an adviser: no I/O, so the policy can be tested on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.vocabulary import FALLBACK_POOL, Pool, Role
from routing.roster import Adviser, Roster


@dataclass(frozen=True, slots=True)
class Choice:
    pool: Pool
    adviser: Adviser


@dataclass(slots=True)
class RoundRobin:
    """Fair turn-taking within each pool."""

    _next: dict[Pool, int] = field(default_factory=dict)

    def take(self, pool: Pool, candidates: list[Adviser]) -> Adviser:
        turn = self._next.get(pool, 0)
        self._next[pool] = turn + 1
        return candidates[turn % len(candidates)]


def choose(roster: Roster, role: Role, turns: RoundRobin) -> Choice | None:
    """The role's pool and an adviser in it; the fallback pool when it has nobody."""
    for pool in dict.fromkeys((roster.pool_for(role), FALLBACK_POOL)):
        candidates = roster.first_line(pool)
        if candidates:
            return Choice(pool=pool, adviser=turns.take(pool, candidates))
    return None
