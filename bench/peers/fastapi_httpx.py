"""Peer: FastAPI with pydantic models on uvicorn (uvloop, httptools), handing off with
one ``httpx.AsyncClient`` per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from typing import Any

import common
import httpx
from fastapi import FastAPI
from pydantic import AwareDatetime
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

Text = Annotated[str, Field(min_length=1, max_length=128)]


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text
    type: Annotated[Text, Field(pattern=common.EVENT_TYPE.pattern)]
    occurred_at: AwareDatetime
    source: Annotated[str, Field(min_length=1, max_length=256)]
    data: dict[str, Any] = Field(default_factory=dict)


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[Event], Field(min_length=1, max_length=1000)]


class Receipt(BaseModel):
    event_id: str
    request_id: str
    received_at: str
    steps: list[str]
    status: str
    idempotency_key: str
    worker_receipt: dict[str, Any]


class ItemResult(BaseModel):
    index: int
    id: str
    status: str
    idempotency_key: str
    worker_receipt: dict[str, Any]


class BatchReceipt(BaseModel):
    request_id: str
    received_at: str
    accepted: int
    filtered: int
    rejected: int
    results: list[ItemResult]


clients: dict[str, httpx.AsyncClient] = {}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with httpx.AsyncClient(
        base_url=common.WORKER_URL or "http://unused", timeout=10
    ) as client:
        clients["worker"] = client
        yield


app = FastAPI(lifespan=lifespan)


@app.post("/v1/events", status_code=202, response_model=Receipt)
async def accept_event(event: Event) -> Any:
    rid, received_at = common.request_id(), common.now()
    loaded = event.model_dump(mode="json")
    key = common.idempotency_key(loaded)
    payload = common.transform(loaded, rid, received_at)
    worker = common.acknowledged(key)
    if common.WORKER_URL:
        answer = await clients["worker"].post(
            "/items", json=payload, headers={"Idempotency-Key": key, "X-Request-ID": rid}
        )
        answer.raise_for_status()
        worker = answer.json()
    return common.receipt(loaded, rid, received_at, key, worker)


@app.post("/v1/events:batch", response_model=BatchReceipt)
async def accept_batch(batch: Batch) -> Any:
    rid, received_at = common.request_id(), common.now()
    events = [event.model_dump(mode="json") for event in batch.events]
    items = common.batch_items(events, rid, received_at)
    workers = None
    if common.WORKER_URL:
        answer = await clients["worker"].post("/items:batch", json={"items": items})
        answer.raise_for_status()
        workers = [result["receipt"] for result in answer.json()["results"]]
    return common.batch_receipt(events, rid, received_at, items, workers)
