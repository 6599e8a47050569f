"""relaykit.refresh: the template's contract is derived from the code, and is current."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from relaykit import RelaykitError
from relaykit.lockfile import lock_template
from relaykit.refresh import CONTRACT_TEMPLATE
from relaykit.refresh import LOCK_TEMPLATE
from relaykit.refresh import SENTINELS
from relaykit.refresh import contract_template
from relaykit.refresh import merge_auth_variants
from relaykit.refresh import template_contract
from relaykit.refresh import template_lock
from relaykit.render import render

pytestmark = pytest.mark.renders


def test_contract_template_puts_jinja_where_the_sentinels_were() -> None:
    contract = (
        '{"info": {"title": "Sentinel Title 7f3a", "description": "Sentinel description 7f3a"},'
        ' "paths": {"/sentinel-7f3a/events": {}, "/own-7f3a/livez": {}}, "openapi": "3.1.0"}'
    )
    assert contract_template(contract) == (
        '{"info": {"title": {{ project_name | to_json }}, "description": {{ description | to_json }}},'
        ' "paths": {"{{ api_version_prefix }}/events": {}, "{{ service_routes_prefix }}/livez": {}},'
        ' "openapi": "{{ openapi_version }}"}'
    )


def test_contract_template_refuses_a_contract_without_a_sentinel() -> None:
    with pytest.raises(RelaykitError, match="is not in the rendered contract"):
        contract_template('{"openapi": "3.1.0"}')


def test_contract_template_refuses_a_sentinel_left_behind() -> None:
    contract = (
        '{"title": "Sentinel Title 7f3a", "description": "Sentinel description 7f3a",'
        ' "x": "/sentinel-7f3a/a", "y": "/own-7f3a/a", "summary": "Sentinel Title 7f3a!",'
        ' "openapi": "3.1.0"}'
    )
    with pytest.raises(RelaykitError, match="a sentinel is left"):
        contract_template(contract)


def test_template_contract_is_current(tmp_path: Path) -> None:
    service = render(tmp_path / "sentinel", SENTINELS)
    expected = template_contract(service)
    assert CONTRACT_TEMPLATE.read_text(encoding="utf-8") == expected, (
        "template/openapi.json.jinja is stale: run `make example`"
    )


def test_the_auth_variants_become_conditions_that_give_each_back() -> None:
    api_key = '{\n  "security": "ApiKey",\n  "paths": {\n    "401": 1,\n    "200": 2\n  }\n}\n'
    variants = {
        "api_key": api_key,
        "bearer": api_key.replace("ApiKey", "Bearer"),
        "hmac": api_key.replace("ApiKey", "Signature"),
        "none": api_key.replace('  "security": "ApiKey",\n', "").replace('    "401": 1,\n', ""),
    }
    merged = merge_auth_variants(variants)
    assert merged.count("{% if auth in ['bearer'] %}") == 1
    assert "{% if auth not in ['none'] %}    \"401\": 1,\n{% endif %}" in merged


def test_template_lock_is_current(tmp_path: Path) -> None:
    service = render(tmp_path / "sentinel", SENTINELS)
    assert LOCK_TEMPLATE.read_text(encoding="utf-8") == template_lock(service), (
        "template/uv.lock.jinja is stale: run `python -m relaykit.refresh`"
    )


#: A lock as uv writes it, for a project named "middle" with dependencies b and d.
LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "b"
version = "1.0"

[[package]]
name = "d"
version = "2.0"

[[package]]
name = "middle"
version = "0.1.0"
dependencies = [
    { name = "b" },
    { name = "d" },
]
"""


@pytest.mark.parametrize("slug", ["a", "c", "e", "middle"])
def test_the_lock_template_puts_the_project_where_uv_sorts_it(slug: str) -> None:
    template = lock_template(LOCK, "middle")
    rendered = jinja2.Environment(keep_trailing_newline=True).from_string(template)
    text = rendered.render(project_slug=slug)
    names = [line.split('"')[1] for line in text.splitlines() if line.startswith("name = ")]
    assert names == sorted(names) == sorted(["b", "d", slug])
    assert text.count("\n\n[[package]]\n") == 3


def test_the_lock_template_refuses_jinja_in_the_lock() -> None:
    with pytest.raises(RelaykitError, match="Jinja syntax"):
        lock_template(LOCK.replace('"0.1.0"', '"{{ x }}"'), "middle")
