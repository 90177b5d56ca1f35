"""A real coturn for relay tests: Debian's `turnserver` in `use-auth-secret` mode (TURN REST
credentials, as docs/coturn.md deploys it) on a free 127.0.0.1 port.

Flags from shared/WEBRTC-ON-LOOPBACK.md: `--allow-loopback-peers` because both relayed
addresses are 127.0.0.1 (a real deployment must not allow that), and its own pid file,
user database and log in the test's tmp dir, never the system paths. It runs in its own
process group and is stopped with it; a missing `turnserver` fails loudly.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import stop_process_group
from tests.redis_server import free_port

START_TIMEOUT = 15.0
REALM = "tandem.test"


@dataclass
class TurnServer:
    port: int
    secret: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _command(turnserver: str, port: int, secret: str, workdir: Path) -> list[str]:
    relay_low = 40000 + (port % 2000) * 10  # a small relay range of its own
    return [
        turnserver,
        "-n",
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        f"--listening-port={port}",
        f"--min-port={relay_low}",
        f"--max-port={relay_low + 9}",
        "--use-auth-secret",
        f"--static-auth-secret={secret}",
        f"--realm={REALM}",
        "--allow-loopback-peers",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--fingerprint",
        "--verbose",  # logs each granted allocation with its user, which the tests read
        f"--log-file={workdir / 'turn.log'}",
        "--simple-log",
        "--no-stdout-log",
        f"--pidfile={workdir / 'turn.pid'}",
        f"--userdb={workdir / 'turndb'}",
    ]


def _listening(port: int) -> bool:
    # coturn also listens on TCP on the same port: a connect means it is ready.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def turn_server(tmp_path: Path) -> Iterator[TurnServer]:
    turnserver = shutil.which("turnserver")
    assert turnserver, "coturn is missing: apt-get install -y coturn"
    workdir = tmp_path / "turn"
    workdir.mkdir()
    server = TurnServer(free_port(), secrets.token_hex(16), workdir / "turn.log")
    process = subprocess.Popen(
        _command(turnserver, server.port, server.secret, workdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(server.port):
            assert process.poll() is None, f"turnserver exited:\n{server.log()[-3000:]}"
            assert time.monotonic() < deadline, f"turnserver did not listen:\n{server.log()}"
            time.sleep(0.05)
        yield server
    finally:
        stop_process_group(process)
