"""`make demo`: the whole platform doing its job on a simulated, compressed city day.

Starts the stack and the five services on a stepped virtual clock (shared/clock.py: an hour
at a time, moved only when every service has caught up, at most `speed` times real time),
lets a seeded simulation file appeals, answer them as the units would, play the 12345 centre
(reviews of returned letters, extension decisions, return calls, closing the month), then
prints what happened: acceptance, rejections, dispatches, overdue and supervised appeals, and
the month's unit ranking. The same seed and start give the same report on any machine.
"""

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from hotline.provision import drop_environments, fresh_environment
from hotline.registry import PROCESSES
from hotline.simulation.driver import CitySimulation, Ledger, Stepper
from hotline.simulation.generator import submissions, true_clusters
from hotline.stack import kafka, postgres
from hotline.stack.config import StackConfig
from hotline.staff import DEMO_ACCOUNTS, DEMO_PASSWORD, add_demo_accounts
from hotline.supervisor import Services, children_stopped_on_sigterm, port_of
from shared.clock import Clock, write_clock_file
from shared.contracts.local_time import SHANGHAI, month_of
from shared.contracts.topics import SERVICES
from shared.settings import Settings

RANKING_TOP = 5


def default_start() -> datetime:
    """09:00 in Shenyang today: the same day gives the same calendar, so the same report."""
    return datetime.now(SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0)


def run_demo(once: bool = False, appeals: int = 3000, days: float = 1.0, settle_days: float = 30.0,
             speed: float = 17280.0, seed: int = 7, *, kind: str = "demo", start: datetime | None = None,
             step_minutes: float = 60.0) -> int:
    """`kind` names the database and topics the run gets (`hotline_<kind>_<time>`) and the earlier
    ones it drops: a test runs the demo under its own kind and leaves a running demo alone.
    `speed` is the fastest pace (virtual seconds per second); a slower platform sets its own."""
    config = StackConfig()
    print("== stack ==")
    print(" ", postgres.up(config))
    print(" ", kafka.up(config))
    base = Settings()
    # Each demo runs in a fresh database and topic prefix: an earlier demo's open appeals
    # would otherwise go overdue on this run's clock and muddle its report.
    asyncio.run(drop_environments(base, kind))
    settings = asyncio.run(fresh_environment(base, kind, datetime.now(UTC).strftime("%Y%m%d%H%M%S")))
    state = config.state_dir / ("services" if kind == "demo" else kind)
    state.mkdir(parents=True, exist_ok=True)
    stepper = Stepper(str(state / "clock"), timedelta(minutes=step_minutes), speed)
    start = start or default_start()
    if start.tzinfo is None:
        start = start.replace(tzinfo=SHANGHAI)
    write_clock_file(stepper.file, start)  # before any service reads it
    clock = Clock(speed=speed, file=stepper.file)
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix,
           "HOTLINE_CLOCK_FILE": stepper.file, "HOTLINE_CLOCK_SPEED": str(speed), "HOTLINE_LOG_LEVEL": "WARNING",
           # A step waits until every consumer committed its offsets, sla's poller fired what is
           # due and intake's upkeep dispatched unconfirmed answers: all are made prompt, or each
           # step would wait for their timers.
           "HOTLINE_OFFSET_COMMIT_SECONDS": "0.02", "HOTLINE_SLA_POLL_SECONDS": "0.05",
           "HOTLINE_CLASSIFIER_POLL_SECONDS": "0.5"}
    services = Services(list(PROCESSES), state, env)
    with children_stopped_on_sigterm():  # `kill` of the demo stops its services, as Ctrl-C does
        services.start()
        try:
            services.wait_ready(timeout=90)
            add_demo_accounts(settings)
            print(f"  five services and the staff workbench ready; stepped virtual clock at {clock.now().astimezone(SHANGHAI):%Y-%m-%d %H:%M} "
                  f"Shenyang, {step_minutes:g} min a step once every service has caught up, at most "
                  f"{speed:.0f}x (a day every {86400 / speed:.0f} s)")
            simulate_city(settings, clock, appeals=appeals, days=days, settle_days=settle_days, seed=seed,
                          stepper=stepper)
            if once:
                return 0
            print("\nThe platform keeps running; Ctrl-C stops the services (the stack stays: `hotline stack down`).")
            services.wait()
        finally:
            services.stop()
    return 0


def simulate_city(settings: Settings, clock: Clock, *, appeals: int, days: float, settle_days: float,
                  seed: int, stepper: Stepper | None = None) -> Ledger:
    """File a seeded city's appeals into the running platform on `clock`, play the units, the
    petitioners and the centre until `settle_days` after the last one, and print the report."""
    urls = {name: f"http://127.0.0.1:{port_of(name)}" for name in ("intake", "routing", "sla", "publication", "assessment")}
    simulation = CitySimulation(settings, clock, seed=seed, appeals=appeals, span=timedelta(days=days), urls=urls,
                                stepper=stepper)
    print(f"\n== a simulated city: {appeals} appeals over {days:g} day(s), then {settle_days:g} days of handling ==")
    ledger = asyncio.run(simulation.run(settle=timedelta(days=settle_days), progress=_progress(clock)))
    print()
    _report(ledger, clock, timedelta(days=days), seeded=_seeded_problems(simulation, clock))
    return ledger


def _seeded_problems(simulation: CitySimulation, clock: Clock) -> dict[str, int]:
    """The simulation's ground truth: its seeded problems and how many reports each got (the
    stream is the same for the same seed, whatever its start)."""
    stream = submissions(simulation.seed, simulation.appeals, clock.now(), simulation.span, simulation.mix)
    return true_clusters(stream, 1)


def _progress(clock: Clock, stream=None):
    """A bar redrawn in place twice a second on a terminal; into a log or a pipe, where each
    redraw would be kept, a line every 10 s."""
    stream = stream or sys.stderr
    terminal = stream.isatty()
    every, last = (0.5 if terminal else 10.0), [0.0]

    def show(ledger: Ledger, total: int) -> None:
        if time.monotonic() - last[0] < every:
            return
        last[0] = time.monotonic()
        sent = sum(ledger.submitted.values())
        width = 30
        filled = int(width * sent / total) if total else width
        line = (f"  [{'#' * filled}{'.' * (width - filled)}] {sent}/{total} submitted, "
                f"{ledger.decided} decided, {sum(ledger.dispatches.values())} dispatched, "
                f"{ledger.replies} replied, {ledger.overdue} overdue | {clock.now().astimezone(SHANGHAI):%m-%d %H:%M}")
        stream.write(f"\r{line}" if terminal else f"{line}\n")
        stream.flush()

    return show


def _report(ledger: Ledger, clock: Clock, span: timedelta, seeded: dict[str, int] | None = None) -> None:
    submitted = sum(ledger.submitted.values())
    print("== acceptance ==")
    print("  by channel: " + ", ".join(f"{k} {v}" for k, v in _most(ledger.by_channel)))
    print("  by type:    " + ", ".join(f"{k} {v}" for k, v in _most(ledger.by_type)))
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(ledger.outcomes.items()))
    verdict = "nothing missing" if ledger.decided == submitted else f"{submitted - ledger.decided} not (yet) decided"
    print(f"  submitted {submitted} = {outcomes} ({verdict})")
    print("  rejections: " + (", ".join(f"{k} {v}" for k, v in _most(ledger.rejections)) or "none"))
    print("\n== transfer and handling ==")
    print("  dispatches by unit: " + ", ".join(f"{k} {v}" for k, v in _most(ledger.dispatches)[:8])
          + (" ..." if len(ledger.dispatches) > 8 else ""))
    print(f"  returned {ledger.returns}, extensions asked {ledger.extensions}, replied {ledger.replies}, "
          f"rated {ledger.ratings}")
    print("  the centre: returns reviewed " + (_counts(ledger.reviews) or "none")
          + "; extensions decided " + (_counts(ledger.extension_decisions) or "none")
          + f"; reopened {ledger.reopened}, answered again {ledger.second_replies}")
    print("  the centre's queues: held appeals reviewed " + (_counts(ledger.intake_reviews) or "none")
          + "; return calls decided " + (_counts(ledger.return_calls) or "none"))
    print(f"  overdue {ledger.overdue}; supervision by level: "
          + (", ".join(f"L{k} {v}" for k, v in sorted(ledger.supervision.items())) or "none")
          + f"; concentrated-appeal clusters {len(ledger.clusters)}"
          + (f" (seeded problems {len(seeded)}: {', '.join(map(str, sorted(seeded.values(), reverse=True)))} reports)"
             if seeded is not None else ""))
    if ledger.month_closed:
        print(f"  month: {ledger.month_closed}")
    if ledger.steps:  # wall time: the one part of the report a machine's speed changes
        print(f"  (clock: {ledger.steps} steps; {ledger.waited:.0f} s waiting for the platform to catch up)")
    # The month that received most of the simulated appeals (the middle of their span).
    _ranking((ledger.started_at or clock.now()) + span / 2)
    print("\n== where to look ==")
    print(f"  public page     http://127.0.0.1:{port_of('publication')}/public")
    print(f"  dashboard       http://127.0.0.1:{port_of('assessment')}/dashboard")
    print(f"  staff workbench http://127.0.0.1:{port_of('workbench')}/   (demo accounts: {', '.join(DEMO_ACCOUNTS)}; "
          f"password {DEMO_PASSWORD})")
    for name in SERVICES:
        print(f"  {name:<12}    http://127.0.0.1:{port_of(name)}/docs (OpenAPI)   docs/asyncapi/{name}.json (AsyncAPI)")


def _most(counter) -> list[tuple[str, int]]:
    """Largest first, ties by name: Counter.most_common breaks ties by the order keys were first
    seen, which is the order events happened to arrive in."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _counts(counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))


def _ranking(received: datetime) -> None:
    """The ranking of the month in which the simulated appeals were received."""
    period = month_of(received)
    try:
        scores = httpx.get(f"http://127.0.0.1:{port_of('assessment')}/v1/scores",
                           params={"period": period}, timeout=10).json()
    except httpx.HTTPError as exc:
        print(f"\n== ranking == unavailable: {exc}")
        return
    # Units are ranked within their group (district governments against each other, and so on):
    # one list sorted by score across groups showed several "rank 1"s side by side.
    groups: dict[str, list[dict]] = {}
    for unit in scores.get("units", []):
        if unit.get("rank") is not None:
            groups.setdefault(unit.get("group") or "-", []).append(unit)
    print(f"\n== unit ranking, {period} (each group ranked on its own; its first {RANKING_TOP}) ==")
    for group, ranked in sorted(groups.items()):
        print(f"  {group} ({len(ranked)} ranked)")
        for unit in sorted(ranked, key=lambda u: (u["rank"], u["unit_code"]))[:RANKING_TOP]:
            print(f"    {unit['rank']:>2}. {unit['unit_code']:<18} score {unit['score']:6.2f}  "
                  f"received {unit['received']:>4}")


if __name__ == "__main__":
    sys.exit(run_demo(once="--once" in sys.argv))
