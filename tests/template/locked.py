"""What a render's uv.lock holds for an interpreter, and what an interpreter has installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: uv, as relaykit's test extra installs it beside this interpreter.
UV = str(Path(sys.executable).parent / "uv")

#: Printed by an interpreter: the PEP 508 environment its requirement markers are evaluated in.
ENVIRONMENT = """
import json, os, platform, sys
print(json.dumps({
    "implementation_name": sys.implementation.name,
    "implementation_version": platform.python_version(),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}))
"""

#: Printed by an interpreter: every distribution it has installed, name to version.
INSTALLED = """
import importlib.metadata, json
print(json.dumps({d.metadata["Name"]: d.version for d in importlib.metadata.distributions()}))
"""


def locked_versions(service: Path, environment: dict[str, str], *extras: str) -> dict[str, str]:
    """The versions ``uv.lock`` gives an interpreter of ``environment``, the project left out.

    :param extras: the project's extras to include, e.g. ``dev``.
    """
    exported = subprocess.run(
        [UV, "export", "--locked", "--quiet", "--no-emit-project", "--no-hashes", "--no-header",
         "--no-annotate", *(f"--extra={extra}" for extra in extras)],
        cwd=service, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    versions = {}
    for line in exported.stdout.splitlines():
        if not line.strip() or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (specifier,) = requirement.specifier
            versions[canonicalize_name(requirement.name)] = specifier.version
    return versions


def by_canonical_name(installed: dict[str, str], project: str) -> dict[str, str]:
    """``installed`` by canonical name, without ``project`` itself."""
    versions = {canonicalize_name(name): version for name, version in installed.items()}
    versions.pop(canonicalize_name(project), None)
    return versions


def read_json(command: list[str]) -> dict[str, str]:
    """What ``command`` prints, as JSON."""
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    result: dict[str, str] = json.loads(done.stdout)
    return result
