"""A real redis-server per test, on a free loopback port, never the ambient 6379.

The server runs in the test's tmp dir with append-only persistence on, so stopping and
starting it again (the outage tests) keeps its data, like a production restart would.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """Start/stop/restart keep the same port and data dir, so clients can reconnect."""

    def __init__(
        self, workdir: Path, *, appendonly: bool = True, replica_of: int | None = None
    ) -> None:
        """`replica_of`: the port of a master on loopback to replicate."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.appendonly = appendonly
        self.replica_of = replica_of
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.process is not None:
            raise RuntimeError("redis-server is already running")
        command = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--logfile",
            str(self.workdir / "redis.log"),
        ]
        if self.replica_of is not None:
            command += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        self.process = _launch(command, self.port, self.workdir / "redis.log")

    def stop(self) -> None:
        """SIGTERM and wait: connected clients see their connections drop at once."""
        process, self.process = self.process, None
        _terminate(process)

    def kill(self) -> None:
        """SIGKILL: the machine is gone, nothing is flushed or handed over."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


MASTER_NAME = "tandem"


class SentinelServer:
    """A real `redis-sentinel` watching one master on loopback: down after 1 s without an
    answer, failover by a quorum of two."""

    def __init__(self, workdir: Path, master_port: int) -> None:
        binary = shutil.which("redis-sentinel")
        if binary is None:
            raise RuntimeError("redis-sentinel is not installed (apt-get install redis-sentinel)")
        self.binary = binary
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = workdir / "sentinel.conf"
        self.config.write_text(  # sentinel rewrites this file with what it learns
            f"port {self.port}\n"
            "bind 127.0.0.1\n"
            "protected-mode no\n"
            f"dir {workdir}\n"
            f"logfile {workdir / 'sentinel.log'}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 10000\n"
            f"sentinel parallel-syncs {MASTER_NAME} 1\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = _launch(
            [self.binary, str(self.config)], self.port, self.workdir / "sentinel.log"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        _terminate(process)


def _launch(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Starts a server and returns once it answers PING on `port`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            _terminate(process)
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(command[0]).name} did not start on {port}:\n{text}")
        time.sleep(0.02)
    return process


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_redis(workdir: Path, *, appendonly: bool = True) -> Iterator[RedisServer]:
    server = RedisServer(workdir, appendonly=appendonly)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


BACKENDS = (pytest.param("sqlite"), pytest.param("redis", marks=pytest.mark.redis))


def backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """The store URL for a parametrised backend; starts redis-server only when asked."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    if backend == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return server.url
    raise ValueError(backend)
