"""The real Apache Kafka broker (KRaft, one node) from Maven Central jars and the machine's Java."""

import asyncio
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hotline.stack.config import LOCAL_DEPLOY, StackConfig, StackError
from hotline.stack.processes import alive, port_open, spawn, stop
from hotline.stack.secure import SecureFiles

POM = LOCAL_DEPLOY / "pom.xml"


def kafka_version() -> str:
    text = POM.read_text()
    return text.split("<kafka.version>")[1].split("</kafka.version>")[0]


def jars(config: StackConfig) -> Path:
    """Resolve the broker's runtime jars with Maven into a cache keyed by version."""
    libs = config.cache_dir / f"kafka-{kafka_version()}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise StackError("mvn not found: install Maven (apt-get install maven) to fetch the Kafka jars")
    _require_java()
    libs.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
         "-DincludeScope=runtime", f"-DoutputDirectory={libs}"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise StackError("Maven could not resolve the Kafka jars: " + " | ".join(tail))
    marker.touch()
    return libs


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError("java not found: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)")
    return java


_LISTENER_KEYS = ("controller.quorum.voters=", "listeners=", "advertised.listeners=", "controller.listener.names=",
                  "inter.broker.listener.name=", "listener.security.protocol.map=")


def _properties(config: StackConfig, data_dir: Path, secure: SecureFiles | None = None) -> str:
    lines = _plain_properties(config, data_dir)
    if secure is None:
        return "\n".join(lines)
    p, c = config.kafka_secure_port, config.kafka_secure_controller_port
    return "\n".join([*(line for line in lines if not line.startswith(_LISTENER_KEYS)), *secure.properties(p, c), ""])


def _plain_properties(config: StackConfig, data_dir: Path) -> list[str]:
    p, c = config.kafka_port, config.kafka_controller_port
    return [
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{c}",
        f"listeners=PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{p}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={data_dir}",
        "num.partitions=6",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=6",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        # Topics and their partition counts come from `hotline topics`, not from a typo.
        "auto.create.topics.enable=false",
        "",
    ]


def jvm_flags(logs: Path) -> list[str]:
    """The JVM options Kafka's own start script (kafka-run-class.sh) gives a broker.

    G1 with a 20 ms pause goal, the rest as that script sets them, and its GC log rotated in
    the broker's log folder: a pause of the broker shows as a stall at every hop of every
    appeal, and the log says whether a latency spike was one.
    """
    return [
        "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
        f"-Xlog:gc*:file={logs / 'kafkaServer-gc.log'}:time,tags:filecount=5,filesize=20M",
    ]


def home_of(config: StackConfig, secure: bool = False) -> Path:
    """The broker's folder: the secure broker is a broker of its own, beside the plaintext one."""
    return config.state_dir / ("kafka-secure" if secure else "kafka")


def up(config: StackConfig, secure: bool = False) -> str:
    home = home_of(config, secure)
    pid_file = home / "kafka.pid"
    port, port_variable = ((config.kafka_secure_port, "HOTLINE_STACK_KAFKA_SECURE_PORT") if secure
                           else (config.kafka_port, "HOTLINE_STACK_KAFKA_PORT"))
    bootstrap = f"127.0.0.1:{port}"
    if alive(pid_file) and port_open(port):
        return f"kafka{' (TLS + SASL/SCRAM + ACLs)' if secure else ''} already running on {bootstrap}"
    java = _require_java()
    if port_open(port):
        raise StackError(f"port {port} is taken by another process; set {port_variable}")
    started = time.monotonic()
    libs = jars(config)
    (home / "logs").mkdir(parents=True, exist_ok=True)  # the GC log is opened before log4j makes it
    files = SecureFiles(home) if secure else None
    if files is not None:
        files.prepare()
    props = home / "server.properties"
    props.write_text(_properties(config, home / "data", files))
    classpath = f"{libs}/*"
    cluster_id_file = home / "cluster.id"
    if not cluster_id_file.exists():
        cluster_id = subprocess.run(
            [java, "-cp", classpath, "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
        cluster_id_file.write_text(cluster_id)
    fmt = subprocess.run(
        [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "--ignore-formatted",
         "-t", cluster_id_file.read_text().strip(), "-c", str(props),
         *(files.format_arguments() if files is not None else [])],
        capture_output=True, text=True,
    )
    if fmt.returncode != 0:
        raise StackError("kafka storage format failed: " + fmt.stderr.strip().splitlines()[-1])
    spawn(
        [java, f"-Xms{config.kafka_heap}", f"-Xmx{config.kafka_heap}", *jvm_flags(home / "logs"),
         f"-Dlog4j2.configurationFile={LOCAL_DEPLOY / 'log4j2.properties'}",
         f"-Dkafka.logs.dir={home / 'logs'}", "-cp", classpath, "kafka.Kafka", str(props)],
        home / "kafka.out", pid_file,
    )
    options = {"bootstrap_servers": bootstrap}
    if files is not None:
        from shared.kafka.security import client_options
        from shared.settings import Settings

        options = client_options(files.settings_for(Settings(env="development"), bootstrap))
    asyncio.run(_wait_ready(port, pid_file, options))
    mode = " with TLS + SASL/SCRAM + ACLs" if secure else ""
    return f"kafka {kafka_version()} up on {bootstrap}{mode} in {time.monotonic() - started:.1f}s"


async def answers(bootstrap: str, ask: Callable[[Any], Awaitable[bool]],
                  options: dict[str, Any] | None = None) -> bool:
    """Whether the Kafka at `bootstrap` answers `ask(admin client)` now (False while it starts).
    `options` are the client's connection settings (TLS, SASL) where the broker asks for them."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**{**(options or {}), "bootstrap_servers": bootstrap}, request_timeout_ms=3000)
    try:
        await admin.start()
        return await ask(admin)
    except Exception:  # noqa: BLE001 - not answering yet; the caller tries again
        return False
    finally:
        await admin.close()


async def _lists_topics(admin: Any) -> bool:
    await admin.list_topics()
    return True


async def _wait_ready(port: int, pid_file: Path, options: dict[str, Any], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive(pid_file) is None:
            raise StackError(f"kafka exited during start; see {pid_file.parent / 'kafka.out'}")
        if port_open(port) and await answers(options["bootstrap_servers"], _lists_topics, options):
            return
        await asyncio.sleep(0.3)
    raise StackError(f"kafka did not answer within {timeout:.0f}s; see {pid_file.parent / 'kafka.out'}")


def down(config: StackConfig, secure: bool = False) -> str:
    stopped = stop(home_of(config, secure) / "kafka.pid", timeout=30)
    name = "kafka (secure)" if secure else "kafka"
    return f"{name} stopped" if stopped else f"{name} was not running"


def status(config: StackConfig, secure: bool = False) -> str:
    pid = alive(home_of(config, secure) / "kafka.pid")
    port = config.kafka_secure_port if secure else config.kafka_port
    name = "kafka (secure)" if secure else "kafka"
    if pid and port_open(port):
        return f"{name}: running (pid {pid}) on 127.0.0.1:{port}"
    return f"{name}: stopped" if pid is None else f"{name}: starting or stuck (pid {pid})"
