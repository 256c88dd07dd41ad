"""`hotline bench --secure`: which broker and identity each part of a bench run gets.

The whole bench is never run in the suite (it drops the stack's earlier bench databases); these
check the settings and arguments it builds, and tests/integration/test_kafka_identities.py runs
its phases small against a secure broker of its own."""

import ssl
from pathlib import Path

import pytest

from hotline import cli, supervisor
from hotline.acls import ADMIN, channel_principal, service_principal
from hotline.bench import access as bench_access
from hotline.bench.access import LOAD, Access, of_files
from hotline.bench.run import service_settings
from hotline.stack.config import StackConfig, StackError
from hotline.stack.secure import SecureFiles
from shared.contracts.topics import SERVICES
from shared.kafka.security import client_options
from shared.settings import Settings

BOOTSTRAP = "127.0.0.1:19096"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> SecureFiles:
    files = SecureFiles(tmp_path_factory.mktemp("kafka-secure"))
    files.prepare()  # a CA, the broker's certificate and a password per identity, as `stack up --secure`
    return files


@pytest.fixture
def run_settings() -> Settings:
    return Settings(env="development", database_url="postgresql://postgres@127.0.0.1:55432/hotline_bench_ab12",
                    topic_prefix="bench-ab12.")


def test_each_service_process_gets_its_own_identity_and_the_run_shares_the_rest(files, run_settings):
    access = of_files(files, BOOTSTRAP)
    admin = access.settings(run_settings)
    shared, own = service_settings(admin, access)
    assert shared["HOTLINE_KAFKA_BOOTSTRAP"] == BOOTSTRAP
    assert shared["HOTLINE_DATABASE_URL"].endswith("/hotline_bench_ab12")
    assert shared["HOTLINE_TOPIC_PREFIX"] == "bench-ab12."
    assert not any("SASL" in key for key in shared), "no identity is shared by all"
    passwords = files.credentials()
    assert set(own) == set(SERVICES)
    for service, env in own.items():
        assert env["HOTLINE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["HOTLINE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["HOTLINE_KAFKA_SASL_USERNAME"] == service_principal(service)
        assert env["HOTLINE_KAFKA_SASL_PASSWORD"] == passwords[service_principal(service)]
        assert env["HOTLINE_KAFKA_SSL_CAFILE"] == str(files.ca)
    assert len({env["HOTLINE_KAFKA_SASL_PASSWORD"] for env in own.values()}) == len(SERVICES)


def test_the_process_env_is_the_shared_settings_under_the_services_own(files, run_settings, monkeypatch, tmp_path):
    """What each `hotline run <service>` child really gets (its replicas too)."""
    started: dict[str, dict[str, str]] = {}

    def popen(argv, env, **_kwargs):
        started[argv[-1] + ("#2" if argv[-1] in started else "")] = env
        return object()

    monkeypatch.setattr(supervisor.subprocess, "Popen", popen)
    access = of_files(files, BOOTSTRAP)
    shared, own = service_settings(access.settings(run_settings), access)
    services = supervisor.Services([*SERVICES, "routing#2"], tmp_path, shared, ports={"routing#2": 28100},
                                   service_env=own)
    services.start()
    assert started["routing"]["HOTLINE_KAFKA_SASL_USERNAME"] == "hotline-routing"
    assert started["routing#2"]["HOTLINE_KAFKA_SASL_USERNAME"] == "hotline-routing"
    assert started["routing#2"]["HOTLINE_ROUTING_PORT"] == "28100"
    assert started["sla"]["HOTLINE_KAFKA_SASL_USERNAME"] == "hotline-sla"
    assert {env["HOTLINE_TOPIC_PREFIX"] for env in started.values()} == {"bench-ab12."}


def test_the_load_is_a_channel_adapter_and_the_watcher_and_relays_the_admin(files, run_settings):
    access = of_files(files, BOOTSTRAP)
    load, admin = access.settings(run_settings, LOAD), access.settings(run_settings)
    assert load.kafka_sasl_username == channel_principal("phone") and admin.kafka_sasl_username == ADMIN
    for settings in (load, admin):  # the run's database and topics, the secure broker's client
        assert (settings.database_url, settings.topic_prefix) == (run_settings.database_url, "bench-ab12.")
        options = client_options(settings)
        assert options["bootstrap_servers"] == BOOTSTRAP and options["security_protocol"] == "SASL_SSL"
        assert isinstance(options["ssl_context"], ssl.SSLContext)
        assert options["sasl_plain_password"] == files.credentials()[settings.kafka_sasl_username]


def test_plaintext_changes_nothing(run_settings):
    access = Access()
    assert access.settings(run_settings) is run_settings
    assert access.settings(run_settings, LOAD) is run_settings
    _, own = service_settings(run_settings, access)
    assert own == {name: {} for name in SERVICES}
    assert client_options(run_settings)["security_protocol"] == "PLAINTEXT"


def test_the_option_runs_the_bench_with_the_secure_identities(monkeypatch):
    monkeypatch.setenv("HOTLINE_ENV", "development")  # what main() sets for local commands, undone after
    seen = {}
    secure = Access(secure=True, broker_pid_file=Path("/nowhere/kafka.pid"))
    monkeypatch.setattr(bench_access, "secure", lambda: secure)
    monkeypatch.setattr("hotline.bench.run_bench", lambda *args, **kwargs: seen.update(args=args, **kwargs))
    assert cli.main(["bench", "--secure", "--rate", "50", "--burst", "100"]) == 0
    assert seen["access"] is secure
    assert seen["args"][:3] == (50.0, 20.0, 100) and seen["warmup"] == 2000
    assert cli.main(["bench"]) == 0
    assert seen["access"].secure is False
    assert seen["access"].broker_pid_file == StackConfig().state_dir / "kafka" / "kafka.pid"


def test_without_the_secure_broker_it_says_what_to_start(tmp_path):
    config = StackConfig(state_dir=tmp_path, kafka_secure_port=1)
    with pytest.raises(StackError, match=r"hotline stack up --secure"):
        bench_access.secure(config)
