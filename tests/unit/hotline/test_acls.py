"""The ACL list follows the topic registry: each topic is written only by its owner, read only by
the services that consume it, and a channel adapter may do nothing but submit."""

from hotline.acls import Acl, acls, channel_principal, principals, service_principal
from shared.contracts import topics
from shared.contracts.topics import SERVICES, TOPICS
from shared.settings import Settings

SETTINGS = Settings(env="test", topic_prefix="env1.")


def _by(operation: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for acl in acls(SETTINGS):
        if acl.resource == "topic" and acl.operation == operation:
            found.setdefault(acl.name, set()).add(acl.principal)
    return found


def test_every_service_topic_is_written_by_its_owner_alone():
    writers = _by("write")
    for topic in TOPICS:
        if topic.writer in SERVICES:
            assert writers[SETTINGS.topic(topic.name)] == {service_principal(topic.writer)}, topic.name


def test_topics_are_read_by_the_services_that_consume_them_and_nobody_else():
    from hotline.acls import consumed_by

    readers = _by("read")
    consumes = consumed_by()
    for topic in TOPICS:
        expected = {service_principal(s) for s, names in consumes.items() if topic.name in names}
        if topic.name == topics.PUBLIC:
            expected.add("hotline-open-data")
        assert readers.get(SETTINGS.topic(topic.name), set()) == expected, topic.name


def test_channels_only_submit_and_every_identity_has_a_credential():
    for channel in ("phone", "phone_business_line", "web", "app"):
        mine = [a for a in acls(SETTINGS) if a.principal == channel_principal(channel)]
        assert {(a.operation, a.name) for a in mine} == {("write", "env1." + topics.SUBMISSIONS),
                                                         ("describe", "env1." + topics.SUBMISSIONS)}
    assert {a.principal for a in acls(SETTINGS)} <= set(principals())


def test_groups_and_topics_carry_the_environment_prefix():
    assert Acl("hotline-sla", "group", "env1.hotline-sla", "read") in acls(SETTINGS)
    assert all(a.name.startswith("env1.") for a in acls(SETTINGS) if a.pattern == "literal")


def test_acls_env_prints_an_identitys_client_settings_and_refuses_an_unknown_one(tmp_path, monkeypatch, capsys):
    import pytest

    from hotline import cli
    from hotline.stack import kafka
    from hotline.stack.config import StackConfig
    from hotline.stack.secure import SecureFiles

    config = StackConfig(state_dir=tmp_path)
    monkeypatch.setattr("hotline.stack.config.StackConfig", lambda: config)
    files = SecureFiles(kafka.home_of(config, secure=True))
    files.home.mkdir(parents=True)
    files.credentials_file.write_text('{"hotline-routing": "pw-1", "hotline-admin": "pw-0"}')
    assert cli.main(["acls", "--env", "hotline-routing"]) == 0
    out = capsys.readouterr().out
    assert "export HOTLINE_KAFKA_SASL_USERNAME=hotline-routing" in out and "SASL_SSL" in out and "pw-1" in out
    settings = cli._secure_settings(config, "hotline-routing")
    assert settings.kafka_sasl_password.get_secret_value() == "pw-1"
    with pytest.raises(SystemExit, match="unknown identity"):
        cli.main(["acls", "--env", "nobody"])
