"""`make run`'s last step: hold .data/run.lock, then become supervisord.

The lock is taken here and inherited by supervisord across `exec`, so it is held for
exactly as long as the system runs, and a second `make run` in the same folder is
refused. make's only child is then supervisord itself: Ctrl-C reaches it directly and
it stops the services first, then NATS and the mailbox.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path


def main(data: Path) -> int:
    lock = os.open(data / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(
            f"weerbaar: make run is already running in this checkout ({data / 'run.lock'}); "
            "stop it first (Ctrl-C in its terminal). Nothing was changed.",
            file=sys.stderr,
        )
        return 75
    os.set_inheritable(lock, True)
    supervisord = Path(sys.executable).parent / "supervisord"
    conf = str(data / "supervisord.conf")
    os.execv(supervisord, [str(supervisord), "-c", conf])  # noqa: S606 - our own venv's binary


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]).resolve()))
