"""Reload the roster on SIGHUP or when its file changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from routing.domain.roster import Roster
from routing.service.roster import reload_roster, report_coverage
from routing.service.router import Router

COVERAGE_EVERY_S = 300.0


class RosterWatcher:
    """Reloads the roster on SIGHUP (`reload`) or when the file changes (`watch`); a bad
    roster is refused and the one in force stays."""

    def __init__(
        self, router: Router, *, path: Path, load: Callable[[], Roster], poll_s: float
    ) -> None:
        self._router = router
        self._path = path
        self._load = load
        self._poll_s = poll_s
        self._mtime = self._stat()

    def _stat(self) -> float:
        try:
            return self._path.stat().st_mtime
        except OSError:
            return 0.0

    def reload(self) -> bool:
        self._mtime = self._stat()
        return reload_roster(router=self._router, load=self._load)

    async def watch(self) -> None:
        """Reload a changed roster; recompute the coverage gaps every
        `COVERAGE_EVERY_S`, so the gauge looks 14 days ahead from now, not from start."""
        loop = asyncio.get_running_loop()
        counted = loop.time()
        while True:
            await asyncio.sleep(self._poll_s)
            if self._stat() != self._mtime:
                self.reload()
                counted = loop.time()
            elif loop.time() - counted >= COVERAGE_EVERY_S:
                report_coverage(self._router.roster, quiet=True)
                counted = loop.time()
