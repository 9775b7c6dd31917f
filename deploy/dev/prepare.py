"""Prepare `make run`: pick ports, write the NATS config, the env file and the
supervisor's configuration (.data/supervisord.conf).

Uses the servers named by NATS_URL, DATABASE_URL and SMTP_HOST when they are set;
otherwise an embedded JetStream nats-server (data under .data/nats), SQLite
(.data/registry.db) and a local SMTP mailbox (.data/mailbox).

The embedded nats-server runs the users and subject permissions of production
(deploy/nats/accounts.conf, included as it is) and encrypts its store at rest. Each
user's password and the encryption key are made on the first run and kept in
.data/nats/credentials.env (mode 0600); every process gets only its own user's
password. It listens on 127.0.0.1 only and without TLS, unlike deploy/.

The processes run under supervisord: one that dies is started again and the others
keep running (its log says so); Ctrl-C stops the services first, then NATS and the
mailbox. A second `make run` in the same checkout is refused while the first runs
(.data/run.lock), so two stacks never share one JetStream store and database.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shlex
import socket
import string
import sys
from pathlib import Path

import cluster
from supervisor_conf import supervisord_conf

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("WEERBAAR_DATA") or ROOT / ".data").resolve()  # make run DATA=…
ACCOUNTS = ROOT / "deploy/nats/accounts.conf"
JS_KEY = "NATS_JS_KEY"
SERVICES = ("intake", "routing", "registry", "notify", "console")
CLUSTER = bool(os.environ.get("WEERBAAR_CLUSTER"))  # make run-cluster


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


def nats_user_variables() -> dict[str, str]:
    """Each user of accounts.conf and the server variable that holds its password."""
    text = "\n".join(
        line for line in ACCOUNTS.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    return dict(re.findall(r"user:\s*([\w-]+)\s*,?\s*password:\s*\$(\w+)", text))


def secret() -> str:
    """32 random letters and digits, starting with a letter (NATS reads it as a string)."""
    alphabet = string.ascii_letters + string.digits
    return secrets.choice(string.ascii_letters) + "".join(
        secrets.choice(alphabet) for _ in range(31)
    )


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip()
    return values


def nats_credentials(store: Path, variables: dict[str, str]) -> Path:
    """.data/nats/credentials.env: a password per NATS user and the JetStream key, made
    once and then reused (the encrypted store cannot be read without that key)."""
    path = store / "credentials.env"
    values = read_env_file(path)
    if JS_KEY not in values and any((store / "jetstream").rglob("meta.key")):
        raise SystemExit(
            f"weerbaar: {store / 'jetstream'} is encrypted but its key ({path}) is gone; "
            f"remove {store} (or run `make clean`) to start with an empty store"
        )
    wanted = [*variables.values(), JS_KEY]
    missing = [name for name in wanted if not values.get(name)]
    for name in missing:
        values[name] = secret()
    if missing or not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(
                "# make run's NATS secrets: one password per user of deploy/nats/accounts.conf\n"
                "# and the JetStream encryption key. Losing NATS_JS_KEY loses .data/nats.\n"
            )
            out.write("".join(f"{name}={values[name]}\n" for name in sorted(values)))
    path.chmod(0o600)
    return path


def adopt_store_from_before_accounts(store: Path) -> None:
    """Before it had users, make run's streams lived in NATS' global account `$G`; they
    now belong to the account WEERBAAR. Move them over once (nats-server then encrypts
    them as it starts)."""
    accounts = store / "jetstream" / "jetstream"
    old, new = accounts / "$G", accounts / "WEERBAAR"
    if (old / "streams").is_dir() and not new.exists():
        old.rename(new)
        print(f"weerbaar: moved the NATS streams in {old} to the account WEERBAAR")
    elif old.is_dir():
        print(f"weerbaar: {old} holds streams from before NATS users; unused, remove it")


LOCK = DATA / "run.lock"


def refuse_a_second_run() -> None:
    """Exit with a message while another `make run` holds .data/run.lock."""
    with LOCK.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pidfile = DATA / "supervisord.pid"
            holder = f"pid {pidfile.read_text().strip()}" if pidfile.exists() else "it holds"
            raise SystemExit(
                f"weerbaar: make run is already running in this checkout ({holder} "
                f"{LOCK.name}); stop it first (Ctrl-C in its terminal). Nothing was changed."
            ) from None
        fcntl.flock(handle, fcntl.LOCK_UN)


def main() -> int:
    DATA.mkdir(exist_ok=True)
    refuse_a_second_run()
    bindir = Path(sys.executable).parent
    env: dict[str, str] = {}
    procs: dict[str, str] = {}

    # What a process runs as: with an external NATS the caller's own NATS_USER and
    # NATS_PASSWORD (for every process, as given); with the embedded server its own user,
    # whose password comes from credentials.env, sourced but not exported.
    as_user = {name: "" for name in (*SERVICES, "provisioner")}
    if os.environ.get("NATS_URL"):
        env["NATS_URL"] = os.environ["NATS_URL"]
        print(f"weerbaar: using NATS at {env['NATS_URL']}")
    else:
        nats_port = pick("NATS_PORT", 4222)
        store = DATA / "nats"
        store.mkdir(exist_ok=True)
        store.chmod(0o700)
        variables = nats_user_variables()
        credentials = nats_credentials(store, variables)
        adopt_store_from_before_accounts(store)
        source = f". {shlex.quote(str(credentials))} && "
        if CLUSTER:  # make run-cluster
            urls, members = cluster.members(store, bindir / "nats-server", source, pick)
            procs.update(members)
            print(f"weerbaar: a 3-node JetStream cluster ({', '.join(members)})")
        (store / "nats.conf").write_text(
            "# Written by deploy/dev/prepare.py on every `make run`: edit that, not this.\n"
            f'listen: "127.0.0.1:{nats_port}"\n'
            f'server_name: "weerbaar-dev"\n'
            "jetstream {\n"
            f'  store_dir: "{store / "jetstream"}"\n'
            "  sync_interval: always\n"
            "  # encryption at rest, as in deploy/nats; the key is in credentials.env\n"
            "  cipher: chachapoly\n"
            f"  key: ${JS_KEY}\n"
            "}\n"
            "# the users and permissions of production; passwords from credentials.env\n"
            f"include {os.path.relpath(ACCOUNTS, store)}\n"
        )
        env["NATS_URL"] = ",".join(urls) if CLUSTER else f"nats://127.0.0.1:{nats_port}"
        server = f"{bindir / 'nats-server'} -c {store / 'nats.conf'}"
        if not CLUSTER:
            procs["nats"] = f"set -a && {source}set +a && exec {server}"
        for name in SERVICES:
            as_user[name] = f'{source}NATS_USER={name} NATS_PASSWORD="${variables[name]}" '
        as_user["provisioner"] = (
            f"{source}NATS_PROVISION_USER=provisioner "
            f'NATS_PROVISION_PASSWORD="${variables["provisioner"]}" '
        )
        as_user["ops"] = (
            f'{source}NATS_PROVISION_USER=ops NATS_PROVISION_PASSWORD="${variables["ops"]}" '
        )

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
        "CONSOLE_PORT": pick("CONSOLE_PORT", 8004),
    }
    env.update({k: str(v) for k, v in ports.items()})
    env["INTAKE_PUBLIC_URL"] = f"http://127.0.0.1:{ports['INTAKE_PORT']}"
    env["REGISTRY_PUBLIC_URL"] = f"http://127.0.0.1:{ports['REGISTRY_PORT']}"
    # the console reaches the APIs where this run put them
    env["INTAKE_URL"] = env["INTAKE_PUBLIC_URL"]
    env["REGISTRY_URL"] = env["REGISTRY_PUBLIC_URL"]
    env["ROUTING_URL"] = f"http://127.0.0.1:{ports['ROUTING_PORT']}"
    env["NOTIFY_URL"] = f"http://127.0.0.1:{ports['NOTIFY_PORT']}"
    env["CONSOLE_PUBLIC_URL"] = f"http://127.0.0.1:{ports['CONSOLE_PORT']}"
    env.setdefault(
        "ROUTING_ROSTER", os.environ.get("ROUTING_ROSTER", str(ROOT / "deploy/config/roster.yaml"))
    )
    env["LOG_JSON"] = os.environ.get("LOG_JSON", "true")
    env["PYTHONUNBUFFERED"] = "1"

    # Provisioning is idempotent; the other services retry until the consumers exist.
    # A stream left by an older checkout in this .data differs from the reviewed
    # settings: the provisioner refuses to change it, so on this developer's own data
    # make run applies the reviewed settings as ops (production leaves that to people).
    provision = f"{bindir / 'weerbaar-provision'} --wait 60 --replicas {3 if CLUSTER else 1}"
    procs["intake"] = (
        f"({as_user['provisioner']}{provision} || ({as_user.get('ops', '')}{provision} --update)) "
        f"&& {as_user['intake']}exec {bindir / 'weerbaar-intake'}"
    )
    for name in ("routing", "registry", "notify", "console"):
        procs[name] = f"{as_user[name]}exec {bindir / f'weerbaar-{name}'}"

    names = [n for n in ("intake", "registry", "routing", "notify", "console") if n in procs]
    procs["ready"] = f"exec {bindir / 'python'} {ROOT / 'deploy/dev/ready.py'} {' '.join(names)}"

    (DATA / "dev.env").write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()))
    (DATA / "supervisord.conf").write_text(supervisord_conf(procs, root=ROOT, data=DATA))

    print("weerbaar: starting; a line says when it is ready; Ctrl-C stops everything")
    print(f"  console        http://127.0.0.1:{ports['CONSOLE_PORT']}   <- start here")
    print(f"  intake API     http://127.0.0.1:{ports['INTAKE_PORT']}/")
    print(f"  registry API   http://127.0.0.1:{ports['REGISTRY_PORT']}/")
    print(f"  routing        http://127.0.0.1:{ports['ROUTING_PORT']}/healthz")
    print(f"  notify         http://127.0.0.1:{ports['NOTIFY_PORT']}/healthz")
    print(f"  NATS           {env['NATS_URL']}")
    if "nats" in procs or CLUSTER:
        print(f"  NATS users     passwords and JetStream key in {DATA / 'nats/credentials.env'}")
    if "mailbox" in procs:
        print(f"  dev mailbox    smtp://127.0.0.1:{env['SMTP_PORT']} → {DATA / 'mailbox'}/new")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
