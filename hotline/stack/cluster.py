"""A three-node Apache Kafka cluster on loopback with identities, for the tests of replication,
broker loss and authorisation.

Each node is broker and controller at once (KRaft, node ids 1-3) with its own data dir under
the directory the caller gives; the quorum is static (`controller.quorum.voters` lists all
three), so StorageTool formats every node with the same cluster id and needs neither
`--standalone` nor `--initial-controllers` (checked with Kafka 4.1.1). Internal topics are
replicated three times with min ISR 2, so the cluster keeps accepting acks=all writes with one
node down. It reuses the single-node stack's jars (`hotline.stack.kafka.jars`) and process
helpers, binds its own ports (19192-19197 by default, off the stack's 19092/19093 and the secure
broker's 19096/19097) and never touches the stack's brokers.

Like `hotline stack up --secure` (hotline/stack/secure.py, whose files it uses), clients reach it
only with TLS and SASL/SCRAM as one of the identities of hotline/acls.py, and StandardAuthorizer
refuses what no ACL allows: `cluster.settings_for(base, "hotline-routing")` is such a client,
the nodes talk to each other as `hotline-admin` over SASL_SSL and, between controllers, by the
broker's certificate (mutual TLS). The CA, the one broker certificate (127.0.0.1) the three
nodes share and the passwords are in `<home>/tls` and `<home>/credentials.json`.

    cluster = Cluster(tmp_dir)
    cluster.up()                       # format, start the three nodes, wait until all three serve
    admin = cluster.settings_for(Settings(env="test"))  # a client as hotline-admin (super user)
    victim = cluster.active_controller()  # the quorum's leader (hotline.stack.quorum)
    cluster.kill(victim)               # SIGKILL, as in a crash
    cluster.start(victim)              # rejoin with its old data
    cluster.down()
"""

import asyncio
import base64
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.acls import ADMIN
from hotline.stack.config import LOCAL_DEPLOY, StackConfig, StackError
from hotline.stack.kafka import _require_java, answers, jars, kafka_version
from hotline.stack.processes import alive, port_open, spawn
from hotline.stack.quorum import quorum_leader
from hotline.stack.secure import SecureFiles
from shared.kafka.security import client_options
from shared.settings import Settings

# (broker port, controller port) of nodes 1, 2, 3.
DEFAULT_PORTS = ((19192, 19193), (19194, 19195), (19196, 19197))


@dataclass(frozen=True)
class Node:
    node_id: int
    port: int
    controller_port: int
    home: Path

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "kafka.out"


class Cluster:
    def __init__(self, home: Path, ports: tuple[tuple[int, int], ...] = DEFAULT_PORTS,
                 heap: str = "320m", config: StackConfig | None = None) -> None:
        self.home = Path(home)
        # Three JVMs share two cores with the services and PostgreSQL: a small heap each.
        self.heap = heap
        # The serial collector and the C1 compiler alone start a node in about 3/4 of the time
        # of G1 with full JIT on two busy cores (measured: up 55-68 s against 73-74 s, a
        # restart 14-20 s against 29-35 s), and a test's few hundred records/s need no more.
        self.jvm_flags: tuple[str, ...] = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
        self.config = config or StackConfig()
        self.nodes = {i: Node(i, p, c, self.home / f"node{i}") for i, (p, c) in enumerate(ports, start=1)}
        self.files = SecureFiles(self.home)

    def settings_for(self, base: Settings, principal: str = ADMIN) -> Settings:
        """`base` as a client of this cluster acting as `principal` (hotline-admin: a super user)."""
        return self.files.settings_for(base, self.bootstrap, principal)

    def client_options(self, principal: str = ADMIN) -> dict[str, Any]:
        """aiokafka keyword arguments of `principal` on this cluster."""
        return client_options(self.settings_for(Settings(env="test"), principal))

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes.values())

    @property
    def controllers(self) -> str:
        return ",".join(f"127.0.0.1:{n.controller_port}" for n in self.nodes.values())

    def up(self, timeout: float = 180.0) -> str:
        """Format the three nodes with one cluster id, start them, wait until all three serve."""
        started = time.monotonic()
        taken = [p for n in self.nodes.values() for p in (n.port, n.controller_port) if port_open(p)]
        if taken:
            raise StackError(f"ports {taken} are taken by another process; is a cluster already running?")
        java, classpath = _require_java(), f"{jars(self.config)}/*"
        cluster_id = _cluster_id()
        self.files.prepare()  # the CA, the nodes' certificate, a password per identity
        # One JVM per format, all at once: on two busy cores each takes seconds.
        formats = {}
        for node in self.nodes.values():
            node.home.mkdir(parents=True, exist_ok=True)
            (node.home / "server.properties").write_text(self._properties(node))
            formats[node.node_id] = subprocess.Popen(
                [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "--ignore-formatted",
                 "-t", cluster_id, "-c", str(node.home / "server.properties"),
                 *self.files.format_arguments()],  # every identity's SCRAM credential
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
        for node_id, proc in formats.items():
            output, _ = proc.communicate()
            if proc.returncode != 0:
                raise StackError(f"node {node_id}: storage format failed: "
                                 + (output.strip().splitlines() or ["no output"])[-1])
        for node in self.nodes.values():
            self._spawn(node)
        try:
            asyncio.run(self._wait_for_brokers(set(self.nodes), timeout))
        except BaseException:
            self.down()  # a half-started cluster must not outlive the caller
            raise
        return (f"kafka {kafka_version()} cluster of {len(self.nodes)} up on {self.bootstrap} "
                f"in {time.monotonic() - started:.1f}s")

    def kill(self, node_id: int) -> None:
        """SIGKILL one node: no controlled shutdown, no flush, as in a crash of its machine."""
        node = self.nodes[node_id]
        pid = alive(node.pid_file)
        if pid is None:
            raise StackError(f"node {node_id} is not running")
        os.kill(pid, signal.SIGKILL)
        _reap(pid, wait=True)
        while alive(node.pid_file) is not None:  # not our child (another process started it)
            time.sleep(0.05)
        node.pid_file.unlink(missing_ok=True)

    def start(self, node_id: int, timeout: float = 90.0) -> None:
        """Start a stopped node again on its old data; return once the cluster lists it."""
        node = self.nodes[node_id]
        if alive(node.pid_file) is not None:
            raise StackError(f"node {node_id} is already running")
        self._spawn(node)
        asyncio.run(self._wait_for_brokers({node_id}, timeout))

    def down(self, timeout: float = 20.0) -> None:
        """SIGTERM every node at once (one by one, the last ones would wait for a lost quorum),
        then SIGKILL whatever still runs after `timeout`."""
        pids = {n.node_id: alive(n.pid_file) for n in self.nodes.values()}
        running = {i: pid for i, pid in pids.items() if pid is not None}
        for pid in running.values():
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running and time.monotonic() < deadline:
            for i, pid in list(running.items()):
                _reap(pid)
                if alive(self.nodes[i].pid_file) is None:
                    del running[i]
            time.sleep(0.2)
        for pid in running.values():
            os.kill(pid, signal.SIGKILL)
            _reap(pid, wait=True)
        for node in self.nodes.values():
            node.pid_file.unlink(missing_ok=True)

    def running(self) -> list[int]:
        return [i for i, n in self.nodes.items() if alive(n.pid_file) is not None]

    def active_controller(self) -> int:
        """The node id of the quorum's leader (the active controller)."""
        return asyncio.run(quorum_leader(self.client_options()))

    def _spawn(self, node: Node) -> None:
        java, classpath = _require_java(), f"{jars(self.config)}/*"
        spawn(
            [java, f"-Xms{self.heap}", f"-Xmx{self.heap}", *self.jvm_flags,
             f"-Dlog4j2.configurationFile={LOCAL_DEPLOY / 'log4j2.properties'}",
             f"-Dkafka.logs.dir={node.home / 'logs'}", "-cp", classpath, "kafka.Kafka",
             str(node.home / "server.properties")],
            node.log_file, node.pid_file,
        )

    def _properties(self, node: Node) -> str:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes.values())
        replicas = len(self.nodes)
        min_isr = min(2, replicas)
        return "\n".join([
            "process.roles=broker,controller",
            f"node.id={node.node_id}",
            # listeners, TLS, SASL/SCRAM and the authorizer: as the secure single broker's
            *self.files.properties(node.port, node.controller_port, voters),
            f"log.dirs={node.home / 'data'}",
            "num.partitions=6",
            f"default.replication.factor={replicas}",
            f"min.insync.replicas={min_isr}",
            # Consumer offsets and transactions must survive a lost node like the data does.
            f"offsets.topic.replication.factor={replicas}",
            "offsets.topic.num.partitions=6",
            f"transaction.state.log.replication.factor={replicas}",
            f"transaction.state.log.min.isr={min_isr}",
            f"share.coordinator.state.topic.replication.factor={replicas}",
            f"share.coordinator.state.topic.min.isr={min_isr}",
            "group.initial.rebalance.delay.ms=0",
            # A replica that missed writes must never become leader: that would lose acked data.
            "unclean.leader.election.enable=false",
            "auto.create.topics.enable=false",
            "",
        ])

    async def _wait_for_brokers(self, node_ids: set[int], timeout: float) -> None:
        """Until the cluster's metadata lists every node in `node_ids` as a live broker."""

        async def all_serving(admin: Any) -> bool:
            return node_ids <= {b["node_id"] for b in (await admin.describe_cluster())["brokers"]}

        options = self.client_options()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in node_ids:
                if alive(self.nodes[i].pid_file) is None:
                    raise StackError(f"node {i} exited during start; see {self.nodes[i].log_file}")
            if not all(port_open(self.nodes[i].port) for i in node_ids):
                await asyncio.sleep(0.5)  # not listening yet: spare the log aiokafka's connect errors
                continue
            if await answers(self.bootstrap, all_serving, options):
                return
            await asyncio.sleep(0.5)
        raise StackError(f"nodes {sorted(node_ids)} not serving within {timeout:.0f}s; see {self.home}/node*/kafka.out")


def _cluster_id() -> str:
    """What `StorageTool random-uuid` prints (Kafka's Uuid: 16 random bytes, URL-safe base64
    without padding, never starting with '-'), without starting a JVM for it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _reap(pid: int, wait: bool = False) -> None:
    """Collect a child's exit status so it does not linger as a zombie (which `alive` sees)."""
    try:
        os.waitpid(pid, 0 if wait else os.WNOHANG)
    except ChildProcessError:
        pass
