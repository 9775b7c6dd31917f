"""Prepare `make run`: pick ports, write the NATS config, the env file and the Procfile.

Uses the servers named by NATS_URL, DATABASE_URL and SMTP_HOST when they are set;
otherwise an embedded JetStream nats-server (data under .data/nats), SQLite
(.data/registry.db) and a local SMTP mailbox (.data/mailbox).
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".data"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pick(name: str, default: int) -> int:
    wanted = int(os.environ.get(name, default))
    if port_free(wanted):
        return wanted
    chosen = free_port()
    print(f"weerbaar: port {wanted} for {name} is taken; using {chosen}")
    return chosen


def main() -> int:
    DATA.mkdir(exist_ok=True)
    bindir = Path(sys.executable).parent
    env: dict[str, str] = {}
    procs: dict[str, str] = {}

    if os.environ.get("NATS_URL"):
        env["NATS_URL"] = os.environ["NATS_URL"]
        print(f"weerbaar: using NATS at {env['NATS_URL']}")
    else:
        nats_port = pick("NATS_PORT", 4222)
        store = DATA / "nats"
        store.mkdir(exist_ok=True)
        (store / "nats.conf").write_text(
            f'listen: "127.0.0.1:{nats_port}"\n'
            f'server_name: "weerbaar-dev"\n'
            "jetstream {\n"
            f'  store_dir: "{store / "jetstream"}"\n'
            "  sync_interval: always\n"
            "}\n"
        )
        env["NATS_URL"] = f"nats://127.0.0.1:{nats_port}"
        procs["nats"] = f"exec {bindir / 'nats-server'} -c {store / 'nats.conf'}"

    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        print("weerbaar: using the database named by DATABASE_URL")
    else:
        env["DATABASE_URL"] = f"sqlite+aiosqlite:///{DATA / 'registry.db'}"

    if os.environ.get("SMTP_HOST"):
        for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        print(f"weerbaar: sending mail through {env['SMTP_HOST']}")
    else:
        smtp_port = pick("SMTP_PORT", 8025)
        mailbox = DATA / "mailbox"
        for sub in ("new", "cur", "tmp"):  # a Maildir
            (mailbox / sub).mkdir(parents=True, exist_ok=True)
        env["SMTP_HOST"] = "127.0.0.1"
        env["SMTP_PORT"] = str(smtp_port)
        procs["mailbox"] = (
            f"exec {bindir / 'python'} -m aiosmtpd -n -l 127.0.0.1:{smtp_port} "
            f"-c aiosmtpd.handlers.Mailbox {mailbox}"
        )

    ports = {
        "INTAKE_PORT": pick("INTAKE_PORT", 8000),
        "REGISTRY_PORT": pick("REGISTRY_PORT", 8001),
        "ROUTING_PORT": pick("ROUTING_PORT", 8002),
        "NOTIFY_PORT": pick("NOTIFY_PORT", 8003),
    }
    env.update({k: str(v) for k, v in ports.items()})
    env["INTAKE_PUBLIC_URL"] = f"http://127.0.0.1:{ports['INTAKE_PORT']}"
    env["REGISTRY_PUBLIC_URL"] = f"http://127.0.0.1:{ports['REGISTRY_PORT']}"
    env.setdefault(
        "ROUTING_ROSTER", os.environ.get("ROUTING_ROSTER", str(ROOT / "deploy/config/roster.yaml"))
    )
    env["LOG_JSON"] = os.environ.get("LOG_JSON", "true")
    env["PYTHONUNBUFFERED"] = "1"

    # Provisioning is idempotent; the other services retry until the consumers exist.
    procs["intake"] = (
        f"{bindir / 'weerbaar-provision'} --wait 60 && exec {bindir / 'weerbaar-intake'}"
    )
    procs["routing"] = f"exec {bindir / 'weerbaar-routing'}"
    procs["registry"] = f"exec {bindir / 'weerbaar-registry'}"
    procs["notify"] = f"exec {bindir / 'weerbaar-notify'}"

    (DATA / "dev.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (DATA / "Procfile").write_text("".join(f"{k}: {v}\n" for k, v in procs.items()))

    print("weerbaar: starting; Ctrl-C stops everything")
    print(f"  intake API     http://127.0.0.1:{ports['INTAKE_PORT']}/docs")
    print(f"  registry API   http://127.0.0.1:{ports['REGISTRY_PORT']}/docs")
    print(f"  routing        http://127.0.0.1:{ports['ROUTING_PORT']}/healthz")
    print(f"  notify         http://127.0.0.1:{ports['NOTIFY_PORT']}/healthz")
    print(f"  NATS           {env['NATS_URL']}")
    if "mailbox" in procs:
        print(f"  dev mailbox    smtp://127.0.0.1:{env['SMTP_PORT']} → {DATA / 'mailbox'}/new")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
