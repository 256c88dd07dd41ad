"""publication's use cases on fakes (tests/fakes): the read model from a run of events,
evaluation and inquiry, without PostgreSQL or Kafka. The SQL behind them is covered by
tests/integration/test_publication_*."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.publication.domain.evaluation import EvaluationRefused, Rating
from services.publication.domain.open311 import Open311Error
from services.publication.handlers import event_handlers, inquiry
from services.publication.handlers.evaluation import Evaluator, evaluate, on_evaluation_invited
from services.publication.handlers.projection import Projection
from services.publication.handlers.submission import Open311Submission, submit
from shared.contracts.events import (
    AppealAnsweredAtIntake,
    AppealClosed,
    AppealEvaluated,
    AppealRedispatched,
    AppealReopened,
    AppealReturned,
    Classification,
    EvaluationInvited,
    PublicAppealUpdated,
    ReturnCallRequested,
    SubmitAppeal,
)
from shared.contracts.inquiry_code import hash_inquiry_code
from tests.fakes import FakeUnitOfWork, envelope, fake_context
from tests.fakes.publication import FakePublicationStore
from tests.integration.test_publication_support import (
    NAME,
    PHONE,
    accepted,
    dispatched,
    frozen_at,
    invited,
    lifecycle,
    replied,
    tracking_number,
)

T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
PEPPER = b"unit-test-pepper-of-32-bytes-at-least"


@pytest.fixture
def store(monkeypatch) -> FakePublicationStore:
    return FakePublicationStore().install(monkeypatch)


async def project(*events, envelopes: list | None = None) -> FakeUnitOfWork:
    """One run of events (or of the given envelopes) through the projection, as one consumer batch."""
    uow = FakeUnitOfWork()
    await Projection(PEPPER).apply(uow, envelopes or [envelope(e) for e in events])  # type: ignore[arg-type]
    return uow


# --- the read model ----------------------------------------------------------------------------


async def test_a_public_appeal_is_stored_redacted_and_announced_once_per_run(store):
    appeal, number = uuid.uuid4(), tracking_number()
    uow = await project(*lifecycle(appeal, number, T0, reply=False))
    row = store.rows[appeal]
    assert row["status"] == "signed" and row["unit_name"] == "沈阳市市场监督管理局"
    assert NAME not in row["summary"] and PHONE not in row["summary"]
    assert store.step_names(appeal) == ["accepted", "dispatched", "signed"]
    [view] = uow.emitted(PublicAppealUpdated)  # four events, one public view: the run's last
    assert view.tracking_number == number and view.status == "signed"
    assert store.feed == [(number, view.model_dump(mode="json"))]


async def test_the_same_run_delivered_again_tells_the_public_nothing(store):
    appeal, number = uuid.uuid4(), tracking_number()
    delivered = [envelope(e) for e in lifecycle(appeal, number, T0)]
    await project(envelopes=delivered)
    again = await project(envelopes=delivered)
    assert again.emitted() == [] and len(store.feed) == 1


async def test_a_private_appeal_is_kept_but_never_announced(store):
    appeal, number = uuid.uuid4(), tracking_number()
    uow = await project(*lifecycle(appeal, number, T0, private=True, code_hash="$argon2id$x"))
    assert store.rows[appeal]["status"] == "replied" and store.rows[appeal]["inquiry_code_hash"] == "$argon2id$x"
    assert uow.emitted() == [] and store.feed == []


async def test_a_reply_before_the_acceptance_waits_and_is_redacted_once_the_name_is_known(store):
    appeal, number = uuid.uuid4(), tracking_number()
    early = await project(replied(appeal, T0 + timedelta(days=1)))
    assert early.emitted() == [] and store.rows[appeal]["tracking_number"] is None  # privacy not known yet
    await project(accepted(appeal, number, T0), dispatched(appeal, number, T0 + timedelta(hours=1)))
    row = store.rows[appeal]
    assert row["status"] == "replied" and NAME not in row["reply"] and PHONE not in row["reply"]


async def test_each_step_keeps_its_time_and_a_redispatch_names_the_new_unit(store):
    appeal, number = uuid.uuid4(), tracking_number()
    at = [T0 + timedelta(hours=h) for h in range(8)]
    await project(accepted(appeal, number, at[0]), dispatched(appeal, number, at[1]),
                  AppealReturned(appeal_id=appeal, unit_code="SAMR", reason="不属于本单位", returned_at=at[2]),
                  AppealRedispatched(appeal_id=appeal, from_unit_code="SAMR", unit_code="HEALTH",
                                     unit_name="沈阳市卫生健康委员会", reason="医疗收费", attempt=2,
                                     redispatched_at=at[3]),
                  replied(appeal, at[4]), AppealClosed(appeal_id=appeal, closed_at=at[5]),
                  AppealReopened(appeal_id=appeal, reason="不满意", reopened_at=at[6]))
    row = store.rows[appeal]
    assert (row["returned_at"], row["closed_at"], row["reopened_at"]) == (at[2], at[5], at[6])
    assert row["unit_name"] == "沈阳市卫生健康委员会" and row["status"] == "reopened"
    assert store.step_names(appeal) == ["accepted", "dispatched", "returned", "redispatched", "replied",
                                        "closed", "reopened"]


async def test_an_appeal_answered_at_intake_shows_the_centres_answer(store):
    appeal, number = uuid.uuid4(), tracking_number()
    await project(AppealAnsweredAtIntake(
        appeal_id=appeal, tracking_number=number, channel="phone", appeal_type="public_service_request",
        category="housing_fund", district="heping", description="咨询公积金提取政策，租房可以提取吗？",
        private=False, classification=Classification(method="keywords"), received_at=T0,
        answer="租房提取公积金可在网上办理。", knowledge_entry_id=uuid.uuid4(), knowledge_entry_version=1,
        confirmed_by="op-li", answered_at=T0 + timedelta(minutes=5)))
    row = store.rows[appeal]
    assert row["reply"] == "租房提取公积金可在网上办理。" and row["closed_at"] == T0 + timedelta(minutes=5)
    assert row["status"] == "closed"


async def test_an_open311_submission_learns_its_tracking_number_from_the_acceptance(store):
    appeal, number = uuid.uuid4(), tracking_number()
    store.open311_tokens["open311-1"] = None
    await project(accepted(appeal, number, T0).model_copy(update={"channel_message_id": "open311-1"}))
    assert store.open311_tokens["open311-1"] == number


async def test_the_consumer_hands_every_read_model_event_to_one_batch(store):
    handlers = event_handlers(PEPPER)
    assert handlers[EvaluationInvited] is on_evaluation_invited
    assert len({id(h) for kind, h in handlers.items() if kind is not EvaluationInvited}) == 1


# --- evaluation --------------------------------------------------------------------------------


async def replied_appeal(store, *, private: bool = False, code_hash: str | None = None) -> tuple[uuid.UUID, str]:
    appeal, number = uuid.uuid4(), tracking_number()
    await project(*lifecycle(appeal, number, T0, private=private, code_hash=code_hash))
    return appeal, number


async def test_an_operators_rating_is_stored_emitted_and_shown(store):
    appeal, number = await replied_appeal(store)
    ctx = fake_context(frozen_at(T0 + timedelta(days=2)))
    event = await evaluate(ctx, number, Rating("satisfied", True), "服务很好", Evaluator("operator", operator="op-li"))
    assert isinstance(event, AppealEvaluated) and not event.reopen_requested and event.unit_code == "SAMR"
    assert ctx.units_of_work.emitted(AppealEvaluated) == [event]
    assert store.rows[appeal]["satisfaction"] == "satisfied" and "evaluated" in store.step_names(appeal)
    with pytest.raises(EvaluationRefused) as twice:
        await evaluate(ctx, number, Rating("dissatisfied", False), None, Evaluator("operator", operator="op-li"))
    assert twice.value.code == "already_evaluated"


async def test_a_second_dissatisfied_rating_asks_the_centre_to_call_back(store):
    appeal, number = await replied_appeal(store)
    ctx = fake_context(frozen_at(T0 + timedelta(days=2)))
    operator = Evaluator("operator", operator="op-li")
    first = await evaluate(ctx, number, Rating("dissatisfied", False), None, operator)
    assert first.reopen_requested and not first.return_call
    # routing reopened it, the unit replied again
    await project(AppealReopened(appeal_id=appeal, reason="不满意", reopened_at=T0 + timedelta(days=2, hours=1)),
                  replied(appeal, T0 + timedelta(days=3)))
    second = await evaluate(ctx, number, Rating("dissatisfied", False), None, operator)
    assert second.return_call and not second.reopen_requested
    [call] = ctx.units_of_work.emitted(ReturnCallRequested)
    assert call.dissatisfied_ratings == 2 and store.return_calls[appeal]["unit_code"] == "SAMR"


async def test_a_petitioner_rates_with_the_token_from_the_sms_and_a_wrong_one_is_a_counted_guess(store):
    appeal, number = await replied_appeal(store)
    ctx = fake_context(frozen_at(T0 + timedelta(days=2)))
    await on_evaluation_invited(FakeUnitOfWork(), envelope(invited(ctx.settings.pepper(), appeal, number, T0, "ABCD-EFGH")))
    with pytest.raises(inquiry.NotFound):
        await evaluate(ctx, number, Rating("satisfied", True), None, Evaluator("web", "10.0.0.1", evaluation_token="WXYZ"))
    event = await evaluate(ctx, number, Rating("satisfied", True), None,
                           Evaluator("web", "10.0.0.1", evaluation_token="abcd efgh"))
    assert event.via == "web"
    assert sum(n for (bucket, _), n in store.attempts.items() if bucket == f"number:{number}") == 2


async def test_without_a_credential_nothing_is_rated_or_counted(store):
    _, number = await replied_appeal(store)
    ctx = fake_context(frozen_at(T0 + timedelta(days=2)))
    with pytest.raises(inquiry.NotFound):
        await evaluate(ctx, number, Rating("satisfied", True), None, Evaluator("web", "10.0.0.1"))
    assert not store.attempts and not store.evaluations


# --- inquiry -----------------------------------------------------------------------------------


async def test_a_private_appeal_opens_with_its_code_only_and_guesses_are_limited(store):
    ctx = fake_context(frozen_at(T0 + timedelta(days=2)))
    _, number = await replied_appeal(store, private=True, code_hash=hash_inquiry_code("7KQ2M9XA", ctx.settings.pepper()))
    with pytest.raises(inquiry.NotFound):
        await inquiry.look_up(ctx, number, None, "10.0.0.2")
    assert (await inquiry.look_up(ctx, number, "7kq2-m9xa", "10.0.0.2"))["tracking_number"] == number
    for _ in range(4):
        with pytest.raises(inquiry.NotFound):
            await inquiry.look_up(ctx, number, "7KQ2M9XB", "10.0.0.2")
    with pytest.raises(inquiry.TooManyAttempts) as stopped:
        await inquiry.look_up(ctx, number, "7KQ2M9XA", "10.0.0.2")  # the sixth in the window, even if right
    assert stopped.value.retry_after > 0


async def test_an_unknown_number_answers_as_a_wrong_code_does(store):
    ctx = fake_context(frozen_at(T0))
    with pytest.raises(inquiry.NotFound):
        await inquiry.look_up(ctx, tracking_number(), "7KQ2M9XA", "10.0.0.3")
    with pytest.raises(inquiry.NotFound):
        await inquiry.look_up(ctx, tracking_number(), None, "10.0.0.3")


# --- Open311 submissions -------------------------------------------------------------------------


async def test_an_open311_submission_goes_to_intake_once_however_often_it_is_posted(store):
    ctx = fake_context(frozen_at(T0))
    request = Open311Submission("consumer_complaint", "prices", "超市价签与结账价格不一致", "heping", None, NAME, PHONE)
    token = await submit(ctx, "k-test", request)
    assert await submit(ctx, "k-test", request) == token  # a retried POST: the same token
    [command] = ctx.units_of_work.emitted(SubmitAppeal)  # and one submission
    assert command.channel == "web" and command.channel_message_id in store.open311_tokens
    with pytest.raises(Open311Error) as wrong:
        await submit(ctx, "k-test", Open311Submission("consumer_complaint", "prices", "x", "heping", None, NAME, "12"))
    assert wrong.value.code == 400 and str(wrong.value).startswith("phone:")  # the field, never the value
