"""The committed example/ service, installed into a scratch folder for a benchmark, and
the event the benchmarks send it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

#: The default render, committed at the root of the repository.
EXAMPLE = Path(__file__).resolve().parent.parent / "example"

#: The event the benchmarks send: every default pipeline step has work to do on it.
EVENT = {
    "id": "evt-1",
    "type": "Order.Created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": " shop ",
    "data": {"Order ID": 1042, "lines": [{"SKU": "A-1", "qty": 2}], "note": None},
}


def install_example(scratch: str) -> str:
    """Install example/ into ``scratch``, importable here and in child processes.

    The running environment is left as it is: only ``sys.path`` and ``PYTHONPATH``
    gain the scratch folder.

    :returns: the example's package name.
    """
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--target", scratch, str(EXAMPLE)],
        check=True,
    )  # fmt: skip
    sys.path.insert(0, scratch)
    os.environ["PYTHONPATH"] = os.pathsep.join([scratch, os.environ.get("PYTHONPATH", "")])
    answers = (EXAMPLE / ".copier-answers.yml").read_text(encoding="utf-8")
    package = re.search(r"^package_name: (\S+)$", answers, re.MULTILINE)
    assert package is not None, "example/.copier-answers.yml names no package"
    return package[1]
