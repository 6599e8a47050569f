"""The documentation site builds strictly: no broken link, no missing page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..conftest import REPO_ROOT


def test_docs_build_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for page in (
        "index.html",
        "quickstart/index.html",
        "pipeline/index.html",
        "handoff/index.html",
        "transports/index.html",
    ):
        assert (tmp_path / "site" / page).is_file(), page
