"""The `hotline` command: local stack, provisioning, running services, the demo."""

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from hotline.registry import PROCESSES
from shared.contracts.topics import SERVICES

# Commands that only make sense on a developer's machine run in development mode unless
# HOTLINE_ENV says otherwise; every other command (run, migrate, topics...) is in production
# unless told, and refuses to start without real secrets.
LOCAL_COMMANDS = frozenset({"stack", "up", "demo", "bench", "token", "docs", "simulate", "sms-log"})


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in LOCAL_COMMANDS:
        os.environ.setdefault("HOTLINE_ENV", "development")
    from hotline.stack.config import StackError

    try:
        return args.func(args) or 0
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="command", dest="command")

    stack = sub.add_parser("stack", help="the local Kafka broker and PostgreSQL server")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.add_argument("--secure", action="store_true",
                       help="a broker of its own with TLS, SASL/SCRAM per identity and ACLs from the topic "
                            "registry (port 19096), instead of the plaintext one")
    stack.set_defaults(func=_stack)

    migrate = sub.add_parser("migrate", help="apply each service's database migrations")
    migrate.add_argument("services", nargs="*", metavar="service", help=f"some of: {', '.join(PROCESSES)}")
    migrate.add_argument("--undo-retired", action="store_true",
                         help="undo migrations deleted on purpose (shared.migrations.RETIRED) that the database applied")
    migrate.set_defaults(func=_migrate)

    sub.add_parser("topics", help="create the Kafka topics of the registry").set_defaults(func=_topics)

    acls = sub.add_parser("acls", help="the Kafka ACLs of every identity, from the topic registry")
    acls.add_argument("--apply", action="store_true", help="create them on the cluster HOTLINE_KAFKA_* reaches "
                                                           "(as an identity allowed to alter ACLs)")
    acls.add_argument("--env", metavar="IDENTITY",
                      help="print the HOTLINE_KAFKA_* settings of IDENTITY on the secure local broker "
                           "(e.g. hotline-routing), for `eval`")
    acls.set_defaults(func=_acls)
    sub.add_parser("setup", help="migrate and create topics").set_defaults(func=_setup)

    run = sub.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=PROCESSES)
    run.set_defaults(func=_run)

    sub.add_parser("up", help="run the five services and the staff workbench until Ctrl-C").set_defaults(func=_up)

    staff = sub.add_parser("staff", help="staff accounts of the workbench: add (or reset) and disable")
    staff.add_argument("action", choices=["add", "disable"])
    staff.add_argument("username")
    staff.add_argument("--role", choices=["operator", "dispatcher", "supervisor", "unit", "admin"])
    staff.add_argument("--unit", help="the unit's code, for --role unit")
    staff.add_argument("--name", help="the name shown on pages (default: the username)")
    staff.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input (else HOTLINE_STAFF_PASSWORD, else a prompt)")
    staff.set_defaults(func=_staff)

    wait = sub.add_parser("wait", help="wait until a service's migrations and topics exist (an init container)")
    wait.add_argument("service", choices=SERVICES)
    wait.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds (exit 1)")
    wait.set_defaults(func=_wait)

    replay = sub.add_parser("replay", help="rebuild a read model from the Kafka log (stop that service first)")
    replay.add_argument("service", choices=["publication", "assessment"])
    replay.set_defaults(func=_replay)

    forget = sub.add_parser("forget", help="forget a petitioner now (delete the contact and its key), "
                            "or run the retention rule once (--due)")
    forget.add_argument("appeal_id", nargs="?", help="the appeal whose petitioner is forgotten")
    forget.add_argument("--due", action="store_true",
                        help="forget every appeal finished more than HOTLINE_CONTACT_RETENTION_DAYS ago")
    forget.add_argument("--note", help="why (e.g. the petitioner's request and its reference)")
    forget.set_defaults(func=_forget)

    calendar = sub.add_parser("calendar", help="load a year's official holiday schedule into sla")
    calendar.add_argument("action", choices=["load"])
    calendar.add_argument("file", type=Path, help='JSON: {"year": 2027, "holidays": [...], "workdays": [...]}')
    calendar.set_defaults(func=_calendar)

    classifier = sub.add_parser("classifier", help="intake's classifier: train a model, report its held-out figures")
    classifier.add_argument("action", choices=["train", "report"])
    classifier.add_argument("--stored", action="store_true", help="report: the newest model in intake's schema "
                            "(default: a model trained now on the shipped corpus)")
    classifier.add_argument("--cross-validate", action="store_true", help="report: add 5-fold cross-validation")
    classifier.set_defaults(func=_classifier)

    sms = sub.add_parser("sms-log", help="development SMS gateway: write petitioner notifications to a log file")
    sms.add_argument("--file", type=Path, default=Path("sms.log"), help="where the messages go (default ./sms.log)")
    sms.set_defaults(func=_sms_log)

    sub.add_parser("docs", help="write the AsyncAPI and OpenAPI documents into docs/").set_defaults(func=_docs)

    bench = sub.add_parser("bench", help="measure the pipeline end to end against bare Kafka relays")
    bench.add_argument("--rate", type=float, default=100.0, help="appeals per second in the fixed-rate phase")
    bench.add_argument("--seconds", type=float, default=20.0, help="length of the fixed-rate phase")
    bench.add_argument("--burst", type=int, default=10000, help="appeals sent at full speed")
    bench.add_argument("--warmup", type=int, default=2000,
                       help="appeals sent first and not measured, then the database analyzed, so caches and "
                            "query plans are those of a platform that has been running (a freshly started "
                            "broker's JIT needs more: about 9,000 appeals)")
    bench.add_argument("--json", type=Path, help="also write the figures to this file")
    bench.add_argument("--secure", action="store_true",
                       help="against the secure local broker (`hotline stack up --secure`: TLS, SASL/SCRAM, "
                            "ACLs), each service as its own identity and the load as a channel adapter's; run "
                            "once without and once with it to get the cost of TLS + SASL")
    bench.add_argument("--profile", type=Path, metavar="DIR",
                       help="record each service with py-spy during the full-speed phase into DIR and "
                            "print its hot spots")
    bench.set_defaults(func=_bench)

    token = sub.add_parser("token", help="issue an access token (development HS256, or signed with --private-key)")
    token.add_argument("--role", required=True, choices=["operator", "supervisor", "unit", "channel", "admin"])
    token.add_argument("--unit", help="unit code, for --role unit")
    token.add_argument("--channels", default="",
                       help="for --role channel: comma list of channels it may submit for "
                            "(phone,phone_business_line,app,web)")
    token.add_argument("--sub", default="dev", help="who the token is for")
    token.add_argument("--hours", type=float, default=8.0)
    token.add_argument("--audience", action="append", choices=SERVICES, metavar="SERVICE",
                       help="the service the token is for (repeatable); default all five")
    token.add_argument("--private-key", type=Path, metavar="PEM",
                       help="sign with this private key and HOTLINE_JWT_ALGORITHM (RS256/ES256/EdDSA) "
                            "instead of the development secret")
    token.add_argument("--kid", help="key id written in the token's header (the key set entry that verifies it)")
    token.set_defaults(func=_token)

    demo = sub.add_parser("demo", help="start everything and follow appeals through the five services")
    demo.add_argument("--once", action="store_true", help="stop the services when the report is printed")
    demo.add_argument("--appeals", type=int, default=3000, help="appeals in the simulated day")
    demo.add_argument("--days", type=float, default=1.0, help="virtual days over which they arrive")
    demo.add_argument("--settle-days", type=float, default=30.0, help="virtual days of handling afterwards")
    demo.add_argument("--speed", type=float, default=17280.0,
                      help="the fastest pace, virtual seconds per real second (a slower platform sets its own)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--start", type=datetime.fromisoformat,
                      help="virtual start, ISO time (default: 09:00 today in Shenyang); same seed and start, "
                           "same report")
    demo.add_argument("--step-minutes", type=float, default=60.0,
                      help="virtual minutes the stepped clock moves once every service has caught up")
    demo.set_defaults(func=_demo)

    simulate = sub.add_parser(
        "simulate", help="file a seeded city's appeals into the running platform and report what it did",
        description="Drives the platform that HOTLINE_* describe (started by `hotline up`, or deployed) "
                    "with the demo's simulated city. Compressed time needs the platform and this command "
                    "on one virtual clock: the same HOTLINE_CLOCK_START, _SPEED and _ANCHOR, or the same "
                    "HOTLINE_CLOCK_FILE, which this command then steps (it needs the platform's database).")
    simulate.add_argument("--appeals", type=int, default=1000, help="appeals to file")
    simulate.add_argument("--days", type=float, default=1.0, help="virtual days over which they arrive")
    simulate.add_argument("--settle-days", type=float, default=5.0, help="virtual days of handling afterwards")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.set_defaults(func=_simulate)
    return parser


def _settings():
    """Settings from HOTLINE_*, or a clear refusal (what is missing and what to set)."""
    from pydantic import ValidationError

    from shared.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise SystemExit(f"error: {reasons}") from None


def _stack(args) -> None:
    from hotline.stack import kafka, postgres
    from hotline.stack.config import StackConfig

    config = StackConfig()
    if args.action == "up":
        print(postgres.up(config))
        print(kafka.up(config, secure=args.secure))
        if args.secure:
            _secure_acls(config)
            print(f"HOTLINE_ENV=development HOTLINE_DATABASE_URL={config.database_url}; per identity: "
                  "eval $(hotline acls --env hotline-<service>)")
        else:
            print(f"HOTLINE_ENV=development HOTLINE_KAFKA_BOOTSTRAP={config.kafka_bootstrap} "
                  f"HOTLINE_DATABASE_URL={config.database_url}")
    elif args.action == "down":
        print(kafka.down(config, secure=args.secure))
        if not args.secure:
            print(postgres.down(config))
    else:
        print(postgres.status(config))
        print(kafka.status(config))
        print(kafka.status(config, secure=True))


def _secure_settings(config, identity: str = "hotline-admin"):
    """Settings of `identity` on the secure local broker (HOTLINE_TOPIC_PREFIX and the rest from
    the environment)."""
    from hotline.stack import kafka
    from hotline.stack.secure import SecureFiles
    from shared.settings import Settings

    return SecureFiles(kafka.home_of(config, secure=True)).settings_for(
        Settings(), f"127.0.0.1:{config.kafka_secure_port}", identity)


def _secure_acls(config) -> None:
    from hotline.acls import acls, apply

    settings = _secure_settings(config)
    print(f"acls: {asyncio.run(apply(settings, acls(settings)))} applied (topic prefix "
          f"{settings.topic_prefix!r}; `hotline acls --apply` for another)")


def _migrate(args) -> None:
    from hotline.provision import migrate_all
    from shared.migrations import MigrationError

    unknown = set(args.services) - set(PROCESSES)
    if unknown:
        raise SystemExit(f"error: unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(PROCESSES)}")
    try:
        applied = asyncio.run(migrate_all(_settings(), args.services or None,
                                          undo_retired=getattr(args, "undo_retired", False)))
    except MigrationError as exc:
        raise SystemExit(f"error: {exc}") from None
    print("\n".join(applied) if applied else "migrations: up to date")


def _topics(_args) -> None:
    from hotline.provision import TopicsRefused, create_topics

    try:
        created = asyncio.run(create_topics(_settings()))
    except TopicsRefused as exc:
        raise SystemExit(f"error: {exc}") from exc
    print(f"topics: created {len(created)}" + (f" ({', '.join(created)})" if created else ""))


def _acls(args) -> None:
    import shlex

    from hotline.acls import acls, apply, principals

    if args.env:
        from hotline.stack import kafka
        from hotline.stack.config import StackConfig
        from hotline.stack.secure import SecureFiles

        if args.env not in principals():
            raise SystemExit(f"error: unknown identity {args.env!r}; one of {', '.join(principals())}")
        config = StackConfig()
        files = SecureFiles(kafka.home_of(config, secure=True))
        if not files.credentials_file.exists():
            raise SystemExit("error: no secure local broker: run `hotline stack up --secure` first")
        for key, value in files.client_env(f"127.0.0.1:{config.kafka_secure_port}", args.env).items():
            print(f"export {key}={shlex.quote(value)}")
        return
    if not args.apply:  # printing needs only the topic prefix, no secrets
        os.environ.setdefault("HOTLINE_ENV", "development")
    settings = _settings()
    wanted = acls(settings)
    if args.apply:
        print(f"acls: {asyncio.run(apply(settings, wanted))} applied")
        return
    for acl in wanted:
        print(acl.line())


def _setup(args) -> None:
    args.services = []
    _migrate(args)
    _topics(args)


def _run(args) -> None:
    import uvicorn

    from hotline.registry import service_spec
    from shared.logging import configure_logging
    from shared.runtime import HTTP_DRAIN_SECONDS, create_app

    settings = _settings()
    configure_logging(args.service, settings.log_level)
    app = create_app(service_spec(args.service), settings, own_process=True)
    # Open requests get HTTP_DRAIN_SECONDS at shutdown, then the runtime's bounded steps run:
    # together under the pod's grace period.
    uvicorn.run(app, host=settings.http_host, port=settings.port_for(args.service),
                log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=int(HTTP_DRAIN_SECONDS))


def _wait(args) -> int:
    from hotline.registry import service_spec
    from shared.logging import configure_logging
    from shared.runtime import wait_until_provisioned

    settings = _settings()
    configure_logging(f"{args.service}-wait", settings.log_level)
    missing = asyncio.run(wait_until_provisioned(service_spec(args.service), settings, args.timeout))
    if missing is not None:
        print(f"error: {args.service}: still missing after {args.timeout:.0f} s: {missing}", file=sys.stderr)
        return 1
    print(f"{args.service}: schema and topics in place")
    return 0


def _up(_args) -> None:
    from hotline.stack.config import StackConfig
    from hotline.supervisor import Services, children_stopped_on_sigterm, port_of

    services = Services(list(PROCESSES), StackConfig().state_dir / "services")
    with children_stopped_on_sigterm():
        services.start()
        try:
            services.wait_ready()
            print(f"all five services and the staff workbench ready (http://127.0.0.1:{port_of('workbench')}/); "
                  "Ctrl-C stops them")
            services.wait()
        finally:
            services.stop()


def _bench(args) -> None:
    from hotline.bench import access, run_bench

    run_bench(args.rate, args.seconds, args.burst, args.json, args.profile, warmup=args.warmup,
              access=access.secure() if args.secure else access.plaintext())


def _replay(args) -> None:
    from hotline.registry import replayers

    result = asyncio.run(replayers()[args.service](_settings()))
    print(f"{args.service}: replayed from the log: {result}")


def _forget(args) -> None:
    import getpass
    import uuid

    from hotline.forget import forget_appeal, forget_due_now
    from services.intake.handlers.forgetting import NotYetDecided, UnknownAppeal

    if args.due == (args.appeal_id is not None):
        raise SystemExit("error: give an APPEAL_ID or --due (one of them)")
    if args.due:
        run = asyncio.run(forget_due_now(_settings()))
        print(f"forgot the petitioners of {run.forgotten} appeals (retention {run.retention_days} days)")
        return
    try:
        appeal_id = uuid.UUID(args.appeal_id)
    except ValueError:
        raise SystemExit(f"error: {args.appeal_id!r} is not an appeal id (a UUID)") from None
    try:
        done = asyncio.run(forget_appeal(_settings(), appeal_id, args.note, f"cli:{getpass.getuser()}"))
    except UnknownAppeal:
        raise SystemExit(f"error: no appeal {appeal_id} in intake") from None
    except NotYetDecided as undecided:
        raise SystemExit(f"error: the appeal is {undecided}; decide it before forgetting its petitioner") from None
    print(f"appeal {appeal_id}: petitioner {'already ' if done.already else ''}forgotten at "
          f"{done.forgotten_at.isoformat()}")


def _calendar(args) -> None:
    from hotline.registry import load_calendar

    try:
        outcome = asyncio.run(load_calendar(_settings(), args.file))
    except (ValueError, OSError) as exc:  # InvalidSchedule is a ValueError
        raise SystemExit(f"error: calendar refused: {exc}") from exc
    print(f"calendar loaded: {outcome}")


def _classifier(args) -> None:
    from hotline import classifier_cli

    if args.action == "train":
        print(asyncio.run(classifier_cli.train(_settings())))
    else:
        print(classifier_cli.report(_settings(), args.stored, args.cross_validate))


def _docs(_args) -> None:
    from hotline.docs import DOCS, write

    changed = write()
    print(f"docs: {len(changed)} document(s) updated in {DOCS}" if changed else "docs: up to date")


def _sms_log(args) -> None:
    from hotline.sms import LogFileGateway, deliver
    from shared.settings import Settings

    print(f"sms-log: writing petitioner notifications to {args.file} (phones masked); Ctrl-C stops")
    asyncio.run(deliver(Settings(), LogFileGateway(args.file)))


def _staff(args) -> int:
    from hotline.staff import run_staff_command

    return run_staff_command(args)


def _token(args) -> None:
    from datetime import timedelta

    from shared.auth import issue_token

    settings = _settings()
    audience = [settings.audience_for(name) for name in args.audience] if args.audience else None
    private_key = args.private_key.read_text(encoding="utf-8") if args.private_key else None
    try:
        channels = [c.strip() for c in args.channels.split(",") if c.strip()]
        print(issue_token(settings, args.sub, args.role, args.unit, timedelta(hours=args.hours),
                          audience=audience, private_key=private_key, kid=args.kid, channels=channels))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc


def _demo(args) -> int | None:
    from hotline.demo import run_demo

    return run_demo(once=args.once, appeals=args.appeals, days=args.days, settle_days=args.settle_days,
                    speed=args.speed, seed=args.seed, start=args.start, step_minutes=args.step_minutes)


def _simulate(args) -> int:
    from hotline.demo import simulate_city

    settings = _settings()
    try:
        clock = settings.clock()
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc
    from hotline.simulation.driver import Stepper

    # A platform on a stepped clock (HOTLINE_CLOCK_FILE) waits for this command to move it.
    stepper = Stepper(settings.clock_file) if clock.stepped else None
    ledger = simulate_city(settings, clock, appeals=args.appeals, days=args.days, settle_days=args.settle_days,
                           seed=args.seed, stepper=stepper)
    return 0 if ledger.decided == sum(ledger.submitted.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
