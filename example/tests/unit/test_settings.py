# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Settings: parsed from the environment, and a bad value stops start-up with one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from relay_service.api.intake import check_pipeline_settings
from relay_service.settings import LOCAL_KEY
from relay_service.settings import AuthKey
from relay_service.settings import Settings
from relay_service.settings import SettingsError
from relay_service.settings import available_cpus


def test_settings_defaults_when_nothing_is_set() -> None:
    assert Settings.from_env({}) == Settings()


def test_settings_ignore_variables_of_other_programs() -> None:
    assert Settings.from_env({"PATH": "/bin", "RELAYX": "1"}) == Settings()


def test_settings_read_every_variable() -> None:
    env = {
        "RELAY_MAX_CONTENT_LENGTH": "2048",
        "RELAY_MAX_JSON_VALUES": "50000",
        "RELAY_HEADER_TIMEOUT": "5",
        "RELAY_BODY_TIMEOUT": "30",
        "RELAY_LOG_LEVEL": "debug",
        "RELAY_DOCS_ENABLED": "off",
        "RELAY_AUTH": "Bearer",
        "RELAY_AUTH_KEYS": "ci:ci-key-0123456789ab, ops:ops-key-0123456789ab",
        "RELAY_AUTH_KEY_HEADER": "X-Relay-Key",
        "RELAY_AUTH_SIGNATURE_HEADER": "X-Relay-Signature",
        "RELAY_AUTH_SIGNATURE_TOLERANCE": "60",
        "RELAY_CORS_ORIGINS": "https://app.example.org, http://localhost:3000",
        "RELAY_ENVIRONMENT": "eu-1.staging",
        "RELAY_BATCH_MAX_ITEMS": "500",
        "RELAY_PIPELINE_DISABLED": "drop_nulls, trim_strings",
        "RELAY_PIPELINE_LOWERCASE": "type,data.kind",
        "RELAY_PIPELINE_DROP_WHEN": "type=test.*, source=canary",
        "RELAY_PIPELINE_RENAME": "data.old=data.new",
        "RELAY_PIPELINE_REDACT": "data.password,data.card.number",
        "RELAY_PIPELINE_ADD": "meta.env={environment},meta.team=ops",
        "RELAY_WORKER_URL": "https://worker.internal:8443/",
        "RELAY_WORKER_TOKEN": "s3cr3t-token",
        "RELAY_WORKER_CONNECT_TIMEOUT": "0.5",
        "RELAY_WORKER_READ_TIMEOUT": "2",
        "RELAY_WORKER_POOL_SIZE": "32",
        "RELAY_HANDOFF_DEADLINE": "7.5",
        "RELAY_HANDOFF_MAX_ATTEMPTS": "6",
        "RELAY_HANDOFF_BACKOFF": "0.05",
        "RELAY_BREAKER_FAILURES": "3",
        "RELAY_BREAKER_RESET_AFTER": "30",
        "RELAY_HOST": "::",
        "RELAY_PORT": "9000",
        "RELAY_WEB_WORKERS": "3",
        "RELAY_WEB_THREADS": "16",
        "RELAY_DRAIN_SECONDS": "2.5",
    }
    assert Settings.from_env(env) == Settings(
        max_content_length=2048,
        max_json_values=50_000,
        header_timeout=5,
        body_timeout=30,
        log_level="DEBUG",
        docs_enabled=False,
        auth="bearer",
        auth_keys=(AuthKey("ci", "ci-key-0123456789ab"), AuthKey("ops", "ops-key-0123456789ab")),
        auth_key_header="X-Relay-Key",
        auth_signature_header="X-Relay-Signature",
        auth_signature_tolerance=60.0,
        cors_origins=("https://app.example.org", "http://localhost:3000"),
        environment="eu-1.staging",
        batch_max_items=500,
        pipeline_disabled=("drop_nulls", "trim_strings"),
        pipeline_lowercase=("type", "data.kind"),
        pipeline_drop_when=(("type", "test.*"), ("source", "canary")),
        pipeline_rename=(("data.old", "data.new"),),
        pipeline_redact=("data.password", "data.card.number"),
        pipeline_add=(("meta.env", "{environment}"), ("meta.team", "ops")),
        worker_url="https://worker.internal:8443",
        worker_token="s3cr3t-token",
        worker_connect_timeout=0.5,
        worker_read_timeout=2.0,
        worker_pool_size=32,
        handoff_deadline=7.5,
        handoff_max_attempts=6,
        handoff_backoff=0.05,
        breaker_failures=3,
        breaker_reset_after=30.0,
        host="::",
        port=9000,
        web_workers=3,
        web_threads=16,
        drain_seconds=2.5,
    )


def test_the_default_port_is_the_one_the_service_was_generated_with() -> None:
    assert Settings().port == 8000


@pytest.mark.parametrize(
    ("cpu_max", "quota"),
    [
        ("max 100000\n", None),  # no quota
        ("100000 100000\n", 1),  # docker run --cpus 1
        ("150000 100000\n", 2),  # --cpus 1.5: a part of a CPU still runs a process
        ("1000 100000\n", 1),  # never none
        ("garbled", None),
    ],
)
def test_available_cpus_follow_a_cgroup_quota(
    tmp_path: Path, cpu_max: str, quota: int | None
) -> None:
    cpu_max_file = tmp_path / "cpu.max"
    cpu_max_file.write_text(cpu_max, encoding="ascii")
    usable = available_cpus(tmp_path / "no-such-file")  # the CPUs this process may run on
    assert available_cpus(cpu_max_file) == (usable if quota is None else min(quota, usable))


def test_web_workers_default_to_two_per_available_cpu() -> None:
    assert Settings().web_workers == 2 * available_cpus()


def test_a_drain_of_0_seconds_is_none() -> None:
    assert Settings.from_env({"RELAY_DRAIN_SECONDS": "0"}).drain_seconds == 0


def test_an_empty_list_setting_switches_its_step_off() -> None:
    assert Settings.from_env({"RELAY_PIPELINE_LOWERCASE": ""}).pipeline_lowercase == ()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RELAY_MAX_CONTENT_LENGTH", "abc", "RELAY_MAX_CONTENT_LENGTH='abc': expected a whole"),
        ("RELAY_MAX_CONTENT_LENGTH", "0", "RELAY_MAX_CONTENT_LENGTH='0': expected a whole"),
        ("RELAY_MAX_CONTENT_LENGTH", "-5", "RELAY_MAX_CONTENT_LENGTH='-5': expected a whole"),
        ("RELAY_MAX_JSON_VALUES", "0", "RELAY_MAX_JSON_VALUES='0': expected a whole number"),
        ("RELAY_LOG_LEVEL", "loud", "RELAY_LOG_LEVEL='loud': expected one of DEBUG"),
        ("RELAY_HEADER_TIMEOUT", "2.5", "RELAY_HEADER_TIMEOUT='2.5': expected whole seconds"),
        ("RELAY_BODY_TIMEOUT", "0", "RELAY_BODY_TIMEOUT='0': expected whole seconds from 1"),
        ("RELAY_BODY_TIMEOUT", "3601", "RELAY_BODY_TIMEOUT='3601': expected whole seconds"),
        ("RELAY_MAX_CONTENT_LENGTH", "²", "RELAY_MAX_CONTENT_LENGTH='²': expected a whole"),
        ("RELAY_DRAIN_SECONDS", "-1", "RELAY_DRAIN_SECONDS='-1': expected seconds from 0 to 300"),
        ("RELAY_DRAIN_SECONDS", "301", "RELAY_DRAIN_SECONDS='301': expected seconds from 0 to"),
        ("RELAY_DRAIN_SECONDS", "nan", "RELAY_DRAIN_SECONDS='nan': expected seconds from 0 to"),
        ("RELAY_DOCS_ENABLED", "maybe", "RELAY_DOCS_ENABLED='maybe': expected true or false"),
        ("RELAY_ENVIRONMENT", "prod env", "RELAY_ENVIRONMENT='prod env': expected letters"),
        (
            "RELAY_BATCH_MAX_ITEMS",
            "1001",
            "RELAY_BATCH_MAX_ITEMS='1001': expected a whole number from 1 to 1000",
        ),
        (
            "RELAY_BATCH_MAX_ITEMS",
            "0",
            "RELAY_BATCH_MAX_ITEMS='0': expected a whole number from 1 to 1000",
        ),
        (
            "RELAY_PIPELINE_DISABLED",
            "Drop-Nulls",
            "RELAY_PIPELINE_DISABLED='Drop-Nulls': 'Drop-Nulls' is not a step name",
        ),
        (
            "RELAY_PIPELINE_REDACT",
            "data..x",
            "RELAY_PIPELINE_REDACT='data..x': 'data..x' is not a dotted path",
        ),
        (
            "RELAY_PIPELINE_LOWERCASE",
            "a b",
            "RELAY_PIPELINE_LOWERCASE='a b': 'a b' is not a dotted path",
        ),
        (
            "RELAY_PIPELINE_RENAME",
            "data.a",
            "RELAY_PIPELINE_RENAME='data.a': 'data.a' is not path=path",
        ),
        (
            "RELAY_PIPELINE_RENAME",
            "data.a=x..y",
            "RELAY_PIPELINE_RENAME='data.a=x..y': 'x..y' in data.a=x..y is not a dotted path",
        ),
        (
            "RELAY_PIPELINE_DROP_WHEN",
            "type=",
            "RELAY_PIPELINE_DROP_WHEN='type=': type= needs a glob",
        ),
        ("RELAY_PIPELINE_ADD", "=x", "RELAY_PIPELINE_ADD='=x': '=x' is not path=value"),
        (
            "RELAY_PIPELINE_RENAME",
            "data.a=data.a",
            "RELAY_PIPELINE_RENAME='data.a=data.a': data.a=data.a moves a value onto or into itself",
        ),
        (
            "RELAY_PIPELINE_RENAME",
            "data=data.x",
            "RELAY_PIPELINE_RENAME='data=data.x': data=data.x moves a value onto or into itself",
        ),
        (
            "RELAY_PIPELINE_REDACT",
            "data.**",
            "RELAY_PIPELINE_REDACT='data.**': 'data.**' is not a dotted path",
        ),
        ("RELAY_WORKER_URL", "ftp://x", "RELAY_WORKER_URL='ftp://x': expected an http(s) URL"),
        ("RELAY_WORKER_URL", "http://", "RELAY_WORKER_URL='http://': expected an http(s) URL"),
        ("RELAY_WORKER_URL", "http://a b:1", "RELAY_WORKER_URL='http://a b:1': expected an http"),
        ("RELAY_WORKER_URL", "http://[::1", "RELAY_WORKER_URL='http://[::1': expected an http"),
        ("RELAY_WORKER_URL", "http://[::1]x", "RELAY_WORKER_URL='http://[::1]x': expected an"),
        ("RELAY_WORKER_URL", "http://w:99999", "RELAY_WORKER_URL='http://w:99999': expected an"),
        ("RELAY_WORKER_TOKEN", "has space", "RELAY_WORKER_TOKEN: the token holds characters"),
        ("RELAY_AUTH", "basic", "RELAY_AUTH='basic': expected one of none, api_key, bearer, hmac"),
        ("RELAY_AUTH_KEYS", "no-colon", "RELAY_AUTH_KEYS: entry 1 is not id:key"),
        ("RELAY_AUTH_KEYS", "ci:short", "RELAY_AUTH_KEYS: the key of 'ci' must be at least 16"),
        (
            "RELAY_AUTH_KEYS",
            "ci:ci-key-0123456789ab,ci:ci-key-0123456789cd",
            "RELAY_AUTH_KEYS: the id 'ci' names two keys",
        ),
        ("RELAY_AUTH_KEYS_FILE", "/no/such/file", "RELAY_AUTH_KEYS_FILE='/no/such/file': cannot"),
        (
            "RELAY_WORKER_TOKEN_FILE",
            "/no/such/file",
            "RELAY_WORKER_TOKEN_FILE='/no/such/file': cannot read the token",
        ),
        ("RELAY_AUTH_KEY_HEADER", "X Key", "RELAY_AUTH_KEY_HEADER='X Key': expected a header"),
        (
            "RELAY_CORS_ORIGINS",
            "https://app.example.org/",
            "RELAY_CORS_ORIGINS='https://app.example.org/': 'https://app.example.org/' is not",
        ),
        ("RELAY_CORS_ORIGINS", "*,https://a.org", "RELAY_CORS_ORIGINS='*,https://a.org': '*' is"),
        ("RELAY_WORKER_READ_TIMEOUT", "abc", "RELAY_WORKER_READ_TIMEOUT='abc': expected seconds"),
        ("RELAY_HANDOFF_DEADLINE", "0", "RELAY_HANDOFF_DEADLINE='0': expected seconds, e.g. 2.5"),
        (
            "RELAY_HANDOFF_MAX_ATTEMPTS",
            "0",
            "RELAY_HANDOFF_MAX_ATTEMPTS='0': expected a whole number",
        ),
        ("RELAY_HOST", "localhost", "RELAY_HOST='localhost': expected an IP address"),
        ("RELAY_PORT", "0", "RELAY_PORT='0': expected a TCP port from 1 to 65535"),
        ("RELAY_PORT", "65536", "RELAY_PORT='65536': expected a TCP port from 1 to 65535"),
        ("RELAY_WEB_WORKERS", "0", "RELAY_WEB_WORKERS='0': expected a whole number"),
        ("RELAY_TRANSPORT", "kafka", "RELAY_TRANSPORT='kafka': expected one of http, amqp"),
        ("RELAY_BROKER_QUEUE", "amq.items", "RELAY_BROKER_QUEUE='amq.items': expected a queue"),
        ("RELAY_BROKER_QUEUE", "", "RELAY_BROKER_QUEUE='': expected a queue name"),
    ],
)
def test_settings_reject_a_bad_value_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{re.escape(message)}"):
        Settings.from_env({name: value})


def test_settings_reject_an_unknown_variable_with_the_prefix() -> None:
    with pytest.raises(SettingsError, match=r"^RELAY_LOG_LEVLE is not a setting of this service"):
        Settings.from_env({"RELAY_LOG_LEVLE": "INFO"})


@pytest.mark.parametrize(
    "command",
    [
        [
            sys.executable,
            "-c",
            "import relay_service; relay_service.create_app()",
        ],
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "relay_service",
            "routes",
        ],
        [sys.executable, "-m", "relay_service.worker", "--port", "0"],
    ],
    ids=["create_app", "flask-cli", "reference-worker"],
)
def test_start_up_stops_with_one_line_on_a_bad_setting(command: list[str]) -> None:
    env = {**os.environ, "RELAY_LOG_LEVEL": "loud"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "configuration error: RELAY_LOG_LEVEL='loud': expected one of "
        "DEBUG, INFO, WARNING, ERROR, CRITICAL, e.g. INFO"
    ]


def test_pipeline_settings_without_a_pipeline_are_refused() -> None:
    app = Flask("bare")
    with pytest.raises(SettingsError, match=r"^RELAY_PIPELINE_REDACT is set, but no blueprint"):
        check_pipeline_settings(app, Settings(pipeline_redact=("data.password",)))
    check_pipeline_settings(app, Settings())


def test_a_bad_key_is_never_shown_in_the_message() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"RELAY_AUTH_KEYS": "ci:short-secret"})
    assert "short-secret" not in str(refused.value)


def test_a_key_file_names_the_line_of_a_bad_key(tmp_path: Path) -> None:
    keys = tmp_path / "api-keys"
    keys.write_text("# keys\nci:ci-key-0123456789ab\nops-without-a-colon\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=f"line 3 of {re.escape(str(keys))} is not id:key"):
        Settings.from_env({"RELAY_AUTH_KEYS_FILE": str(keys)})


def test_a_key_id_may_not_be_in_the_list_and_the_file(tmp_path: Path) -> None:
    keys = tmp_path / "api-keys"
    keys.write_text("ci:ci-key-0123456789ab\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="both have a key with the id ci"):
        Settings.from_env(
            {"RELAY_AUTH_KEYS": "ci:ci-key-abcdefghijkl", "RELAY_AUTH_KEYS_FILE": str(keys)}
        )


def test_the_worker_token_comes_from_the_variable_or_a_file(tmp_path: Path) -> None:
    token = tmp_path / "worker-token"
    token.write_text("token-from-a-file\n", encoding="utf-8")
    assert Settings.from_env({"RELAY_WORKER_TOKEN_FILE": str(token)}).worker_bearer_token == (
        "token-from-a-file"
    )
    assert Settings.from_env({"RELAY_WORKER_TOKEN": "t0ken"}).worker_bearer_token == "t0ken"
    with pytest.raises(SettingsError, match="RELAY_WORKER_TOKEN and RELAY_WORKER_TOKEN_FILE"):
        Settings.from_env({"RELAY_WORKER_TOKEN": "t0ken", "RELAY_WORKER_TOKEN_FILE": str(token)})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:s3cret@rabbitmq:5672/", "RELAY_BROKER_URL is not a RabbitMQ URL"),
        ("amqp://user:s3cret@:5672/", "RELAY_BROKER_URL is not a RabbitMQ URL"),
        ("amqp://user:s3cret@rabbitmq:5672/%2F?hartbeat=30", "option pika cannot use"),
        ("amqp://user:s3cret@rabbitmq:5672/%2F?heartbeat=often", "option pika cannot use"),
    ],
)
def test_a_bad_broker_url_is_refused_without_its_password(url: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        Settings.from_env({"RELAY_BROKER_URL": url})
    assert "s3cret" not in str(refused.value)


def test_the_broker_url_comes_from_the_variable_or_a_file(tmp_path: Path) -> None:
    url = tmp_path / "broker-url"
    url.write_text("amqps://relay:s3cret@rabbitmq:5671/orders\n", encoding="utf-8")
    from_file = Settings.from_env({"RELAY_BROKER_URL_FILE": str(url)})
    assert from_file.broker == "amqps://relay:s3cret@rabbitmq:5671/orders"
    assert "s3cret" not in repr(from_file)
    assert Settings.from_env({"RELAY_BROKER_URL": "amqp://rabbitmq"}).broker == "amqp://rabbitmq"
    with pytest.raises(SettingsError, match="RELAY_BROKER_URL and RELAY_BROKER_URL_FILE"):
        Settings.from_env(
            {"RELAY_BROKER_URL": "amqp://rabbitmq", "RELAY_BROKER_URL_FILE": str(url)}
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [("\n", "the file holds no token"), ("two words\n", "characters a header cannot carry")],
)
def test_a_worker_token_file_holds_one_token(tmp_path: Path, content: str, message: str) -> None:
    token = tmp_path / "worker-token"
    token.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as refused:
        Settings.from_env({"RELAY_WORKER_TOKEN_FILE": str(token)})
    assert "words" not in str(refused.value)


def test_the_published_local_key_serves_only_in_development() -> None:
    local = AuthKey("local", LOCAL_KEY)
    Settings(auth_keys=(local,)).check_serving()  # the default environment: development
    with pytest.raises(SettingsError, match=r"^RELAY_ENVIRONMENT=production, and the key 'local'"):
        Settings(auth_keys=(local,), environment="production").check_serving()


@pytest.mark.parametrize("mode", ["api_key", "bearer", "hmac"])
def test_serving_with_authentication_needs_a_key(mode: str) -> None:
    with pytest.raises(SettingsError, match=f"^RELAY_AUTH={mode} needs at least one key"):
        Settings(auth=mode).check_serving()
    Settings(auth=mode, auth_keys=(AuthKey("ci", "ci-key-0123456789ab"),)).check_serving()
    Settings(auth="none").check_serving()
