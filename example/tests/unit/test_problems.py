# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Validation messages become one field error per message, with a JSON Pointer."""

from __future__ import annotations

from relay_service.api.problems import field_errors


def test_field_errors_flatten_nested_messages_into_pointers() -> None:
    messages = {
        "json": {
            "id": ["Shorter than minimum length 1."],
            "data": {"items": {0: {"n": ["Not a valid integer."]}}},
        },
        "query": {"page": ["Must be greater than 0."]},
    }
    assert field_errors(messages) == [
        {"location": "body", "pointer": "/id", "detail": "Shorter than minimum length 1."},
        {"location": "body", "pointer": "/data/items/0/n", "detail": "Not a valid integer."},
        {"location": "query", "pointer": "/page", "detail": "Must be greater than 0."},
    ]


def test_field_errors_report_whole_object_errors_at_the_parent() -> None:
    messages = {"json": {"_schema": ["Invalid input type."]}}
    assert field_errors(messages) == [
        {"location": "body", "pointer": "", "detail": "Invalid input type."}
    ]


def test_field_errors_escape_pointer_tokens() -> None:
    messages = {"json": {"a/b~c": ["Unknown field."]}}
    assert field_errors(messages)[0]["pointer"] == "/a~1b~0c"


def test_field_errors_keep_every_message_of_a_field() -> None:
    messages = {"headers": {"X-Thing": ["Too long.", "Not a number."]}}
    assert [error["detail"] for error in field_errors(messages)] == ["Too long.", "Not a number."]
    assert {error["location"] for error in field_errors(messages)} == {"header"}
