"""The contract says only what the service enforces: schemathesis, with every check and
its negative cases, finds nothing wrong with the default render served by gunicorn,
handing off to its reference worker on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from relaykit.install import installed
from relaykit.install import read_answers

from .processes import running

pytestmark = pytest.mark.renders

#: Test cases per operation and phase, and the seed: 1.5 minutes, the same each run.
MAX_EXAMPLES = 1000
SEED = 1

#: The one thing schemathesis cannot know. A batch takes an invalid event and rejects it
#: alone: the 200 answer's result for it says "rejected", with its 422 problem, as the
#: contract's description says. schemathesis counts the 200 as the event accepted, so for
#: the batch alone a 200 is an expected answer to negative data; a 4xx still is too.
CONFIG = """\
[[operations]]
include-name = "POST {prefix}/events:batch"
checks.negative_data_rejection.expected-statuses = ["200", "400", "413", "415", "422"]
"""


#: The API key schemathesis calls with (the default render authenticates with API keys):
#: its ``ignored_auth`` check also calls without it, and expects the 401 the contract says.
KEY = "schemathesis-key-3e7a1c9b"


@pytest.fixture
def request_headers() -> dict[str, str]:
    """Headers sent with every request schemathesis makes: the credentials."""
    return {"X-API-Key": KEY}


@pytest.fixture
def service_environment() -> dict[str, str]:
    """Settings of the service under test, beyond where its worker is."""
    return {"RELAY_AUTH_KEYS": f"schemathesis:{KEY}"}


def test_schemathesis_finds_no_failure_in_the_default_render(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    request_headers: dict[str, str],
    service_environment: dict[str, str],
) -> None:
    service = rendered("defaults")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(prefix=read_answers(service)["api_version_prefix"]))
    with installed(service) as package:
        store = ["--store", str(tmp_path / "receipts.sqlite3")]
        worker_command = [sys.executable, "-m", f"{package}.worker", *store, "--port", "0"]
        with running(worker_command, r"worker listening on (\S+)") as (_, worker_url):
            env = {"RELAY_WORKER_URL": worker_url, "RELAY_LOG_LEVEL": "WARNING"}
            gunicorn = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0",
                        "--workers", "2", "--log-level", "info"]  # fmt: skip
            with running(
                gunicorn, r"Listening at: (http://[0-9.:]+)", env={**env, **service_environment},
                cwd=service,
            ) as (_, url):  # fmt: skip
                run = subprocess.run(
                    [
                        str(Path(sys.executable).parent / "schemathesis"),
                        "--config-file", str(config),
                        "run", f"{url}/openapi.json",
                        "--checks", "all",
                        "--phases", "examples,coverage,fuzzing",
                        "--max-examples", str(MAX_EXAMPLES),
                        "--seed", str(SEED),
                        "--generation-database", "none",
                        "--no-color",
                        *(f"--header={name}: {value}" for name, value in request_headers.items()),
                    ],
                    cwd=tmp_path,  # where it keeps its cache
                    capture_output=True,
                    text=True,
                    timeout=600,
                )  # fmt: skip
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout.splitlines()[-1], run.stdout[-2000:]
