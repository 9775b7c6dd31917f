"""`make vendor`: fetch the console's CSS and JavaScript from npm, pinned, with licences.

Reads `vendor.lock.json` beside this file: for each npm package its pinned version,
the files to take from it and where they go. Fetches each package with `npm pack`,
checks the tarball against the integrity in the lock (unless `--update`, which
records the new one after a version was changed), copies the files and the licence,
and writes every copied file's SHA-256 to the lock. `tests/unit/test_console_vendor.py`
checks the files on disk against those checksums.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCK = HERE / "vendor.lock.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(package: str, version: str, workdir: Path) -> tuple[Path, str]:
    """The unpacked package and its registry integrity string."""
    # npm from PATH (as `make vendor` documents), with the pinned name and version
    out = subprocess.run(  # noqa: S603
        ["npm", "pack", f"{package}@{version}", "--json", "--silent"],  # noqa: S607
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    target = workdir / info["filename"].removesuffix(".tgz")
    with tarfile.open(workdir / info["filename"]) as archive:
        archive.extractall(target, filter="data")
    return target / "package", str(info["integrity"])


def refresh(update: bool) -> int:
    lock = json.loads(LOCK.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for entry in lock["packages"]:
            unpacked, integrity = fetch(entry["package"], entry["version"], Path(tmp))
            if entry.get("integrity") and entry["integrity"] != integrity and not update:
                print(
                    f"vendor: {entry['package']}@{entry['version']} does not match the "
                    "integrity in vendor.lock.json (run with --update after changing a version)",
                    file=sys.stderr,
                )
                return 1
            entry["integrity"] = integrity
            for item in entry["files"]:
                destination = ROOT / item["to"]
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(unpacked / item["from"], destination)
                item["sha256"] = sha256(destination)
            print(f"vendor: {entry['package']}@{entry['version']} ({entry['license']})")
    LOCK.write_text(json.dumps(lock, indent=2) + "\n")
    return 0


def verify() -> list[str]:
    """Every vendored file whose checksum differs from the lock (empty when all match)."""
    lock = json.loads(LOCK.read_text())
    wrong = []
    for entry in lock["packages"]:
        for item in entry["files"]:
            path = ROOT / item["to"]
            if not path.exists() or sha256(path) != item["sha256"]:
                wrong.append(item["to"])
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="accept new tarball integrity")
    parser.add_argument("--check", action="store_true", help="only compare checksums")
    args = parser.parse_args()
    if args.check:
        wrong = verify()
        for name in wrong:
            print(f"vendor: {name} differs from vendor.lock.json", file=sys.stderr)
        return 1 if wrong else 0
    return refresh(args.update)


if __name__ == "__main__":
    raise SystemExit(main())
