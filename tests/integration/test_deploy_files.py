"""`make check-deploy`'s file checks inside `make test`: each runs where its tool is
installed (CI installs promtool) and is skipped, saying why, where it is not."""

from __future__ import annotations

import pytest

from tests.support.check_deploy import CHECKS, check


@pytest.mark.parametrize("name", list(CHECKS))
def test_deploy_files_check_out(name: str) -> None:
    outcomes = check([name])
    failed = [f"{o.name}:\n{o.detail}" for o in outcomes if o.status == "failed"]
    assert not failed, "\n\n".join(failed)
    skipped = [f"{o.name}: {o.detail}" for o in outcomes if o.status == "skipped"]
    if skipped:
        pytest.skip("; ".join(skipped))
