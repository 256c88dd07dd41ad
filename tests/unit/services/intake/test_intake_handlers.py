"""intake's use cases on fakes (tests/fakes/intake.py): acceptance, an operator's review, the word
on an offered answer and a reply's evaluation token, without PostgreSQL or Kafka. The SQL behind
them is covered by tests/integration/test_intake_*."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake.domain.classification import keyword_classifier
from services.intake.domain.knowledge import Entry, KnowledgeBase
from services.intake.handlers import ConcurrentSubmission, accept_submission, accept_submissions, answers, review
from services.intake.handlers.handling import Replies, on_closed
from shared.contracts.events import (
    AppealAccepted,
    AppealAnsweredAtIntake,
    AppealClosed,
    AppealHeldForReview,
    AppealMerged,
    AppealReclassified,
    AppealRejected,
    AppealReplied,
    EvaluationInvited,
    NotifyPetitioner,
    Petitioner,
    SubmitAppeal,
)
from shared.contracts.vocabulary import AppealType, Channel
from shared.refusals import Refusal, Refused
from tests.fakes import FakeUnitOfWork, envelope
from tests.fakes.intake import FakeIntakeStore

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
PEPPER = b"unit-test-pepper"
PRICES = "太原街超市乱收费，标价和结账价格不一致。"
REPEAT = "太原街那家超市又乱收费了，标价和结账的价格不一样"
FUND = Entry(uuid4(), 1, ("租房可以提取公积金吗",), "可以，每年一次。", "public_service_request/consultation/housing_fund",
             "HOUSING-FUND", date(2026, 1, 1), None)


@pytest.fixture
def store(monkeypatch) -> FakeIntakeStore:
    return FakeIntakeStore().install(monkeypatch)


def submission(description: str = PRICES, message_id: str | None = None, **changes) -> SubmitAppeal:
    return SubmitAppeal(channel=changes.pop("channel", Channel.WEB), channel_message_id=message_id or f"m-{uuid4()}",
                        description=description, district=changes.pop("district", "heping"),
                        petitioner=changes.pop("petitioner", Petitioner(name="李明", phone="13912345678")),
                        **changes)


async def submit(*submissions: SubmitAppeal, http: bool = True, knowledge: KnowledgeBase | None = None,
                 at: datetime = NOW) -> tuple[FakeUnitOfWork, list]:
    uow = FakeUnitOfWork("/hotline/intake")
    outcomes = await accept_submissions(uow, [(s, at) for s in submissions], pepper=PEPPER,  # type: ignore[arg-type]
                                        answers_caller=http, classifier=keyword_classifier(), knowledge=knowledge)
    return uow, outcomes


# --- acceptance -------------------------------------------------------------------------------


async def test_a_classified_submission_is_accepted_stored_and_acknowledged(store):
    uow, [outcome] = await submit(submission())
    assert outcome.status == "accepted" and outcome.inquiry_code is None and not outcome.replayed
    accepted, receipt = uow.emitted()
    assert isinstance(accepted, AppealAccepted) and accepted.appeal_id == outcome.appeal_id
    assert (accepted.category, accepted.district, accepted.classification.method) == ("prices", "heping", "keywords")
    assert accepted.contact is not None and accepted.contact.phone == "13912345678"
    assert isinstance(receipt, NotifyPetitioner) and receipt.kind == "receipt" and receipt.phone == "+8613912345678"
    assert outcome.tracking_number in receipt.text
    row = store.appeals[outcome.appeal_id]
    assert (row["status"], row["tracking_number"], row["petitioner_phone"]) == ("accepted", outcome.tracking_number,
                                                                               "13912345678")


async def test_the_same_channel_message_again_is_a_replay_that_emits_nothing(store):
    first = submission(message_id="web-1")
    _, [decided] = await submit(first)
    again, [replayed] = await submit(first)
    assert replayed.replayed and (replayed.appeal_id, replayed.status) == (decided.appeal_id, "accepted")
    assert replayed.classified == decided.classified  # the receipt says again what it was classified as
    assert decided.classified is not None and decided.classified["category"] == "prices"
    assert decided.classified["method"] == "keywords" and "乱收费" in decided.classified["terms"]
    assert again.emitted() == [] and len(store.appeals) == 1
    other = Petitioner(name="王芳", phone="13812345678")  # not a repeat of the first petitioner's appeal
    twice, [one, two] = await submit(submission(message_id="web-2", petitioner=other),
                                     submission(message_id="web-2", petitioner=other))
    assert not one.replayed and two.replayed and one.appeal_id == two.appeal_id
    assert len(twice.emitted(AppealAccepted)) == 1 and len(store.appeals) == 2


async def test_a_repeat_later_in_the_same_run_is_merged_into_the_appeal_accepted_before_it(store):
    uow, [first, repeat] = await submit(submission(), submission(REPEAT))
    assert (first.status, repeat.status) == ("accepted", "merged")
    assert repeat.into_tracking_number == first.tracking_number
    [merged] = uow.emitted(AppealMerged)
    assert merged.into_appeal_id == first.appeal_id
    [link] = store.merges
    assert (link.appeal_id, link.into_appeal_id) == (repeat.appeal_id, first.appeal_id)
    assert store.appeals[repeat.appeal_id]["merged_into"] == first.appeal_id
    # the petitioner is told which number handles the problem
    receipts = uow.emitted(NotifyPetitioner)
    assert len(receipts) == 2 and first.tracking_number in receipts[1].text


async def test_a_repeat_after_the_reply_is_a_new_appeal(store):
    _, [first] = await submit(submission())
    replied = AppealReplied(appeal_id=first.appeal_id, unit_code="SAMR", reply="已处理。", outcome="solved",
                            replied_at=NOW + timedelta(days=1))
    await Replies(PEPPER).on_replied(FakeUnitOfWork(), envelope(replied))  # type: ignore[arg-type]
    _, [later] = await submit(submission(REPEAT), at=NOW + timedelta(days=2))
    assert later.status == "accepted"


async def test_an_emergency_is_rejected_with_the_number_to_call_and_no_receipt(store):
    uow, [outcome] = await submit(submission("楼道里着火了，火很大"))
    assert (outcome.status, outcome.refer_to) == ("rejected", "119")
    [rejected] = uow.emitted()
    assert isinstance(rejected, AppealRejected) and rejected.reason_code == "emergency"
    assert store.appeals[outcome.appeal_id]["status"] == "rejected"


async def test_bad_data_is_refused_naming_the_field_and_nothing_is_stored(store):
    with pytest.raises(Refused) as refused:
        await submit(submission(), submission(petitioner=Petitioner(name="李明", phone="12812345678")))
    assert refused.value.kind is Refusal.INVALID and refused.value.field == "petitioner.phone"
    assert store.appeals == {}


async def test_a_channel_message_stored_first_by_another_transaction_is_reported(store):
    store.lost_races.add("web-race")
    with pytest.raises(ConcurrentSubmission):
        await submit(submission(message_id="web-race"))


async def test_a_private_appeal_over_kafka_gets_its_code_by_sms_only(store):
    uow, [outcome] = await submit(submission(private=True), http=False)
    assert outcome.inquiry_code is None  # a Kafka record has no reply path
    [receipt] = uow.emitted(NotifyPetitioner)
    assert receipt.code is not None and receipt.code in receipt.text
    stored_hash = store.appeals[outcome.appeal_id]["inquiry_code_hash"]
    assert stored_hash and receipt.code not in stored_hash
    [accepted] = uow.emitted(AppealAccepted)
    assert accepted.inquiry_code_hash == stored_hash


# --- an operator's review of a held appeal ----------------------------------------------------


async def held(store: FakeIntakeStore):
    uow, [outcome] = await submit(submission("今天天气很好，想反映个情况"))
    assert outcome.status == "pending_review"
    assert [type(e) for e in uow.emitted()] == [AppealHeldForReview, NotifyPetitioner]
    return outcome


async def test_an_operator_accepts_a_held_appeal_with_a_classification_and_it_is_learnt(store):
    outcome = await held(store)
    uow = FakeUnitOfWork()
    after = await review.accept(uow, outcome.appeal_id, by="op-1", reason="价格问题", now=NOW,  # type: ignore[arg-type]
                                appeal_type=AppealType.CONSUMER_COMPLAINT, category="prices")
    assert after.category == "prices"
    [accepted] = uow.emitted()
    assert isinstance(accepted, AppealAccepted) and accepted.decided_by == "op-1"
    assert accepted.classification.method == "operator"
    assert store.appeals[outcome.appeal_id]["status"] == "accepted"
    assert store.examples[outcome.appeal_id]["label"] == "consumer_complaint/-/prices"
    assert [d["action"] for d in store.decisions] == ["accepted"]
    with pytest.raises(Refused) as again:  # decided already
        await review.accept(FakeUnitOfWork(), outcome.appeal_id, by="op-2", reason="再次", now=NOW)  # type: ignore[arg-type]
    assert again.value.kind is Refusal.CONFLICT and "accepted" in again.value.reason


async def test_an_incomplete_acceptance_is_refused_naming_the_field_and_changes_nothing(store):
    outcome = await held(store)
    uow = FakeUnitOfWork()
    with pytest.raises(Refused) as refused:
        await review.accept(uow, outcome.appeal_id, by="op-1", reason="缺类别", now=NOW,  # type: ignore[arg-type]
                            appeal_type=AppealType.CONSUMER_COMPLAINT)
    assert refused.value.kind is Refusal.INVALID and refused.value.field == "category"
    assert uow.emitted() == [] and store.appeals[outcome.appeal_id]["status"] == "pending_review"


async def test_an_operator_refuses_a_held_appeal_and_unknown_appeals_are_not_found(store):
    outcome = await held(store)
    uow = FakeUnitOfWork()
    await review.refuse(uow, outcome.appeal_id, by="op-1", reason="非本平台受理范围", now=NOW)  # type: ignore[arg-type]
    [rejected] = uow.emitted()
    assert isinstance(rejected, AppealRejected) and rejected.reason_code == "operator"
    with pytest.raises(Refused) as unknown:
        await review.refuse(FakeUnitOfWork(), uuid4(), by="op-1", reason="x", now=NOW)  # type: ignore[arg-type]
    assert unknown.value.kind is Refusal.NOT_FOUND


async def test_a_correction_of_an_accepted_appeal_is_announced(store):
    _, [outcome] = await submit(submission())
    uow = FakeUnitOfWork()
    await review.correct(uow, outcome.appeal_id, by="op-1", reason="应为和平区以外", now=NOW,  # type: ignore[arg-type]
                         district="shenhe")
    [changed] = uow.emitted()
    assert isinstance(changed, AppealReclassified) and changed.district == "shenhe"
    assert store.appeals[outcome.appeal_id]["district"] == "shenhe"
    assert store.decisions[0]["changes"] == {"district": {"from": "heping", "to": "shenhe"}}


# --- 直接办结: the word on an answer offered at intake ---------------------------------------


async def offered(store: FakeIntakeStore, channel: Channel = Channel.WEB):
    uow, [outcome] = await submit(submission("请问租房可以提取公积金吗", channel=channel),
                                  knowledge=KnowledgeBase((FUND,)))
    assert outcome.status == "answer_offered" and outcome.answer == FUND.answer and outcome.answer_token
    assert uow.emitted() == [], "nothing is emitted before the petitioner's word"
    offer = store.offers[outcome.appeal_id]
    assert offer["entry_id"] == FUND.entry_id
    assert offer["answer_token_hash"] and outcome.answer_token not in offer["answer_token_hash"]
    return outcome


async def test_the_petitioner_says_the_answer_solved_it_and_the_appeal_closes_at_intake(store):
    outcome = await offered(store)
    uow = FakeUnitOfWork()
    status = await answers.conclude(uow, outcome.appeal_id, solved=True, by="petitioner", now=NOW,  # type: ignore[arg-type]
                                    answer_token=outcome.answer_token.lower(), pepper=PEPPER)  # typed as read
    assert status == "answered"
    [answered] = uow.emitted()
    assert isinstance(answered, AppealAnsweredAtIntake) and answered.knowledge_entry_id == FUND.entry_id
    assert store.offers[outcome.appeal_id]["concluded"] == "answered"
    with pytest.raises(Refused) as again:
        await answers.conclude(FakeUnitOfWork(), outcome.appeal_id, solved=False, by="petitioner", now=NOW,  # type: ignore[arg-type]
                               answer_token=outcome.answer_token, pepper=PEPPER)
    assert again.value.kind is Refusal.CONFLICT


async def test_not_solved_is_dispatched_as_any_appeal(store):
    outcome = await offered(store)
    uow = FakeUnitOfWork()
    assert await answers.conclude(uow, outcome.appeal_id, solved=False, by="petitioner", now=NOW,  # type: ignore[arg-type]
                                  answer_token=outcome.answer_token, pepper=PEPPER) == "accepted"
    [accepted] = uow.emitted()
    assert isinstance(accepted, AppealAccepted) and accepted.category == "housing_fund"


@pytest.mark.parametrize("proof", [
    pytest.param(lambda o: dict(answer_token=None), id="no token"),
    pytest.param(lambda o: dict(answer_token="0000-0000-0000-0000"), id="a wrong token"),
    pytest.param(lambda o: dict(answer_token=o.tracking_number), id="the public tracking number"),
    pytest.param(lambda o: dict(answer_token=o.answer_token, pepper=b"another-pepper"), id="hashed otherwise"),
    pytest.param(lambda o: dict(answer_token=o.answer_token, pepper=None), id="no pepper"),
])
async def test_without_the_receipts_token_the_word_is_not_found_and_changes_nothing(store, proof):
    outcome = await offered(store)
    uow = FakeUnitOfWork()
    with pytest.raises(Refused) as wrong:
        await answers.conclude(uow, outcome.appeal_id, solved=True, by="petitioner", now=NOW,  # type: ignore[arg-type]
                               **{"pepper": PEPPER, **proof(outcome)})
    assert wrong.value.kind is Refusal.NOT_FOUND and str(wrong.value) == "no such appeal"
    assert uow.emitted() == [] and store.offers[outcome.appeal_id]["concluded"] is None


async def test_a_phone_appeal_is_the_operators_word(store):
    call = await offered(store, Channel.PHONE)
    with pytest.raises(Refused) as not_theirs:
        await answers.conclude(FakeUnitOfWork(), call.appeal_id, solved=True, by="petitioner", now=NOW,  # type: ignore[arg-type]
                               answer_token=call.answer_token, pepper=PEPPER)
    assert not_theirs.value.kind is Refusal.CONFLICT
    assert await answers.conclude(FakeUnitOfWork(), call.appeal_id, solved=True, by="op-1", now=NOW,  # type: ignore[arg-type]
                                  by_operator=True) == "answered"


# --- what intake learns from routing ----------------------------------------------------------


async def test_a_reply_sends_the_petitioner_a_one_time_token_only_its_hash_travels(store):
    _, [outcome] = await submit(submission())
    uow = FakeUnitOfWork()
    replied = AppealReplied(appeal_id=outcome.appeal_id, unit_code="SAMR", reply="已责令整改。", outcome="solved",
                            replied_at=NOW + timedelta(days=1))
    await Replies(PEPPER).on_replied(uow, envelope(replied))  # type: ignore[arg-type]
    invited, sms = uow.emitted()
    assert isinstance(invited, EvaluationInvited) and isinstance(sms, NotifyPetitioner) and sms.kind == "reply"
    assert sms.code and sms.code not in invited.token_hash
    late = FakeUnitOfWork()  # an older reply arriving after a close changes nothing
    await on_closed(late, envelope(AppealClosed(appeal_id=outcome.appeal_id,  # type: ignore[arg-type]
                                                closed_at=NOW + timedelta(days=3))))
    await Replies(PEPPER).on_replied(late, envelope(replied))  # type: ignore[arg-type]
    assert late.emitted() == [] and store.appeals[outcome.appeal_id]["handling"] == "closed"


async def test_one_submission_alone_through_the_single_entrance(store):
    outcome = await accept_submission(FakeUnitOfWork(), submission(), now=NOW, pepper=PEPPER,  # type: ignore[arg-type]
                                      answers_caller=True)
    assert outcome.status == "accepted" and outcome.appeal_id in store.appeals
