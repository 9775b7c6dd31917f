"""The supervisord configuration `make run` writes to .data/supervisord.conf."""

from __future__ import annotations

import shlex
from pathlib import Path

# supervisord starts lower priorities first and stops them last.
PRIORITY = {"nats": 10, "mailbox": 10, "intake": 20, "ready": 90}


def supervisord_conf(programs: dict[str, str], *, root: Path, data: Path) -> str:
    """One program per process, restarted when it dies, its output on the terminal."""
    lines = [
        "; Written by deploy/dev/prepare.py on every `make run`: edit that, not this.",
        "[supervisord]",
        "nodaemon=true",
        "logfile=/dev/null",  # in the foreground it logs to the terminal as well
        "loglevel=info",
        f"pidfile={data / 'supervisord.pid'}",
        f"directory={root}",
        "",
        "[unix_http_server]",
        f"file={data / 'supervisor.sock'}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{data / 'supervisor.sock'}",
    ]
    env_file = shlex.quote(str(data / "dev.env"))
    for name, command in programs.items():
        once = name == "ready"
        script = f"set -a && . {env_file} && set +a && {command}"
        lines += [
            "",
            f"[program:{name}]",
            f"command=/bin/bash -c {shlex.quote(script)}",
            # nats-0, nats-1, nats-2 of make run-cluster as nats
            f"priority={PRIORITY.get(name, PRIORITY.get(name.partition('-')[0], 30))}",
            "autorestart=" + ("false" if once else "true"),
            "startsecs=" + ("0" if once else "2"),
            "startretries=10",
            # aiosmtpd stops cleanly on INT only; everything else on TERM
            "stopsignal=" + ("INT" if name == "mailbox" else "TERM"),
            "stopwaitsecs=15",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"
