# Managed by relaykit: "copier update" merges the template's changes into this file.
"""api/fields.py: how deep a value nests."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from relay_service.api.fields import MaxDepth
from relay_service.api.fields import exceeds_depth


@pytest.mark.parametrize(
    ("value", "depth"),
    [
        ("text", 0),
        (None, 0),
        ([], 1),
        ({"a": 1}, 1),
        ([1, "a", None], 1),
        ({"a": [1]}, 2),
        ([[[]], {}], 3),
        ({"a": {"b": {"c": 1}}, "d": 1}, 3),
    ],
)
def test_exceeds_depth_counts_arrays_and_objects_not_leaves(value: Any, depth: int) -> None:
    assert not exceeds_depth(value, depth)
    if depth:
        assert exceeds_depth(value, depth - 1)


def test_max_depth_takes_the_limit_and_refuses_one_more() -> None:
    validate = MaxDepth(2)
    assert validate({"a": {"b": 1}}) == {"a": {"b": 1}}
    with pytest.raises(ma.ValidationError, match="Nested more than 2 levels deep"):
        validate({"a": {"b": []}})
