# Managed by the relaykit template; "copier update" replaces this file.
"""Batches: items validated and processed one by one, so one bad item sinks none."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from ..handoff import HandoffError
from ..handoff import WorkerRejected
from ..pipeline import BrokenStepError
from ..pipeline import Context
from ..pipeline import Payload
from ..pipeline import StepError
from .errors import handoff_problem
from .errors import step_error_problem
from .errors import step_failure_problem
from .errors import validation_problem
from .handoff import hand_off_batch
from .handoff import idempotency_key
from .pipelines import run_pipeline

__all__ = ["EachItem", "Item", "run_batch"]


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


def run_batch(pipeline: str, items: list[Item], context: Context) -> dict[str, Any]:
    """Run the app's pipeline ``pipeline`` over each valid item of a batch, then
    hand every item that went through to the worker in one call.

    An invalid item, one a step refuses, or one the worker refuses is rejected
    with its own problem; the others go on. When the worker does not acknowledge
    the call, every item that was to be delivered is rejected with that problem,
    and may be sent again.

    :returns: a batch receipt: counts by status, and one result per item.
    """
    results: list[dict[str, Any]] = []
    deliveries: list[tuple[dict[str, Any], str, Payload]] = []
    for item in items:
        result, payload = _result(pipeline, item, context)
        results.append(result)
        if payload is not None and item.payload is not None:
            deliveries.append((result, idempotency_key(item.payload), payload))
    if deliveries:
        _deliver(deliveries)
    counts = Counter(result["status"] for result in results)
    return {
        "request_id": context.request_id,
        "received_at": context.received_at,
        "accepted": counts["accepted"],
        "filtered": counts["filtered"],
        "rejected": counts["rejected"],
        "results": results,
    }


def _result(pipeline: str, item: Item, context: Context) -> tuple[dict[str, Any], Payload | None]:
    """An item's result so far, and its payload when it is to be delivered."""
    result: dict[str, Any] = {"index": item.index}
    if item.id is not None:
        result["id"] = item.id
    if item.payload is None:
        problem = validation_problem({"json": item.messages or {}}, item.pointer)
        return {**result, "status": "rejected", "problem": problem}, None
    try:
        outcome = run_pipeline(pipeline, item.payload, context)
    except StepError as error:
        return {
            **result,
            "status": "rejected",
            "problem": step_error_problem(error, item.pointer),
        }, None
    except BrokenStepError as error:
        problem = step_failure_problem(error, item.pointer)
        return {**result, "status": "rejected", "problem": problem}, None
    result["steps"] = list(outcome.steps)
    if outcome.dropped is not None:
        return {**result, "status": "filtered", "reason": outcome.dropped.reason}, None
    return result, outcome.payload


def _deliver(deliveries: list[tuple[dict[str, Any], str, Payload]]) -> None:
    """Hand the items over in one call and complete their results in place."""
    try:
        answers = hand_off_batch([(key, payload) for _, key, payload in deliveries])
    except HandoffError as error:
        problem = handoff_problem(error)
        if error.retry_after is not None:
            problem["retry_after"] = error.retry_after
        for result, _, _ in deliveries:
            result.update(status="rejected", problem=problem)
        return
    for (result, key, _), answer in zip(deliveries, answers, strict=True):
        if answer.get("status") == "accepted":
            result.update(
                status="accepted", idempotency_key=key, worker_receipt=answer.get("receipt", {})
            )
        else:
            refused = WorkerRejected(
                f"The worker refused the item: {answer.get('reason', 'no reason')}"
            )
            result.update(status="rejected", problem=handoff_problem(refused))
