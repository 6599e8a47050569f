"""deploy/kubernetes/ of renders: kustomize builds the base and each overlay, every object it
builds is valid for the Kubernetes versions the service supports, the pods run as the image
allows, their ConfigMap holds the service's own settings, and a replica has the time its
drain needs before it is killed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from relaykit.install import read_answers

from ..conftest import missing

pytestmark = pytest.mark.renders

#: The container tier's switch: the machines CI runs it on have kubectl too.
SWITCH = "RELAYKIT_CONTAINER_TESTS"

#: Renders whose manifests differ: the defaults; another port and probe paths under a
#: prefix; a slug longer than a Kubernetes name may be.
NAMES = ["defaults", "port-and-prefixes", "long-names"]

OVERLAYS = ["base", "overlays/demo", "overlays/production"]

#: The Kubernetes versions the objects must be valid for: 1.34, the first where the
#: preStop sleep action is GA, and the newest kubernetes-validate has schemas of.
KUBERNETES_VERSIONS = ["1.34.0", "1.37.0"]

#: Settings the Secret gives the service rather than the ConfigMap.
SECRET_SETTINGS = {"RELAY_WORKER_TOKEN", "RELAY_AUTH_KEYS_FILE"}

#: Where the Deployment mounts the keys file of the Secret.
SECRETS_DIRECTORY = "/run/secrets/relay"

#: A DNS label (RFC 1123), what a Service's and a container's name must be.
DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")

# Run in the render's source tree with the ConfigMap's settings (and a key, which the
# Secret gives): what the service makes of them, and gunicorn's graceful_timeout.
_READ_SETTINGS = """
import dataclasses, json, os, runpy, sys
from {package}.settings import ENV_PREFIX, Settings
os.environ.update(json.load(sys.stdin))
settings = Settings.from_env()
settings.check_serving()
print(json.dumps({{
    "public": [ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings) if f.repr],
    "secret": [ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings) if not f.repr],
    "drain_seconds": settings.drain_seconds,
    "graceful_timeout": runpy.run_path("gunicorn.conf.py")["graceful_timeout"],
}}))
"""


@pytest.fixture(scope="session")
def kubectl() -> str:
    """kubectl, whose kustomize builds the overlays."""
    path = shutil.which("kubectl")
    if path is None:
        missing(
            SWITCH,
            "no kubectl on PATH (its kustomize builds deploy/kubernetes/)",
            "Kubernetes manifest checks",
        )
    return path


@pytest.fixture(scope="session")
def built(rendered: Callable[[str], Path], kubectl: str) -> Callable[[str, str], list[Any]]:
    """``built(name, overlay)``: the objects ``kubectl kustomize`` makes of an overlay."""
    cache: dict[tuple[str, str], list[Any]] = {}

    def get(name: str, overlay: str) -> list[Any]:
        if (name, overlay) not in cache:
            folder = rendered(name) / "deploy" / "kubernetes" / overlay
            done = subprocess.run(
                [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            cache[name, overlay] = list(yaml.safe_load_all(done.stdout))
        return cache[name, overlay]

    return get


def only(objects: list[Any], kind: str, component: str = "api") -> Any:
    (found,) = [
        thing
        for thing in objects
        if thing["kind"] == kind
        and thing["metadata"].get("labels", {}).get("app.kubernetes.io/component", component)
        == component
    ]
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", NAMES)
def test_kustomize_builds_what_each_overlay_runs(
    built: Callable[[str, str], list[Any]], name: str, overlay: str
) -> None:
    kinds = sorted(thing["kind"] for thing in built(name, overlay))
    service = [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    ]
    # The demo adds the reference worker and a Secret of the published local words.
    demo = ["Deployment", "Secret", "Service"] if overlay == "overlays/demo" else []
    assert kinds == sorted(service + demo)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", NAMES)
def test_every_object_is_valid_for_kubernetes(
    built: Callable[[str, str], list[Any]], name: str, overlay: str, version: str
) -> None:
    for thing in built(name, overlay):
        # strict: a field the schema does not have is an error, not ignored.
        kubernetes_validate.validate(thing, version, strict=True)


@pytest.mark.parametrize("name", NAMES)
def test_names_and_labels_fit_kubernetes_limits(
    built: Callable[[str, str], list[Any]], name: str
) -> None:
    for thing in built(name, "overlays/demo"):
        assert DNS_LABEL.fullmatch(thing["metadata"]["name"]), thing["metadata"]["name"]
        for value in thing["metadata"].get("labels", {}).values():
            assert len(value) <= 63, value


@pytest.mark.parametrize("name", NAMES)
def test_the_pods_run_as_the_image_allows(
    rendered: Callable[[str], Path], built: Callable[[str, str], list[Any]], name: str
) -> None:
    answers = read_answers(rendered(name))
    pod = only(built(name, "base"), "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == answers["project_slug"]
    assert container["ports"] == [{"name": "http", "containerPort": answers["http_port"]}]
    prefix = answers["service_routes_prefix"]
    assert container["startupProbe"]["httpGet"]["path"] == f"{prefix}/livez"
    assert container["livenessProbe"]["httpGet"]["path"] == f"{prefix}/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == f"{prefix}/readyz"
    # The image's user, and nothing it may not need (tests/containers/test_kubernetes_image.py
    # runs the image so).
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }  # fmt: skip
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }  # fmt: skip
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert volumes[mounts["/dev/shm"]]["emptyDir"]["medium"] == "Memory"
    assert volumes[mounts[SECRETS_DIRECTORY]]["secret"]["items"] == [
        {"key": "api-keys", "path": "api-keys"}
    ]
    # Service links would add <SERVICE>_PORT variables; for a Service named relay-*, the
    # service refuses such RELAY_* variables, which are no settings.
    assert pod["enableServiceLinks"] is False
    assert pod["automountServiceAccountToken"] is False
    env = {variable["name"]: variable for variable in container["env"]}
    assert set(env) == SECRET_SETTINGS
    assert env["RELAY_AUTH_KEYS_FILE"]["value"] == f"{SECRETS_DIRECTORY}/api-keys"
    assert env["RELAY_WORKER_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "worker-token"


def read_settings(service: Path, settings: dict[str, str]) -> dict[str, Any]:
    """What the render's own code makes of ``settings`` (see ``_READ_SETTINGS``)."""
    package = read_answers(service)["package_name"]
    keys = {"RELAY_AUTH_KEYS": "tests:relay-tests-key-6f1c2d9a"}
    done = subprocess.run(
        [sys.executable, "-c", _READ_SETTINGS.format(package=package)],
        input=json.dumps({**settings, **keys}), cwd=service, capture_output=True, text=True,
        timeout=120, env={**os.environ, "PYTHONPATH": str(service / "src")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    read: dict[str, Any] = json.loads(done.stdout)
    return read


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", NAMES)
def test_the_configmap_holds_every_setting_and_the_secret_the_rest(
    rendered: Callable[[str], Path], built: Callable[[str, str], list[Any]], name: str,
    overlay: str,
) -> None:  # fmt: skip
    objects = built(name, overlay)
    settings = only(objects, "ConfigMap")
    read = read_settings(rendered(name), settings["data"])
    assert set(settings["data"]) == set(read["public"])
    # The secret settings the Secret does not give are the other way to say the same, and
    # the broker's URL: the manifests run the http transport (settings.env says where
    # RELAY_BROKER_URL goes for amqp).
    assert set(read["secret"]) == {
        "RELAY_AUTH_KEYS", "RELAY_WORKER_TOKEN_FILE", "RELAY_BROKER_URL", "RELAY_BROKER_URL_FILE",
        *SECRET_SETTINGS,
    }  # fmt: skip
    (container,) = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"configMapRef": {"name": settings["metadata"]["name"]}}]


@pytest.mark.parametrize("overlay", ["base", "overlays/production"])
@pytest.mark.parametrize("name", NAMES)
def test_the_grace_period_outlasts_the_drain(
    rendered: Callable[[str], Path], built: Callable[[str, str], list[Any]], name: str,
    overlay: str,
) -> None:  # fmt: skip
    objects = built(name, overlay)
    read = read_settings(rendered(name), only(objects, "ConfigMap")["data"])
    pod = only(objects, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    # The preStop sleep, then SIGTERM: the drain, then gunicorn's graceful_timeout (the
    # handoff deadline and its margin) for requests in flight; then the kubelet kills.
    needed = pre_stop + read["drain_seconds"] + read["graceful_timeout"]
    assert needed <= pod["terminationGracePeriodSeconds"]
