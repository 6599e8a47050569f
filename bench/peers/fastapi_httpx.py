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


async def accepted(handoff: common.Handoff) -> dict[str, Any]:
    """Deliver with the process's AsyncClient (when there is a worker), and answer."""
    worker = None
    if common.WORKER_URL:
        answer = await clients["worker"].post(
            handoff.path, json=handoff.body, headers=handoff.headers
        )
        answer.raise_for_status()
        worker = answer.json()
    return handoff.answer(worker)


@app.post("/v1/events", status_code=202, response_model=Receipt)
async def accept_event(event: Event) -> Any:
    return await accepted(common.event_handoff(event.model_dump(mode="json")))


@app.post("/v1/events:batch", response_model=BatchReceipt)
async def accept_batch(batch: Batch) -> Any:
    return await accepted(common.batch_handoff([e.model_dump(mode="json") for e in batch.events]))
