"""Rosters and a router with in-memory ports, for routing's unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contracts.vocabulary import Pool
from routing.domain.roster import Roster
from routing.service.router import Router
from routing.settings import RoutingSettings
from tests.support.fakes import MemoryStateStore, RecordingPublisher, RecordingScheduler

REPO = Path(__file__).resolve().parents[2]
DEPLOY_ROSTER = REPO / "deploy" / "config" / "roster.yaml"
AMS = ZoneInfo("Europe/Amsterdam")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def adviser(adviser_id: str, pool: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": adviser_id,
        "pool": pool,
        "contacts": [{"channel": "email", "address": f"{adviser_id}@example.nl"}],
        **extra,
    }


def always(
    pool: str, primary: str | list[str], backup: str | list[str] | None = None
) -> dict[str, Any]:
    slot: dict[str, Any] = {"days": EVERY_DAY, "from": "00:00", "to": "00:00", "primary": primary}
    if backup:
        slot["backup"] = backup
    return {"pool": pool, "start": "2026-01-05", "weeks": [[slot]]}


def staffed_roster(**changes: Any) -> Roster:
    """Every pool with a primary, a backup and a coordinator, on call around the clock."""
    data: dict[str, Any] = {"pools": {}, "advisers": [], "shifts": {"rotations": []}}
    for pool in Pool:
        p = pool.value
        data["pools"][p] = {"coordinator": f"{p}-coord"}
        data["advisers"] += [adviser(f"{p}-1", p), adviser(f"{p}-2", p), adviser(f"{p}-coord", p)]
        data["shifts"]["rotations"].append(always(p, f"{p}-1", f"{p}-2"))
    data.update(changes)
    return Roster.model_validate(data)


def night_roster() -> Roster:
    """NGB in three shifts a day, one of them across midnight and the clock change."""
    slots = [
        {"days": EVERY_DAY, "from": "22:00", "to": "02:00", "primary": "late", "backup": "day"},
        {"days": EVERY_DAY, "from": "02:00", "to": "08:00", "primary": "night", "backup": "late"},
        {"days": EVERY_DAY, "from": "08:00", "to": "22:00", "primary": "day", "backup": "night"},
    ]
    return Roster.model_validate(
        {
            "advisers": [adviser(a, "ngb") for a in ("late", "night", "day")],
            "shifts": {"rotations": [{"pool": "ngb", "start": "2026-01-05", "weeks": [slots]}]},
        }
    )


def conflicted_roster() -> Roster:
    """The staffed roster with an NGB adviser linked to GM0363 and an inactive one."""
    roster = staffed_roster()
    advisers = [
        *[a.model_dump(by_alias=True) for a in roster.advisers],
        adviser("ngb-x", "ngb", organisations=["GM0363"]),
        adviser("ngb-off", "ngb", active=False),
    ]
    return staffed_roster(advisers=advisers)


def router_with(
    roster: Roster | None = None, **settings_changes: Any
) -> tuple[Router, RecordingPublisher, RecordingScheduler, MemoryStateStore]:
    publisher, scheduler, state = RecordingPublisher(), RecordingScheduler(), MemoryStateStore()
    router = Router(
        roster=roster or staffed_roster(),
        settings=RoutingSettings(**settings_changes),
        state=state,
        publish=publisher,
        schedule=scheduler,
    )
    return router, publisher, scheduler, state


def of_type(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


class StaleOnce:
    """A state store whose next read returns a snapshot taken earlier: a decision made
    on the state before another process moved it."""

    def __init__(self, state: Any, snapshot: Any) -> None:
        self._state, self._snapshot = state, snapshot
        self._real = state.get

    async def __call__(self, incident_id: Any) -> Any:
        self._state.get = self._real
        return self._snapshot
