"""The static tier: the container files of renders are linted and validated, with no engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from relaykit.install import read_answers

from ..conftest import REPO_ROOT
from .compose import NGINX_IMAGE

pytestmark = pytest.mark.containers

#: Renders whose container files are checked: the answers that reach those files.
NAMES = ["defaults", "port-and-prefixes", "long-names", "python-3.11", "python-3.12", "python-3.14"]

TOOLS = Path(sys.executable).parent


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", NAMES)
def test_the_dockerfile_is_hadolint_clean(rendered: Callable[[str], Path], name: str) -> None:
    service = rendered(name)
    linted = run([str(TOOLS / "hadolint"), "Dockerfile"], service)
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize("name", NAMES)
def test_the_dockerfile_keeps_production_habits(rendered: Callable[[str], Path], name: str) -> None:
    answers = read_answers(rendered(name))
    dockerfile = (rendered(name) / "Dockerfile").read_text(encoding="utf-8")
    assert "# syntax=" not in dockerfile  # its frontend would be fetched from a registry
    assert f"ARG BASE_IMAGE=python:{answers['python_version']}-slim\n" in dockerfile
    assert "\nARG BASE_IMAGE_DIGEST=\n" in dockerfile  # production pins the base by digest
    assert dockerfile.count("FROM ${BASE_IMAGE}${BASE_IMAGE_DIGEST:+@${BASE_IMAGE_DIGEST}}") == 2
    assert "\nUSER 10001\n" in dockerfile
    assert "curl" not in dockerfile.split("HEALTHCHECK", 1)[1]
    assert f"\nEXPOSE {answers['http_port']}\n" in dockerfile
    assert '\nCMD ["gunicorn", "--config", "gunicorn.conf.py"]\n' in dockerfile


@pytest.mark.parametrize("name", NAMES)
def test_the_compose_file_follows_the_compose_spec(
    rendered: Callable[[str], Path], name: str
) -> None:
    checked = run(
        [str(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         "docker-compose.yml"],
        rendered(name),
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def compose_config(directory: Path) -> dict[str, object]:
    configured = run(["docker", "compose", "config", "--format", "json"], directory)
    assert configured.returncode == 0, configured.stderr
    config: dict[str, object] = json.loads(configured.stdout)
    return config


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.usefixtures("compose_cli")
def test_docker_compose_accepts_the_compose_file(
    rendered: Callable[[str], Path], name: str
) -> None:
    service = rendered(name)
    port = read_answers(service)["http_port"]
    services = compose_config(service)["services"]
    assert isinstance(services, dict)
    proxy, api, worker = services["proxy"], services["api"], services["worker"]
    # Only the proxy is published: every request reaches the service through it.
    assert proxy["ports"] == [
        {"mode": "ingress", "host_ip": "127.0.0.1", "target": port, "published": str(port),
         "protocol": "tcp"}
    ]  # fmt: skip
    assert "ports" not in api
    assert proxy["image"] == NGINX_IMAGE
    assert proxy["read_only"] is True
    assert proxy["user"] == "101:101"
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    # The proxy applies the service's own limits, with the defaults .env.example gives.
    example = (service / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = dict(line.split("=", 1) for line in example if line.startswith("RELAY_"))
    limits = {
        name: documented[name]
        for name in ("RELAY_MAX_CONTENT_LENGTH", "RELAY_HEADER_TIMEOUT", "RELAY_BODY_TIMEOUT")
    }
    limits["RELAY_PORT"] = str(port)
    assert proxy["environment"] == {**limits, "NGINX_ENVSUBST_OUTPUT_DIR": "/tmp"}
    assert limits.items() <= api["environment"].items()
    assert api["depends_on"]["worker"]["condition"] == "service_healthy"
    # The image is named for the compose project (the folder) and built on every up, so
    # another checkout's image, or one older than the code, is never served.
    answers = read_answers(service)
    assert api["image"] == worker["image"] == f"{service.name}-{answers['project_slug']}"
    assert api["pull_policy"] == worker["pull_policy"] == "build"
    assert worker["build"] == api["build"]
    assert "test" in worker["healthcheck"]
    assert [(rule["action"], Path(rule["path"]).name) for rule in api["develop"]["watch"]] == [
        ("sync+restart", read_answers(service)["package_name"]),
        ("rebuild", "pyproject.toml"),
        ("rebuild", "uv.lock"),
    ]


@pytest.mark.usefixtures("compose_cli")
def test_the_root_compose_file_runs_the_example() -> None:
    checked = run(
        [str(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         "docker-compose.yml"],
        REPO_ROOT,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = compose_config(REPO_ROOT)
    services = config["services"]
    assert isinstance(services, dict)
    assert sorted(services) == ["api", "proxy", "worker"]
    assert services["api"]["build"]["context"] == str(REPO_ROOT / "example")


#: What the stack file needs from whoever deploys it.
STACK_ENVIRONMENT = {"API_KEYS_FILE": "api-keys", "WORKER_TOKEN_FILE": "worker-token"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.usefixtures("compose_cli")
def test_the_stack_file_runs_replicas_swarm_can_reach_without_ipvs(
    rendered: Callable[[str], Path], name: str
) -> None:
    service = rendered(name)
    answers = read_answers(service)
    stack_file = "deploy/swarm/docker-stack.yml"
    checked = run(
        [str(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", stack_file],
        service,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    configured = subprocess.run(
        ["docker", "stack", "config", "--compose-file", stack_file],
        cwd=service, capture_output=True, text=True, timeout=120,
        env={"PATH": os.environ["PATH"], **STACK_ENVIRONMENT},
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    stack = yaml.safe_load(configured.stdout)["services"]
    composed = compose_config(service)["services"]
    assert isinstance(composed, dict)
    proxy, api, worker = stack["proxy"], stack["api"], stack["worker"]
    # The proxy publishes on its node (no routing mesh) and applies the same settings.
    assert proxy["ports"] == [
        {"mode": "host", "target": answers["http_port"], "published": answers["http_port"],
         "protocol": "tcp"}
    ]  # fmt: skip
    assert proxy["environment"] == composed["proxy"]["environment"]
    assert proxy["image"] == NGINX_IMAGE
    # Replicas by their own addresses (no virtual IP), updated one by one, new first.
    assert api["deploy"]["endpoint_mode"] == worker["deploy"]["endpoint_mode"] == "dnsrr"
    assert api["deploy"]["replicas"] == 3
    assert api["deploy"]["update_config"]["order"] == "start-first"
    assert api["deploy"]["update_config"]["failure_action"] == "rollback"
    assert api["image"] == worker["image"] == answers["project_slug"]
    assert api["stop_grace_period"] == composed["api"]["stop_grace_period"]
    assert api["environment"]["RELAY_AUTH_KEYS_FILE"] == "/run/secrets/api-keys"
    assert "RELAY_AUTH_KEYS" not in api["environment"]
    # Secrets as files, none in the environment that `docker service inspect` shows.
    for reader in (api, worker):
        assert reader["environment"]["RELAY_WORKER_TOKEN_FILE"] == "/run/secrets/worker-token"
        assert "RELAY_WORKER_TOKEN" not in reader["environment"]
    assert worker["command"] == composed["worker"]["command"]
    assert worker["healthcheck"]["test"] == composed["worker"]["healthcheck"]["test"]
