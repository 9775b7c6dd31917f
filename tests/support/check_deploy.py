"""`make check-deploy`: check every file under deploy/ as an operator's pipeline would.

- Prometheus: `promtool check rules`, `promtool test rules`, and `promtool check config`
  on a copy with an ops token minted by `weerbaar-token` (Prometheus needs the file).
- NATS: `nats-server -t` on every server configuration, with the variables a
  deployment provides (`NATS_JS_KEY`, each user's password, `NATS_SERVER_NAME`) and
  throwaway certificates from `deploy/nats/tls/gen-dev-certs.sh` in place of
  `/etc/nats-tls`.
- Kubernetes: every manifest against the API schemas (`kubernetes-validate --strict`),
  and `kustomization.yaml` names only files that exist.
- Compose: `deploy/compose/compose.yaml` against the Compose specification's schema
  (`check-jsonschema --builtin-schema vendor.compose-spec`).

A check whose tool is missing is reported as skipped (`promtool` comes from Debian's
`prometheus` package); with `--require-all` a skip fails. Exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "ok", "failed", "skipped"
    detail: str = ""


def _tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def _run(name: str, argv: list[str], *, env: dict[str, str] | None = None) -> Outcome:
    result = subprocess.run(
        argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if result.returncode == 0:
        return Outcome(name, "ok")
    return Outcome(name, "failed", (result.stdout + result.stderr).strip()[-3000:])


def prometheus(tmp: Path) -> list[Outcome]:
    promtool = _tool("promtool")
    if promtool is None:
        return [Outcome("prometheus", "skipped", "promtool not found (apt-get install prometheus)")]
    source = DEPLOY / "prometheus"
    copy = tmp / "prometheus"
    shutil.copytree(source, copy)
    (copy / "secrets").mkdir(exist_ok=True)
    token = subprocess.run(
        [str(BIN / "weerbaar-token"), "--role", "ops", "--subject", "prometheus"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "AUTH_SIGNING_KEY": "check-deploy-signing-key-" + "x" * 16},
    ).stdout
    (copy / "secrets/weerbaar-ops-token").write_text(token)
    return [
        _run("promtool check rules", [promtool, "check", "rules", str(source / "alerts.yml")]),
        _run("promtool test rules", [promtool, "test", "rules", str(source / "alerts_test.yml")]),
        _run("promtool check config", [promtool, "check", "config", str(copy / "prometheus.yml")]),
    ]


NATS_CONFIGS = (
    # (the configuration, where it lies beside accounts.conf, which accounts.conf)
    ("nats/nats-server.conf", "nats-server.conf", "nats/accounts.conf"),
    ("nats/cluster/nats-cluster.conf", "cluster/nats-cluster.conf", "nats/accounts.conf"),
    ("nats/cluster/loopback.conf", "cluster/loopback.conf", "nats/accounts.conf"),
    # as deploy/k8s/nats.yaml mounts the ConfigMap in /etc/nats
    ("k8s/nats/nats-cluster.conf", "cluster/nats-cluster.conf", "k8s/nats/accounts.conf"),
)


def nats(tmp: Path) -> list[Outcome]:
    from tests.support.servers import nats_secret, nats_server_binary, nats_user_variables

    certs = tmp / "nats-tls"
    made = subprocess.run(
        ["bash", str(DEPLOY / "nats/tls/gen-dev-certs.sh"), str(certs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        return [Outcome("nats certificates", "failed", made.stderr[-2000:])]
    (certs / "tls.crt").write_bytes((certs / "server.crt").read_bytes())
    (certs / "tls.key").write_bytes((certs / "server.key").read_bytes())
    env = {"NATS_JS_KEY": nats_secret(), "NATS_SERVER_NAME": "nats-0"}
    # loopback.conf's addresses and store
    env |= {"NATS_PORT": "4222", "NATS_MONITOR": "127.0.0.1:8222", "NATS_CLUSTER_PORT": "6222"}
    env |= {"NATS_STORE_DIR": str(tmp / "jetstream"), "NATS_ROUTES": '["nats://127.0.0.1:6222"]'}
    env |= {variable: nats_secret() for variable in nats_user_variables().values()}
    outcomes = []
    for n, (config, placed, accounts) in enumerate(NATS_CONFIGS):
        folder = tmp / str(n)
        (folder / placed).parent.mkdir(parents=True, exist_ok=True)
        text = (DEPLOY / config).read_text().replace("/etc/nats-tls/", f"{certs}/")
        text = text.replace('"/data/jetstream"', f'"{tmp / "jetstream"}"')
        (folder / placed).write_text(text)
        for shared in ("member.conf", "jetstream.conf"):  # what cluster members include
            if (DEPLOY / config).with_name(shared).exists():
                shutil.copy((DEPLOY / config).with_name(shared), (folder / placed).parent)
        shutil.copy(DEPLOY / accounts, folder / "accounts.conf")
        outcomes.append(
            _run(
                f"nats-server -t deploy/{config}",
                [nats_server_binary(), "-t", "-c", str(folder / placed)],
                env=env,
            )
        )
    return outcomes


def kubernetes(tmp: Path) -> list[Outcome]:
    validator = _tool("kubernetes-validate")
    if validator is None:
        return [Outcome("kubernetes", "skipped", "kubernetes-validate not installed")]
    folder = DEPLOY / "k8s"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    missing = [r for r in kustomization.get("resources", []) if not (folder / r).exists()]
    listed = Outcome(
        "kustomization resources",
        "failed" if missing else "ok",
        f"missing: {missing}" if missing else "",
    )
    manifests = sorted(str(p) for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    return [listed, _run("kubernetes-validate --strict", [validator, "--strict", *manifests])]


def compose(tmp: Path) -> list[Outcome]:
    checker = _tool("check-jsonschema")
    if checker is None:
        return [Outcome("compose", "skipped", "check-jsonschema not installed")]
    files = [str(p) for p in sorted((DEPLOY / "compose").glob("*.yaml"))]
    return [_run("compose schema", [checker, "--builtin-schema", "vendor.compose-spec", *files])]


CHECKS: dict[str, Callable[[Path], list[Outcome]]] = {
    "prometheus": prometheus,
    "nats": nats,
    "kubernetes": kubernetes,
    "compose": compose,
}


def check(names: list[str] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="weerbaar-check-deploy-") as tmp:
        for name in names or list(CHECKS):
            folder = Path(tmp) / name
            folder.mkdir()
            outcomes.extend(CHECKS[name](folder))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check-deploy", description=__doc__)
    parser.add_argument("--require-all", action="store_true", help="a skipped check fails")
    parser.add_argument("checks", nargs="*", choices=[[], *CHECKS], help="default: all")
    args = parser.parse_args(argv)
    outcomes = check(args.checks or None)
    for outcome in outcomes:
        print(f"check-deploy: {outcome.status:<7} {outcome.name}")
        if outcome.detail:
            print("  " + outcome.detail.replace("\n", "\n  "))
    bad = [o for o in outcomes if o.status == "failed"]
    bad += [o for o in outcomes if o.status == "skipped" and args.require_all]
    print(f"check-deploy: {len(outcomes) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
