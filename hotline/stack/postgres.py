"""PostgreSQL 15 from the machine's binaries, in its own data directory, on loopback."""

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

from hotline.stack.config import StackConfig, StackError
from hotline.stack.processes import port_open


def bin_dir() -> Path:
    """Find pg_ctl: HOTLINE_PG_BIN, else Debian's layout (newest, 15 preferred), else PATH."""
    candidates = [os.environ.get("HOTLINE_PG_BIN", "")]
    candidates += ["/usr/lib/postgresql/15/bin"] + sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in filter(None, candidates):
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    raise StackError("PostgreSQL server binaries not found: install them (apt-get install postgresql-15) "
                     "or set HOTLINE_PG_BIN to the folder holding pg_ctl")


def _as_postgres(argv: list[str]) -> list[str]:
    """The server refuses to run as root: run its tools as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser") is None:
        raise StackError("running as root needs runuser to start PostgreSQL as the postgres user")
    return ["runuser", "-u", "postgres", "--", *argv]


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(_as_postgres(argv), capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise StackError(f"{what} failed: {lines[-1]}")
    return result


def _data_dir(config: StackConfig) -> Path:
    return config.state_dir / "postgres" / "data"


def _prepare(config: StackConfig) -> Path:
    home = config.state_dir / "postgres"
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(config.state_dir, 0o755)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    return home


def up(config: StackConfig) -> str:
    pg = bin_dir()
    home = _prepare(config)
    data = _data_dir(config)
    if _running(pg, data) and port_open(config.pg_port):
        return f"postgres already running on 127.0.0.1:{config.pg_port}"
    if port_open(config.pg_port):
        raise StackError(f"port {config.pg_port} is taken by another process; set HOTLINE_STACK_PG_PORT")
    started = time.monotonic()
    if not (data / "PG_VERSION").exists():
        _run([str(pg / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C.UTF-8"], "initdb")
    options = (f"-c listen_addresses=127.0.0.1 -p {config.pg_port} -k {home} -c max_connections=300 "
               "-c shared_buffers=256MB")
    if not config.pg_durable:
        options += " -c fsync=off -c full_page_writes=off"
    _run([str(pg / "pg_ctl"), "-D", str(data), "-l", str(home / "postgres.log"), "-o", options, "-w", "start"],
         "pg_ctl start")
    _ensure_database(pg, config, home)
    return f"postgres up on 127.0.0.1:{config.pg_port} in {time.monotonic() - started:.1f}s"


def _ensure_database(pg: Path, config: StackConfig, home: Path) -> None:
    psql = [str(pg / "psql"), "-h", str(home), "-p", str(config.pg_port), "-U", "postgres", "-tA"]
    exists = _run(psql + ["-c", f"SELECT 1 FROM pg_database WHERE datname = '{config.pg_database}'"],
                  "psql").stdout.strip()
    if exists != "1":
        _run(psql + ["-c", f"CREATE DATABASE {config.pg_database}"], "create database")


def _running(pg: Path, data: Path) -> bool:
    if not (data / "postmaster.pid").exists():
        return False
    return subprocess.run(_as_postgres([str(pg / "pg_ctl"), "-D", str(data), "status"]),
                          capture_output=True).returncode == 0


def down(config: StackConfig) -> str:
    pg = bin_dir()
    data = _data_dir(config)
    if not _running(pg, data):
        return "postgres was not running"
    _run([str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], "pg_ctl stop")
    return "postgres stopped"


def status(config: StackConfig) -> str:
    try:
        pg = bin_dir()
    except StackError as exc:
        return f"postgres: {exc}"
    if _running(pg, _data_dir(config)) and port_open(config.pg_port):
        return f"postgres: running on 127.0.0.1:{config.pg_port}"
    return "postgres: stopped"
