"""`weerbaar-routing`: run the routing service; `weerbaar-routing check-roster FILE`
validates a roster and reports its coverage for the next 14 days."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from contracts.events import utcnow
from routing.adapters.roster_file import load_roster
from routing.domain.coverage import coverage_gaps, describe_gap
from routing.domain.roster import RosterError
from routing.settings import RoutingSettings
from weerbaar_runtime.http import serve


def check_roster(path: Path) -> int:
    try:
        roster = load_roster(path)
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gaps = coverage_gaps(roster, start=utcnow())
    print(f"{path}: {len(roster.advisers)} advisers in {len(roster.pools)} pools")
    for pool, stretches in sorted(gaps.items()):
        for start, end in stretches:
            print(
                f"warning: {path}: pool {pool.value} has no primary on call "
                f"{describe_gap(start, end)}",
                file=sys.stderr,
            )
    return 1 if gaps else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="weerbaar-routing")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    check = commands.add_parser("check-roster", help="validate a roster file")
    check.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.command == "check-roster":
        raise SystemExit(check_roster(args.path))
    from routing.bootstrap import create_app

    def build() -> tuple[Any, RoutingSettings]:
        settings = RoutingSettings()
        try:
            return create_app(settings), settings
        except RosterError as exc:
            print(f"weerbaar-routing: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    serve("routing", build)


if __name__ == "__main__":
    main()
