# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The intake flow: an item validated by its view gets its idempotency key, runs through
its pipeline, is handed to the worker, and is answered with a receipt.

A view calls :func:`accept_one` or :func:`accept_batch` and nothing else, so a fix
to the flow reaches every service through ``copier update``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Response
from flask import current_app
from flask import jsonify
from flask_smorest import abort

from ...handoff import HandoffError
from ...handoff import WorkerRejected
from ...observability.logs import log_fields
from ...pipeline import BrokenStepError
from ...pipeline import Context
from ...pipeline import Payload
from ...pipeline import PipelineError
from ...pipeline import StepError
from ..problems import handoff_problem
from ..problems import step_error_problem
from ..problems import step_failure_problem
from ..problems import validation_problem
from .counting import count_batch
from .counting import count_events
from .counting import pipeline_reason
from .delivery import hand_off
from .delivery import hand_off_batch
from .delivery import idempotency_key
from .items import Item
from .receipts import FilteredReceiptSchema
from .transform import request_context
from .transform import run_pipeline

__all__ = ["accept_batch", "accept_one"]

#: The answer for an item a pipeline step filtered out, which flask-smorest does not
#: serialize (it serializes only an operation's main response).
FILTERED = FilteredReceiptSchema()


def accept_one(pipeline: str, item: dict[str, Any]) -> Any:
    """Take one validated item through the flow: key, pipeline, handoff, receipt.

    A step may refuse the item (a 422 problem that names the step) or filter it
    out (200, a :class:`~.receipts.FilteredReceiptSchema`). Otherwise the item is handed to the
    worker: the receipt returned means the worker acknowledged it, and a
    ``HandoffError`` (502, 503 or 504) means it did not, so sending it again with
    the same ``Idempotency-Key`` (or the same ``source`` and ``id``) is safe.

    :param pipeline: the name the view's blueprint installed its pipeline under.
    :param item: the item as the view's schema loaded it.
    :returns: the receipt of an accepted item, for the view's 202
        :class:`~.receipts.AcceptedReceiptSchema`; or the 200 response of a filtered one.
    """
    key = idempotency_key(item, from_request=True)  # before any step sees the item
    context = request_context()
    try:
        outcome = run_pipeline(pipeline, item, context)
    except PipelineError as error:
        count_events("rejected", reason=pipeline_reason(error))
        raise
    receipt = {
        "event_id": item["id"],
        "request_id": context.request_id,
        "received_at": context.received_at,
        "steps": list(outcome.steps),
    }
    if outcome.dropped is not None:
        body = {**receipt, "status": "filtered", "reason": outcome.dropped.reason}
        response: Response = jsonify(FILTERED.dump(body))
        count_events("filtered")
        return response
    accepted = outcome.payload or {}
    try:
        worker_receipt = hand_off(accepted, key)
    except HandoffError as error:
        count_events("rejected", reason=error.reason)
        raise
    count_events("accepted")
    log_fields(event_id=item["id"], event_type=accepted.get("type"))
    return {
        **receipt,
        "status": "accepted",
        "idempotency_key": key,
        "worker_receipt": worker_receipt,
    }


def accept_batch(pipeline: str, items: list[Item]) -> dict[str, Any]:
    """Take each item of a batch through the flow on its own, and hand all that went
    through to the worker in one call.

    :param pipeline: the name the view's blueprint installed its pipeline under.
    :param items: the batch as :class:`~.items.EachItem` loaded it.
    :returns: the batch receipt: counts by status, and one result per item.
    :raises UnprocessableEntity: when the batch has more than ``RELAY_BATCH_MAX_ITEMS``.
    """
    limit = current_app.extensions["settings"].batch_max_items
    if len(items) > limit:
        field = items[0].pointer.split("/")[1]  # the batch's list, e.g. "events"
        abort(422, messages={"json": {field: [f"Longer than maximum length {limit}."]}})
    receipt = run_batch(pipeline, items, request_context())
    log_fields(**{key: receipt[key] for key in ("accepted", "filtered", "rejected")})
    return receipt


def run_batch(pipeline: str, items: list[Item], context: Context) -> dict[str, Any]:
    """Run the app's pipeline ``pipeline`` over each valid item of a batch, then
    hand every item that went through over together (one call to the worker, or
    one message each to the broker).

    An invalid item, one a step refuses, or one the worker refuses is rejected
    with its own problem; the others go on. When the worker does not acknowledge
    the call, every item that was to be delivered is rejected with that problem,
    and may be sent again; so is each message the broker did not confirm.

    :returns: a batch receipt: counts by status, and one result per item.
    """
    results: list[dict[str, Any]] = []
    deliveries: list[tuple[dict[str, Any], str, Payload]] = []
    rejections: list[str] = []  # the reason of each rejected item, for the metrics
    for item in items:
        result, payload, reason = _result(pipeline, item, context)
        results.append(result)
        if reason:
            rejections.append(reason)
        if payload is not None and item.payload is not None:
            deliveries.append((result, idempotency_key(item.payload), payload))
    if deliveries:
        rejections += _deliver(deliveries)
    counts = Counter(result["status"] for result in results)
    count_batch(len(items))
    count_events("accepted", counts["accepted"])
    count_events("filtered", counts["filtered"])
    for reason, count in Counter(rejections).items():
        count_events("rejected", count, reason)
    return {
        "request_id": context.request_id,
        "received_at": context.received_at,
        "accepted": counts["accepted"],
        "filtered": counts["filtered"],
        "rejected": counts["rejected"],
        "results": results,
    }


def _result(
    pipeline: str, item: Item, context: Context
) -> tuple[dict[str, Any], Payload | None, str]:
    """An item's result so far, its payload when it is to be delivered, and the
    reason it was rejected (``""`` when it was not)."""
    result: dict[str, Any] = {"index": item.index}
    if item.id is not None:
        result["id"] = item.id
    if item.payload is None:
        problem = validation_problem({"json": item.messages or {}}, item.pointer)
        return {**result, "status": "rejected", "problem": problem}, None, "validation"
    try:
        outcome = run_pipeline(pipeline, item.payload, context)
    except StepError as error:
        problem = step_error_problem(error, item.pointer)
        return {**result, "status": "rejected", "problem": problem}, None, pipeline_reason(error)
    except BrokenStepError as error:
        problem = step_failure_problem(error, item.pointer)
        return {**result, "status": "rejected", "problem": problem}, None, pipeline_reason(error)
    result["steps"] = list(outcome.steps)
    if outcome.dropped is not None:
        return {**result, "status": "filtered", "reason": outcome.dropped.reason}, None, ""
    return result, outcome.payload, ""


def _deliver(deliveries: list[tuple[dict[str, Any], str, Payload]]) -> list[str]:
    """Hand the items over together and complete their results in place; the
    reason of each item that was not taken."""
    try:
        answers = hand_off_batch([(key, payload) for _, key, payload in deliveries])
    except HandoffError as error:
        problem = _retryable_problem(error)
        for result, _, _ in deliveries:
            result.update(status="rejected", problem=problem)
        return [error.reason] * len(deliveries)
    rejections = []
    for (result, key, _), answer in zip(deliveries, answers, strict=True):
        if isinstance(answer, HandoffError):  # this item alone was not taken; send it again
            result.update(status="rejected", problem=_retryable_problem(answer))
            rejections.append(answer.reason)
        elif answer.get("status") == "accepted":
            result.update(
                status="accepted", idempotency_key=key, worker_receipt=answer.get("receipt", {})
            )
        else:
            refused = WorkerRejected(
                f"The worker refused the item: {answer.get('reason', 'no reason')}"
            )
            result.update(status="rejected", problem=handoff_problem(refused))
            rejections.append(refused.reason)
    return rejections


def _retryable_problem(error: HandoffError) -> dict[str, Any]:
    """The problem of items that were not handed over, with ``retry_after`` when known."""
    problem = handoff_problem(error)
    if error.retry_after is not None:
        problem["retry_after"] = error.retry_after
    return problem
