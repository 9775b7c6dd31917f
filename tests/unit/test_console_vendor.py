"""The console's vendored front-end files: they match their lock, a changed one is
caught, and each package names and ships its licence."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ROOT


def _vendor_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "console_vendor", ROOT / "services/console/vendor.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["console_vendor"] = module
    spec.loader.exec_module(module)
    return module


vendor = _vendor_module()


def test_the_vendored_files_match_their_lock() -> None:
    assert vendor.verify() == []


def test_a_changed_vendored_file_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = json.loads(vendor.LOCK.read_text())
    entry = lock["packages"][2]["files"][0]
    copy = tmp_path / "htmx.min.js"
    shutil.copyfile(ROOT / entry["to"], copy)
    copy.write_text(copy.read_text() + "\n// planted")
    entry["to"] = str(copy)
    planted = tmp_path / "vendor.lock.json"
    planted.write_text(json.dumps(lock))
    monkeypatch.setattr(vendor, "LOCK", planted)
    assert vendor.verify() == [str(copy)]


def test_every_vendored_package_names_its_licence_and_ships_it() -> None:
    lock = json.loads(vendor.LOCK.read_text())
    for entry in lock["packages"]:
        assert entry["license"] in {"EUPL-1.2", "0BSD", "MPL-2.0"}
        assert any("LICENSE" in f["to"] for f in entry["files"]), entry["package"]
        assert entry["integrity"].startswith("sha512-")
