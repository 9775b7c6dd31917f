"""`weerbaar-notify dead-letters list|redrive`: inspect and re-drive notify's dead letters.

Uses NATS_URL, NATS_USER and NATS_PASSWORD like the service; the user needs to read
and delete on WEERBAAR_DEAD_LETTERS and publish event subjects (an ops user). Without
NATS_URL, in a checkout where `make run` runs, it uses make run's server as its `ops`
user (.data/dev.env, .data/nats/credentials.env). A server without the dead-letter
stream is refused: it is not Weerbaar's, and "0 dead letters" would be a wrong answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import nats
from nats.js.errors import NotFoundError

from contracts.subjects import DEAD_LETTER_STREAM, inbox_prefix
from notify.adapters.deadletters import DeadLetterError, DeadLetters
from notify.settings import NotifySettings
from weerbaar_runtime.settings import use_make_run


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="weerbaar-notify",
        description="Run the notify service (no arguments), or manage its dead letters.",
    )
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the notify service (the default)")
    dead = commands.add_parser("dead-letters", help="notify's dead letters")
    actions = dead.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list dead letters, oldest first")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    redrive = actions.add_parser(
        "redrive", help="publish dead letters again on their original subject and delete them"
    )
    redrive.add_argument("seqs", nargs="*", type=int, metavar="SEQ", help="dead-letter sequence")
    redrive.add_argument(
        "--all", action="store_true", help="every dead letter that failed (not invalid ones)"
    )
    for sub in (listing, redrive):
        sub.add_argument("--nats-url", default=None, help="defaults to NATS_URL")
    return root


def _connection(args: argparse.Namespace) -> tuple[list[str], str | None, str | None]:
    """The servers, user and password: given, from the environment, or make run's."""
    if not args.nats_url:
        url = use_make_run("ops")
        if url:
            print(f"weerbaar-notify: make run's NATS at {url} (.data/dev.env)", file=sys.stderr)
    settings = NotifySettings()
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    servers = [args.nats_url] if args.nats_url else settings.nats_servers()
    return servers, settings.nats_user, password


async def _run(args: argparse.Namespace) -> int:
    servers, user, password = _connection(args)
    settings = NotifySettings()
    try:
        nc = await nats.connect(
            servers,
            user=user,
            password=password,
            inbox_prefix=inbox_prefix(user),
            connect_timeout=max(1, int(settings.nats_connect_timeout_s)),
            max_reconnect_attempts=1,
            allow_reconnect=False,
        )
    except Exception as exc:
        print(
            f"weerbaar-notify: cannot reach NATS at {', '.join(servers)} ({type(exc).__name__})",
            file=sys.stderr,
        )
        return 1
    try:
        js = nc.jetstream()
        try:
            await js.stream_info(DEAD_LETTER_STREAM)
        except NotFoundError:
            print(
                f"weerbaar-notify: NATS at {', '.join(servers)} has no {DEAD_LETTER_STREAM} "
                "stream: not Weerbaar's server, or weerbaar-provision has not run",
                file=sys.stderr,
            )
            return 1
        dead = DeadLetters(js)
        if args.action == "list":
            letters = await dead.list()
            for letter in letters:
                if args.json:
                    print(json.dumps(letter.as_dict(), sort_keys=True))
                else:
                    parked = (
                        letter.parked_at.isoformat(timespec="seconds") if letter.parked_at else "-"
                    )
                    print(
                        f"{letter.seq:>8}  {parked}  {letter.reason:<8} {letter.error_type:<24} "
                        f"{letter.event_type or '-'}  incident {letter.incident_id or '-'}"
                    )
            if not args.json:
                print(f"{len(letters)} dead letter(s)", file=sys.stderr)
            return 0
        seqs = list(args.seqs)
        if args.all:
            seqs += [d.seq for d in await dead.list() if d.reason == "failed"]
        if not seqs:
            print("weerbaar-notify: name a SEQ or use --all", file=sys.stderr)
            return 2
        status = 0
        for seq in dict.fromkeys(seqs):
            try:
                done = await dead.redrive(seq)
            except DeadLetterError as exc:
                print(f"weerbaar-notify: {exc}", file=sys.stderr)
                status = 1
                continue
            print(f"redriven {done.seq} -> {done.subject} (stream sequence {done.stream_seq})")
        return status
    finally:
        await nc.close()


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    return asyncio.run(_run(args))
