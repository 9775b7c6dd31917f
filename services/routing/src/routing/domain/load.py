"""Routing's bookkeeping: open cases per adviser, and the cases nobody acknowledged. No I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from routing.domain.state import IncidentRouting


@dataclass(slots=True)
class Load:
    """Counted from the durable state at start, then kept in step with every change."""

    open_cases: dict[str, int] = field(default_factory=dict)
    unacknowledged: set[uuid.UUID] = field(default_factory=set)

    def clear(self) -> None:
        self.open_cases.clear()
        self.unacknowledged.clear()

    def track(self, state: IncidentRouting, previous: IncidentRouting | None = None) -> None:
        """Count `state` in, and `previous` (the same incident before the change) out."""
        if previous is not None and not previous.closed:
            who = previous.step.adviser_id
            self.open_cases[who] = max(0, self.open_cases.get(who, 0) - 1)
        if not state.closed:
            who = state.step.adviser_id
            self.open_cases[who] = self.open_cases.get(who, 0) + 1
        if state.closed or state.acknowledged_at is not None or state.exhausted:
            self.unacknowledged.discard(state.incident_id)
        else:
            self.unacknowledged.add(state.incident_id)
