"""Refresh the files derived from the template; run as ``python -m relaykit.refresh``.

- ``template/openapi.json.jinja``: the committed contract of a rendered service
  must equal what its code generates, for any answers. It is made by rendering
  with sentinel answers, letting the service write its contract, and putting the
  Jinja expressions back where the sentinels are.
- ``example/``: the service rendered with default answers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import RelaykitError
from .install import installed
from .render import render
from .source import CHECKOUT
from .source import record_source

__all__ = ["CONTRACT_TEMPLATE", "EXAMPLE", "contract_template", "main", "render_example"]

#: The template's contract, as copier renders it.
CONTRACT_TEMPLATE = CHECKOUT / "template" / "openapi.json.jinja"

#: The committed default render.
EXAMPLE = CHECKOUT / "example"

#: Answers whose values are easy to find and put back in the contract.
SENTINELS = {
    "project_name": "Sentinel Title 7f3a",
    "description": "Sentinel description 7f3a",
    "api_version_prefix": "/sentinel-7f3a",
    "service_routes_prefix": "/own-7f3a",
    "openapi_version": "3.1.0",
}


def write_contract(service: Path) -> str:
    """Let a rendered service write its own contract, as ``make openapi`` does."""
    with installed(service) as package:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", package, "openapi", "write", "openapi.json"],
            cwd=service,
            check=True,
        )
    return (service / "openapi.json").read_text(encoding="utf-8")


def contract_template(contract: str) -> str:
    """Turn the contract of the sentinel render into the template's Jinja source.

    :raises RelaykitError: when a sentinel is missing from the contract, or left in it.
    """
    replacements = [
        (json.dumps(SENTINELS["project_name"]), "{{ project_name | to_json }}"),
        (json.dumps(SENTINELS["description"]), "{{ description | to_json }}"),
        (f'"{SENTINELS["api_version_prefix"]}/', '"{{ api_version_prefix }}/'),
        (f'"{SENTINELS["service_routes_prefix"]}/', '"{{ service_routes_prefix }}/'),
        (f'"openapi": "{SENTINELS["openapi_version"]}"', '"openapi": "{{ openapi_version }}"'),
    ]
    for sentinel, expression in replacements:
        if sentinel not in contract:
            raise RelaykitError(f"the sentinel {sentinel} is not in the rendered contract")
        contract = contract.replace(sentinel, expression)
    if "7f3a" in contract:
        raise RelaykitError("a sentinel is left in the contract: extend contract_template()")
    return contract


def render_example(destination: Path) -> Path:
    """Render the default service as ``example/`` holds it.

    ``example/`` is committed together with the template it was rendered from,
    so its answers file names that commit ``HEAD`` (a copier update inside
    ``example/`` then starts from the template as committed), and the checkout ``..``.
    """
    render(destination, template=CHECKOUT)
    record_source(destination, "..", "HEAD")
    return destination


def main() -> None:
    """Rewrite ``template/openapi.json.jinja``, then ``example/``."""
    with tempfile.TemporaryDirectory() as scratch:
        service = render(Path(scratch) / "sentinel", SENTINELS)
        CONTRACT_TEMPLATE.write_text(contract_template(write_contract(service)), encoding="utf-8")
    print(f"wrote {CONTRACT_TEMPLATE.relative_to(CHECKOUT)}")
    shutil.rmtree(EXAMPLE, ignore_errors=True)
    render_example(EXAMPLE)
    print(f"wrote {EXAMPLE.relative_to(CHECKOUT)}/")


if __name__ == "__main__":
    main()
