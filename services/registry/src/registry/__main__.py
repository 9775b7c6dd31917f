"""`weerbaar-registry [serve]` runs the registry; `weerbaar-registry rebuild` replays the
events stream into an empty database; `weerbaar-registry migrate` upgrades the schema;
`weerbaar-registry retention` runs the retention job once; `weerbaar-registry
rotate-keys` re-wraps every case's data key under the current KEK, in the key store
and in the database."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys

from registry.settings import RegistrySettings
from weerbaar_runtime.http import configured, serve
from weerbaar_runtime.nats import stop_quietly
from weerbaar_runtime.settings import use_make_run

FULL_COLLECTION_THRESHOLD = 100
"""Collections of the middle generation between two full ones (CPython's default: 10)."""


def relax_full_collections() -> None:
    """Full garbage collections ten times less often, for the whole process: call it
    where the projector runs (serve, rebuild, the benchmark). The projector keeps
    hundreds of thousands of long-lived objects (parsed events, values remembered per
    report and per case), and a full collection walks every one of them: at the
    interpreter's default they took a quarter of the projection's time. Nothing the
    projector makes depends on the cycle collector to be freed soon."""
    young, middle, old = gc.get_threshold()
    if old < FULL_COLLECTION_THRESHOLD:
        gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


async def _migrate(settings: RegistrySettings) -> None:
    from registry.adapters.db import make_engine
    from registry.adapters.migrate import current_revision, upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine, stats_key=settings.stats_secret())
        print(f"migrate: at revision {await current_revision(engine)}", file=sys.stderr)
    finally:
        await engine.dispose()


async def _retention(settings: RegistrySettings) -> int:
    from registry.adapters.migrate import upgrade
    from registry.bootstrap import build

    registry = build(settings)
    try:
        await upgrade(registry.engine, stats_key=settings.stats_secret())
        await registry.broker.connect()
        count = await registry.retention.run_once()
        print(f"retention: {count} erasures published", file=sys.stderr)
        return count
    finally:
        await stop_quietly(registry.broker)
        await registry.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="weerbaar-registry", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    rebuild = commands.add_parser(
        "rebuild", help="replay the events stream from the start into an empty database"
    )
    rebuild.add_argument(
        "--drop-existing",
        action="store_true",
        help="empty the database first (stop the service before)",
    )
    rebuild.add_argument("--batch", type=int, default=2000, help="events per transaction")
    commands.add_parser("migrate", help="upgrade the database schema to the latest revision")
    commands.add_parser("retention", help="publish the erasures that are due, once")
    rotate = commands.add_parser(
        "rotate-keys",
        help="re-wrap every case's data key under CASE_KEK_ID, in the key store and in "
        "the database (keep the old KEK configured until it is done); no sealed value "
        "is rewritten",
    )
    rotate.add_argument("--chunk", type=int, default=1000, help="keys per transaction")
    rotate.add_argument(
        "--only",
        choices=("key-store", "database"),
        help="only the key store's data keys, or only the database's",
    )
    args = parser.parse_args(argv)
    if args.command not in (None, "serve"):
        url = use_make_run("registry")
        if url:
            print(f"weerbaar-registry: make run's NATS at {url} (.data/dev.env)", file=sys.stderr)
    settings = configured("registry", RegistrySettings)
    if args.command in (None, "serve"):
        from registry.bootstrap import create_app

        relax_full_collections()
        serve("registry", lambda: (create_app(settings), settings))
    elif args.command == "rebuild":
        from registry.entrypoints.rebuild import NotEmptyError
        from registry.entrypoints.rebuild import rebuild as run_rebuild

        relax_full_collections()
        try:
            asyncio.run(run_rebuild(settings, drop_existing=args.drop_existing, batch=args.batch))
        except NotEmptyError as exc:
            print(f"rebuild: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "retention":
        asyncio.run(_retention(settings))
    elif args.command == "rotate-keys":
        from registry.adapters.key_rotation import rotate_keys
        from registry.entrypoints.rewrap import rewrap
        from weerbaar_runtime.sealing import SealError

        try:
            if args.only != "database":
                asyncio.run(rewrap(settings))
            if args.only != "key-store":
                asyncio.run(
                    rotate_keys(settings.database_url, settings.kek_ring(), chunk=args.chunk)
                )
        except SealError as exc:
            print(
                f"rotate-keys: {exc}; that chunk and the rest were left as they were",
                file=sys.stderr,
            )
            raise SystemExit(2) from None


if __name__ == "__main__":
    main()
