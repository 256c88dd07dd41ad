"""Intake's name tags are the ones publication redacts with: one implementation, one format."""

from services.publication.domain.redaction import NameTags, PlainNames, redact
from shared.contracts.events import AppealAccepted
from shared.name_tags import name_tags

KEY = b"k" * 32


def test_tags_from_intake_redact_like_the_plain_name():
    text = "王建国反映：小区门口路灯不亮，王先生多次打电话无人处理。"
    tags = NameTags(name_tags(["王建国"], KEY))
    assert redact(text, tags, KEY) == redact(text, PlainNames.of(["王建国"]), KEY)
    assert "王建国" not in redact(text, tags, KEY) and "王先生" not in redact(text, tags, KEY)


def test_compound_surnames_and_full_width_forms_fold_the_same():
    assert name_tags(["欧阳娜娜"], KEY) == NameTags.of(["欧阳娜娜"], KEY).tags
    assert name_tags(["ＡＢ"], KEY) == name_tags(["AB"], KEY)
    assert name_tags(["王"], KEY) == frozenset(), "one character would redact ordinary words"


def test_the_contract_takes_the_tags():
    field = AppealAccepted.model_fields["name_tags"]
    assert field.default == ()
    for tag in name_tags(["王建国"], KEY):
        assert tag[0] in "ns" and len(tag.split(":")[1]) == 32
