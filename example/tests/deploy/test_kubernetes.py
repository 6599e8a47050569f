# Managed by relaykit: "copier update" merges the template's changes into this file.
"""deploy/kubernetes/: its ConfigMap holds this service's own settings, every one of them,
and a replica gets the time it needs to stop before Kubernetes kills it."""

from __future__ import annotations

import dataclasses
import math
import re
import runpy
from pathlib import Path
from typing import Any

import pytest

from relay_service.settings import ENV_PREFIX
from relay_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"

#: Settings the base sets on purpose to other values than their defaults, and why.
DEPLOYED_DIFFERENTLY = {
    "host": "a pod is reached on its own address, not on loopback",
    "worker_url": "the worker is another Service",
    "web_workers": "the default counts the node's CPUs, not the CPU the pod requests",
}

#: The overlays that change settings (overlays/demo changes none).
OVERLAYS = ["production"]

#: A key for gunicorn.conf.py to serve with: the Secret holds the real ones.
KEYS = {"RELAY_AUTH_KEYS": "tests:relay-tests-key-6f1c2d9a"}


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of a kustomize env file, as its ConfigMap gets them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name: value for name, value in pairs}


def environment(overlay: str | None) -> dict[str, str]:
    """The ConfigMap of the base, or of an overlay merged into it."""
    settings = read_env_file(KUBERNETES / "base" / "settings.env")
    if overlay is not None:
        settings |= read_env_file(KUBERNETES / "overlays" / overlay / "settings.env")
    return settings


def variable(field: dataclasses.Field[Any]) -> str:
    return ENV_PREFIX + field.name.upper()


def test_the_configmap_has_every_setting_but_the_secrets() -> None:
    # A secret setting is left out of the repr; it comes from the Secret instead.
    expected = {variable(field) for field in dataclasses.fields(Settings) if field.repr}
    assert set(environment(None)) == expected


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_an_overlay_changes_settings_the_base_has(overlay: str) -> None:
    changed = read_env_file(KUBERNETES / "overlays" / overlay / "settings.env")
    assert set(changed) <= set(environment(None))


@pytest.mark.parametrize("overlay", [None, *OVERLAYS])
def test_every_deployed_setting_parses_and_serves(overlay: str | None) -> None:
    # With keys, as the Secret gives them: the settings alone must serve.
    Settings.from_env({**environment(overlay), **KEYS}).check_serving()


def test_the_base_keeps_the_defaults_but_where_it_says_why() -> None:
    deployed = Settings.from_env(environment(None))
    differ = {
        field.name
        for field in dataclasses.fields(Settings)
        if getattr(deployed, field.name) != getattr(Settings(), field.name)
    }
    # A subset: on a machine with one CPU, web_workers' default is the base's value.
    assert differ <= set(DEPLOYED_DIFFERENTLY)


def manifest_seconds(pattern: str) -> int:
    """The number ``pattern`` (a regular expression) finds in the base Deployment."""
    text = (KUBERNETES / "base" / "deployment.yaml").read_text(encoding="utf-8")
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no {pattern!r} in deploy/kubernetes/base/deployment.yaml"
    return int(found.group(1))


@pytest.mark.parametrize("overlay", [None, *OVERLAYS])
def test_the_grace_period_outlasts_the_drain_and_gunicorn_stopping(
    monkeypatch: pytest.MonkeyPatch, overlay: str | None
) -> None:
    for name, value in {**environment(overlay), **KEYS}.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    graceful_timeout = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["graceful_timeout"]
    # From the start of preStop: its sleep, then SIGTERM; gunicorn reports not ready for
    # the drain, then gives requests in flight its graceful_timeout, which covers the
    # handoff deadline. The kubelet kills what is left after the grace period.
    assert graceful_timeout >= math.ceil(settings.handoff_deadline)
    pre_stop = manifest_seconds(r"^ *preStop:\n *sleep:\n *seconds: (\d+)$")
    grace_period = manifest_seconds(r"^ *terminationGracePeriodSeconds: (\d+)$")
    assert pre_stop + settings.drain_seconds + graceful_timeout <= grace_period
