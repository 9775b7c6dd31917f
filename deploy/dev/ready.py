"""`make run`'s ready line: wait until every service answers /readyz, then say so.

Run by supervisord once (autorestart off) with the names of the services to wait for;
their ports come from .data/dev.env through the environment.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

PORTS = {
    "intake": "INTAKE_PORT",
    "registry": "REGISTRY_PORT",
    "routing": "ROUTING_PORT",
    "notify": "NOTIFY_PORT",
    "console": "CONSOLE_PORT",
}


def ready(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def main(names: list[str]) -> int:
    ports = {name: os.environ[PORTS[name]] for name in names}
    began = time.monotonic()
    waiting = set(names)
    while waiting:
        waiting = {name for name in waiting if not ready(ports[name])}
        if waiting:
            time.sleep(0.25)
    seconds = time.monotonic() - began
    where = (
        f"the console at http://127.0.0.1:{os.environ['CONSOLE_PORT']}"
        if "CONSOLE_PORT" in os.environ
        else f"the intake API at http://127.0.0.1:{ports.get('intake', '?')}"
    )
    print(f"weerbaar: ready in {seconds:.0f} s: every service answers /readyz; start at {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
