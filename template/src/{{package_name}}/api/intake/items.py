# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Items of a batch: each loaded on its own, so one bad item sinks none."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import marshmallow as ma

__all__ = ["EachItem", "Item", "document_batch_limit"]


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    """One item of a batch: valid (``payload``) or not (``messages``).

    :param index: position of the item in the batch.
    :param pointer: JSON Pointer to the item in the request body, e.g. ``/events/3``.
    :param payload: the item as its schema loaded it; ``None`` when invalid.
    :param messages: marshmallow's error messages; ``None`` when valid.
    :param raw: the item as sent.
    """

    index: int
    pointer: str
    payload: dict[str, Any] | None
    messages: Mapping[str, Any] | None
    raw: Any

    @property
    def id(self) -> str | None:
        """The item's ``id`` as sent, when it is a string."""
        raw_id = self.raw.get("id") if isinstance(self.raw, dict) else None
        return raw_id if isinstance(raw_id, str) else None


class EachItem(ma.fields.List[Any]):
    """A list field that loads each item on its own and keeps the errors per item.

    Documented like ``List(inner)``; loading gives a list of :class:`Item`,
    valid or not, instead of failing the whole list on its first bad item.
    """

    # It loads Items rather than the inner field's values, hence the override.
    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> list[Item]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        # Check the length before loading any item: a long list of small items
        # would otherwise cost seconds before the Length validator refused it.
        for validator in self.validators:
            if isinstance(validator, ma.validate.Length) and validator.max is not None:
                validator(value)
        items = []
        for index, raw in enumerate(value):
            pointer = f"/{self.data_key or attr}/{index}"
            try:
                items.append(Item(index, pointer, self.inner.deserialize(raw, **kwargs), None, raw))
            except ma.ValidationError as error:
                messages = error.messages
                if not isinstance(messages, dict):
                    messages = {"_schema": messages}
                items.append(Item(index, pointer, None, messages, raw))
        return items


def document_batch_limit(limit: int) -> Callable[..., dict[str, Any]]:
    """Make an apispec attribute function that documents an :class:`EachItem` list with
    the ``maxItems`` the service enforces: the smaller of the field's own and ``limit``.

    :param limit: the app's ``RELAY_BATCH_MAX_ITEMS``, which the intake flow enforces on
        every batch, so the contract served follows the setting.
    """

    def batch_limit(
        converter: Any, field: ma.fields.Field[Any], ret: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        if not isinstance(field, EachItem):
            return {}
        return {"maxItems": min(ret.get("maxItems", limit), limit)}

    return batch_limit
