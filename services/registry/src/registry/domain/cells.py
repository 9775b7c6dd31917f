"""One cell of a statistic, and how a caller sees it: exact, or perturbed by the cell-key
method with small counts suppressed (`registry.domain.disclosure`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.domain.disclosure import perturbed, share, shown
from registry.domain.facts import rate
from registry.domain.filters import Dimension

RATE_COLUMNS = ("aangifte_rate", "police_report_rate", "escalation_rate", "repeat_rate")


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a statistic: its dimension values, raw sums, and the cell key of
    each sum's cases (the sum of their record keys), in the order of `MEASURES`."""

    key: tuple[Any, ...]
    count: int
    aangifte: int
    police_report: int
    assigned: int
    escalated: int
    repeat: int
    cell_keys: tuple[int, ...] = field(default=(0, 0, 0, 0, 0, 0))

    @classmethod
    def of(cls, key: tuple[Any, ...], sums: Sequence[int]) -> Cell:
        """From the six sums followed by their six cell keys."""
        count, aangifte, police_report, assigned, escalated, repeat = sums[:6]
        return cls(
            key, count, aangifte, police_report, assigned, escalated, repeat, tuple(sums[6:12])
        )

    def perturbed(self) -> tuple[int, ...]:
        """The six sums as an aggregate-only caller sees them (before "<5")."""
        sums = (
            self.count,
            self.aangifte,
            self.police_report,
            self.assigned,
            self.escalated,
            self.repeat,
        )
        return tuple(perturbed(n, k) for n, k in zip(sums, self.cell_keys, strict=True))

    def public(self, group_by: list[Dimension], *, suppressed: bool) -> dict[str, Any]:
        """The cell as a caller sees it: exact, or (`suppressed`) perturbed, counts
        below the threshold hidden and every share computed from perturbed counts."""
        values = dict(zip(group_by, self.key, strict=True))
        if not suppressed:
            return {
                **values,
                "count": self.count,
                "aangifte_rate": rate(self.aangifte, self.count, suppressed=False),
                "police_report_rate": rate(self.police_report, self.count, suppressed=False),
                "escalation_rate": rate(self.escalated, self.assigned, suppressed=False),
                "repeat_rate": rate(self.repeat, self.count, suppressed=False),
            }
        count, aangifte, police_report, assigned, escalated, repeat = self.perturbed()
        return {
            **values,
            "count": shown(count),
            "aangifte_rate": share(aangifte, count),
            "police_report_rate": share(police_report, count),
            "escalation_rate": share(escalated, assigned),
            "repeat_rate": share(repeat, count),
        }
