"""One cell of a statistic, and how a caller sees it (small cells suppressed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.domain.facts import SMALL_CELL, rate, suppress
from registry.domain.filters import Dimension

RATE_COLUMNS = ("aangifte_rate", "police_report_rate", "escalation_rate", "repeat_rate")


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a statistic: its dimension values and raw sums (before suppression)."""

    key: tuple[Any, ...]
    count: int
    aangifte: int
    police_report: int
    assigned: int
    escalated: int
    repeat: int

    def public(self, group_by: list[Dimension], *, suppressed: bool) -> dict[str, Any]:
        """The cell as a caller sees it: counts below the threshold hidden when
        `suppressed`, and with them every share that would reveal one."""
        small = suppressed and self.count < SMALL_CELL
        return {
            **dict(zip(group_by, self.key, strict=True)),
            "count": suppress(self.count, enabled=suppressed),
            "aangifte_rate": None
            if small
            else rate(self.aangifte, self.count, suppressed=suppressed),
            "police_report_rate": None
            if small
            else rate(self.police_report, self.count, suppressed=suppressed),
            "escalation_rate": None
            if small
            else rate(self.escalated, self.assigned, suppressed=suppressed),
            "repeat_rate": None if small else rate(self.repeat, self.count, suppressed=suppressed),
        }
