"""A roster reload (SIGHUP or a changed file): a bad roster is refused and the one in
force stays; a good one is put in force and its coverage counted."""

from __future__ import annotations

from pathlib import Path

from contracts.vocabulary import Pool
from routing.adapters.roster_file import load_roster
from routing.entrypoints.roster_watch import RosterWatcher
from routing.service.roster import report_coverage
from tests.support.routing_helpers import DEPLOY_ROSTER, router_with, staffed_roster


def test_a_bad_roster_is_refused_and_the_one_in_force_stays(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(DEPLOY_ROSTER.read_text(encoding="utf-8"), encoding="utf-8")
    router, *_ = router_with(staffed_roster())
    watcher = RosterWatcher(router, path=path, load=lambda: load_roster(path), poll_s=1)
    assert watcher.reload()
    assert router.roster == load_roster(DEPLOY_ROSTER)
    in_force = router.roster
    path.write_text("advisers: [", encoding="utf-8")
    assert not watcher.reload()
    assert router.roster is in_force


def test_coverage_is_counted_per_pool() -> None:
    totals = report_coverage(staffed_roster(), quiet=True)
    assert set(totals) == set(Pool)
    assert all(seconds == 0 for seconds in totals.values())
    unstaffed = report_coverage(staffed_roster(shifts={}), quiet=True)
    assert all(seconds == 14 * 24 * 3600 for seconds in unstaffed.values())
