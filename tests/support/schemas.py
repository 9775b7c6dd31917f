"""Generate the published documents: event JSON Schema, AsyncAPI per service, OpenAPI.

`python -m tests.support.schemas write` (or `make schemas`) rewrites docs/;
`check` fails when a checked-in document differs from what the code generates.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SERVICES = ("intake", "routing", "registry", "notify")


def event_schema() -> str:
    from contracts.events import ANY_EVENT

    schema = ANY_EVENT.json_schema()
    schema["title"] = "Weerbaar event"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def openapi(service: str) -> str:
    if service == "intake":
        from intake.bootstrap import create_app as create_intake
        from intake.settings import IntakeSettings

        app = create_intake(IntakeSettings())
    elif service == "routing":
        from routing.bootstrap import create_app as create_routing
        from routing.settings import RoutingSettings

        app = create_routing(RoutingSettings())
    elif service == "notify":
        from notify.bootstrap import create_app as create_notify
        from notify.settings import NotifySettings

        app = create_notify(NotifySettings())
    else:
        from registry.bootstrap import create_app as create_registry
        from registry.settings import RegistrySettings

        app = create_registry(RegistrySettings(DATABASE_URL="sqlite+aiosqlite://"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def _is_factory(service: str) -> bool:
    """Whether the service's `asyncapi.app` is a function (building nothing on import)."""
    path = ROOT / "services" / service / "src" / service / "asyncapi.py"
    tree = ast.parse(path.read_text())
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "app"
        for node in tree.body
    )


def asyncapi(service: str) -> str:
    factory = ["--factory"] if _is_factory(service) else []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{service}.yaml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "faststream",
                "docs",
                "gen",
                "--yaml",
                *factory,
                f"{service}.asyncapi:app",
                "--out",
                str(out),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        # FastStream's channel order varies between runs; sorted keys make it stable.
        return yaml.safe_dump(yaml.safe_load(out.read_text()), sort_keys=True, allow_unicode=True)


def documents() -> dict[Path, str]:
    found = {DOCS / "schemas" / "events.schema.json": event_schema()}
    for service in ("intake", "registry", "routing", "notify"):
        found[DOCS / "openapi" / f"{service}.json"] = openapi(service)
    for service in SERVICES:
        found[DOCS / "asyncapi" / f"{service}.yaml"] = asyncapi(service)
    return found


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    stale = []
    for path, text in documents().items():
        if mode == "write":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
        elif not path.exists() or path.read_text() != text:
            stale.append(str(path.relative_to(ROOT)))
    if stale:
        print("stale (run `make schemas`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
