"""Sealing a contact for the log: it opens only with its appeal's key and for its own appeal."""

import uuid

import pytest

from services.intake.domain.sealing import KEY_BYTES, Unopenable, new_data_key, open_sealed, seal
from shared.contracts.events import Contact, SealedContact

CONTACT = Contact(name="欧阳娜娜", phone="13912345678", address="和平区南京北街12号3单元", enterprise_name=None)


def test_a_sealed_contact_opens_with_its_key_and_appeal():
    key, appeal = new_data_key(), uuid.uuid4()
    sealed = seal(key, appeal, CONTACT)
    assert len(key) == KEY_BYTES
    assert open_sealed(key, appeal, sealed) == CONTACT


def test_the_sealed_form_shows_nothing_of_the_contact():
    sealed = seal(new_data_key(), uuid.uuid4(), CONTACT)
    text = sealed.model_dump_json()
    for value in ("欧阳", "13912345678", "南京北街", "\\u6b27"):
        assert value not in text
    assert SealedContact.model_validate_json(text) == sealed, "the contract accepts what sealing makes"


def test_two_sealings_of_one_contact_differ():
    key, appeal = new_data_key(), uuid.uuid4()
    assert seal(key, appeal, CONTACT).ciphertext != seal(key, appeal, CONTACT).ciphertext


def test_a_sealed_contact_moved_to_another_appeal_does_not_open():
    key, appeal = new_data_key(), uuid.uuid4()
    with pytest.raises(Unopenable):
        open_sealed(key, uuid.uuid4(), seal(key, appeal, CONTACT))


def test_without_its_own_key_it_does_not_open():
    appeal = uuid.uuid4()
    with pytest.raises(Unopenable):
        open_sealed(new_data_key(), appeal, seal(new_data_key(), appeal, CONTACT))


def test_an_altered_ciphertext_does_not_open():
    key, appeal = new_data_key(), uuid.uuid4()
    sealed = seal(key, appeal, CONTACT)
    flipped = ("A" if sealed.ciphertext[5] != "A" else "B").join((sealed.ciphertext[:5], sealed.ciphertext[6:]))
    with pytest.raises(Unopenable):
        open_sealed(key, appeal, sealed.model_copy(update={"ciphertext": flipped}))
