"""Helpers for publication's integration tests (no tests here): events on the real topics."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from shared.clock import Clock
from shared.contracts.events import (
    AppealAccepted,
    AppealDispatched,
    AppealReplied,
    AppealSigned,
    Classification,
    Contact,
    DeadlineSet,
    EvaluationInvited,
    Event,
)
from shared.contracts.identifiers import CROCKFORD
from shared.contracts.inquiry_code import hash_inquiry_code

NAME, PHONE = "王建国", "13812345678"
DESCRIPTION = f"我是{NAME}，电话{PHONE}，家住和平区南京北街123号4单元502室，楼上漏水一个月物业不管。"


def tracking_number() -> str:
    return "SY20261128" + "".join(random.choice(CROCKFORD) for _ in range(8))


def inquiry_hash(pepper: bytes, code: str) -> str:
    """What intake stores (the contract's scheme)."""
    return hash_inquiry_code(code, pepper)


def accepted(appeal_id: uuid.UUID, number: str, at: datetime, *, private: bool = False,
             code_hash: str | None = None, description: str = DESCRIPTION) -> AppealAccepted:
    return AppealAccepted(
        appeal_id=appeal_id, tracking_number=number, channel="web", appeal_type="consumer_complaint",
        category="prices", district="heping", description=description, private=private,
        classification=Classification(method="keywords"), accepted_at=at,
        contact=Contact(name=NAME, phone=PHONE), inquiry_code_hash=code_hash)


def dispatched(appeal_id: uuid.UUID, number: str, at: datetime) -> AppealDispatched:
    return AppealDispatched(appeal_id=appeal_id, tracking_number=number, unit_code="SAMR",
                            unit_name="沈阳市市场监督管理局", rule_id="prices", appeal_type="consumer_complaint",
                            category="prices", district="heping", dispatched_at=at)


def deadline(appeal_id: uuid.UUID, at: datetime) -> DeadlineSet:
    return DeadlineSet(appeal_id=appeal_id, unit_code="SAMR", starts_on=at.date(), working_days=20,
                       due_at=at + timedelta(days=28), provisional=False, calendar_version="test",
                       reason="dispatched")


def signed(appeal_id: uuid.UUID, at: datetime) -> AppealSigned:
    return AppealSigned(appeal_id=appeal_id, unit_code="SAMR", signed_at=at)


def replied(appeal_id: uuid.UUID, at: datetime) -> AppealReplied:
    return AppealReplied(appeal_id=appeal_id, unit_code="SAMR", outcome="solved", replied_at=at,
                         reply=f"经核实，{NAME}反映的漏水已维修，回访电话{PHONE}。")


def invited(pepper: bytes, appeal_id: uuid.UUID, number: str, t0: datetime, token: str) -> EvaluationInvited:
    """Intake's invitation for lifecycle()'s reply: the petitioner got `token` by SMS."""
    from shared.one_time import EVALUATION_PURPOSE, EVALUATION_TOKEN_TTL, keyed_hash
    replied_at = t0 + timedelta(days=1)
    return EvaluationInvited(appeal_id=appeal_id, tracking_number=number, replied_at=replied_at,
                             token_hash=keyed_hash(pepper, EVALUATION_PURPOSE, token),
                             expires_at=replied_at + EVALUATION_TOKEN_TTL, invited_at=replied_at)


def lifecycle(appeal_id, number, t0: datetime, *, reply: bool = True, **accept) -> list[Event]:
    events: list[Event] = [accepted(appeal_id, number, t0, **accept), dispatched(appeal_id, number, t0 + timedelta(hours=1)),
              deadline(appeal_id, t0 + timedelta(hours=1)), signed(appeal_id, t0 + timedelta(hours=2))]
    return events + ([replied(appeal_id, t0 + timedelta(days=1))] if reply else [])


def frozen_at(moment: datetime) -> Clock:
    """A clock that (practically) stands still, so fixed rate-limit windows cannot roll over mid-test."""
    return Clock(start=moment, speed=1e-9, anchor=datetime.now(UTC).timestamp())


def client_from(service_client: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    """An HTTP client to the same in-process app that appears to come from `address`."""
    transport = httpx.ASGITransport(app=service_client.app, client=(address, 40000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url=str(service_client.base_url))
