"""The `hotline` command: local stack, provisioning, running services, the demo."""

import argparse
import asyncio
import sys
from pathlib import Path

from hotline.registry import PROCESSES


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
    sub = parser.add_subparsers(required=True, metavar="command")

    stack = sub.add_parser("stack", help="the local Kafka broker and PostgreSQL server")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.set_defaults(func=_stack)

    migrate = sub.add_parser("migrate", help="apply each service's database migrations")
    migrate.add_argument("services", nargs="*", metavar="service", help=f"some of: {', '.join(PROCESSES)}")
    migrate.add_argument("--undo-retired", action="store_true",
                         help="undo migrations deleted on purpose (shared.migrations.RETIRED) that the database applied")
    migrate.set_defaults(func=_migrate)

    sub.add_parser("topics", help="create the Kafka topics of the registry").set_defaults(func=_topics)
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

    replay = sub.add_parser("replay", help="rebuild a read model from the Kafka log (stop that service first)")
    replay.add_argument("service", choices=["publication", "assessment"])
    replay.set_defaults(func=_replay)

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
    bench.add_argument("--profile", type=Path, metavar="DIR",
                       help="record each service with py-spy during the full-speed phase into DIR and "
                            "print its hot spots")
    bench.set_defaults(func=_bench)

    token = sub.add_parser("token", help="issue a development access token (HS256)")
    token.add_argument("--role", required=True, choices=["operator", "supervisor", "unit", "channel", "admin"])
    token.add_argument("--unit", help="unit code, for --role unit")
    token.add_argument("--sub", default="dev", help="who the token is for")
    token.add_argument("--hours", type=float, default=8.0)
    token.set_defaults(func=_token)

    demo = sub.add_parser("demo", help="start everything and follow appeals through the five services")
    demo.add_argument("--once", action="store_true", help="stop the services when the report is printed")
    demo.add_argument("--appeals", type=int, default=3000, help="appeals in the simulated day")
    demo.add_argument("--days", type=float, default=1.0, help="virtual days over which they arrive")
    demo.add_argument("--settle-days", type=float, default=30.0, help="virtual days of handling afterwards")
    demo.add_argument("--speed", type=float, default=17280.0, help="virtual seconds per real second")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=_demo)

    simulate = sub.add_parser(
        "simulate", help="file a seeded city's appeals into the running platform and report what it did",
        description="Drives the platform that HOTLINE_* describe (started by `hotline up`, or deployed) "
                    "with the demo's simulated city. Compressed time needs the platform and this command "
                    "on one virtual clock: the same HOTLINE_CLOCK_START, _SPEED and _ANCHOR.")
    simulate.add_argument("--appeals", type=int, default=1000, help="appeals to file")
    simulate.add_argument("--days", type=float, default=1.0, help="virtual days over which they arrive")
    simulate.add_argument("--settle-days", type=float, default=5.0, help="virtual days of handling afterwards")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.set_defaults(func=_simulate)
    return parser


def _stack(args) -> None:
    from hotline.stack import kafka, postgres
    from hotline.stack.config import StackConfig

    config = StackConfig()
    if args.action == "up":
        print(postgres.up(config))
        print(kafka.up(config))
        print(f"HOTLINE_KAFKA_BOOTSTRAP={config.kafka_bootstrap} HOTLINE_DATABASE_URL={config.database_url}")
    elif args.action == "down":
        print(kafka.down(config))
        print(postgres.down(config))
    else:
        print(postgres.status(config))
        print(kafka.status(config))


def _migrate(args) -> None:
    from hotline.provision import migrate_all
    from shared.migrations import MigrationError
    from shared.settings import Settings

    unknown = set(args.services) - set(PROCESSES)
    if unknown:
        raise SystemExit(f"error: unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(PROCESSES)}")
    try:
        applied = asyncio.run(migrate_all(Settings(), args.services or None,
                                          undo_retired=getattr(args, "undo_retired", False)))
    except MigrationError as exc:
        raise SystemExit(f"error: {exc}") from None
    print("\n".join(applied) if applied else "migrations: up to date")


def _topics(_args) -> None:
    from hotline.provision import create_topics
    from shared.settings import Settings

    created = asyncio.run(create_topics(Settings()))
    print(f"topics: created {len(created)}" + (f" ({', '.join(created)})" if created else ""))


def _setup(args) -> None:
    args.services = []
    _migrate(args)
    _topics(args)


def _run(args) -> None:
    import uvicorn

    from hotline.registry import service_specs
    from shared.logging import configure_logging
    from shared.runtime import create_app
    from shared.settings import Settings

    settings = Settings()
    configure_logging(args.service, settings.log_level)
    app = create_app(service_specs()[args.service], settings, own_process=True)
    uvicorn.run(app, host=settings.http_host, port=settings.port_for(args.service),
                log_config=None, access_log=False, lifespan="on")


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
    from hotline.bench import run_bench

    run_bench(args.rate, args.seconds, args.burst, args.json, args.profile, warmup=args.warmup)


def _replay(args) -> None:
    from hotline.registry import replayers
    from shared.settings import Settings

    result = asyncio.run(replayers()[args.service](Settings()))
    print(f"{args.service}: replayed from the log: {result}")


def _calendar(args) -> None:
    from hotline.registry import load_calendar
    from shared.settings import Settings

    try:
        outcome = asyncio.run(load_calendar(Settings(), args.file))
    except (ValueError, OSError) as exc:  # InvalidSchedule is a ValueError
        raise SystemExit(f"error: calendar refused: {exc}") from exc
    print(f"calendar loaded: {outcome}")


def _classifier(args) -> None:
    from hotline import classifier_cli
    from shared.settings import Settings

    if args.action == "train":
        print(asyncio.run(classifier_cli.train(Settings())))
    else:
        print(classifier_cli.report(Settings(), args.stored, args.cross_validate))


def _docs(_args) -> None:
    from hotline.docs import DOCS, write

    changed = write()
    print(f"docs: {len(changed)} document(s) updated in {DOCS}" if changed else "docs: up to date")


def _staff(args) -> int:
    from hotline.staff import run_staff_command

    return run_staff_command(args)


def _token(args) -> None:
    from datetime import timedelta

    from shared.auth import issue_token
    from shared.settings import Settings

    try:
        print(issue_token(Settings(), args.sub, args.role, args.unit, timedelta(hours=args.hours)))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc


def _demo(args) -> None:
    from hotline.demo import run_demo

    return run_demo(once=args.once, appeals=args.appeals, days=args.days, settle_days=args.settle_days,
                    speed=args.speed, seed=args.seed)


def _simulate(args) -> None:
    from hotline.demo import simulate_city
    from shared.settings import Settings

    settings = Settings()
    try:
        clock = settings.clock()
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc
    ledger = simulate_city(settings, clock, appeals=args.appeals, days=args.days, settle_days=args.settle_days,
                           seed=args.seed)
    return 0 if ledger.decided == sum(ledger.submitted.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
