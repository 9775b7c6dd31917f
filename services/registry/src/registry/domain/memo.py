"""Remembering a pure function of an event by the event object's identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from contracts.events import IncidentReported

_E = TypeVar("_E")
_R = TypeVar("_R")


class ByIdentity(Generic[_E, _R]):
    """A pure function of a (frozen) event, remembered for the last `size` event
    objects: refreshing a case folds the same parsed events again and again. Kept by
    the object's identity, and holding the object, so an id is never reused while
    remembered; a scrubbed copy is another object."""

    def __init__(self, function: Callable[[_E], _R], size: int = 50_000) -> None:
        self._function = function
        self._size = size
        self._seen: dict[int, tuple[_E, _R]] = {}

    def __call__(self, event: _E) -> _R:
        hit = self._seen.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        result = self._function(event)
        self._seen[id(event)] = (event, result)
        if len(self._seen) > self._size:
            del self._seen[next(iter(self._seen))]
        return result


class FoldMemo:
    """What folding a case remembers between calls, per report object: its details and
    its statistics' dimensions (a case is refolded with the same parsed report again
    and again). Owned by its user (the projector), never shared by the process."""

    def __init__(self, size: int = 50_000) -> None:
        from registry.domain.case_facts import Dimensions, dimensions_of
        from registry.domain.details import CaseDetails, details_of_report

        self.details: ByIdentity[IncidentReported, CaseDetails] = ByIdentity(
            details_of_report, size
        )
        self.dimensions: ByIdentity[IncidentReported, Dimensions] = ByIdentity(
            lambda report: dimensions_of(self.details(report)), size
        )
