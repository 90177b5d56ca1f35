"""Real `tandem serve` processes sharing one redis-server, for the scale-out tests.

Each process is started the way an operator would (`tandem serve --port P` with REDIS_URL
in the environment) and is ready once /readyz says so; tests talk to it over loopback.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import PASSWORD, Pair, csrf_from
from tests.redis_server import RedisServer, free_port

BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0


def _env(redis: RedisServer | None, data_dir: Path, **extra: str) -> dict[str, str]:
    """As an operator would run it: JSON logs (tests read them), a short reconnect grace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "REDIS_"))}
    if redis is not None:
        env["REDIS_URL"] = redis.url
    defaults = {
        "TANDEM_DATA_DIR": str(data_dir),
        "TANDEM_LOG_LEVEL": "info",
        "TANDEM_LOG_FORMAT": "json",
        "TANDEM_RECONNECT_GRACE_SECONDS": "2",
    }
    env.update({**defaults, **extra})
    return env


class ServerProcess:
    """`redis=None` runs the embedded SQLite store in `data_dir` (one process)."""

    def __init__(
        self, redis: RedisServer | None, data_dir: Path, log: Path, *, port: int = 0, **env: str
    ) -> None:
        self.port = port or free_port()
        self.log_path = log
        self.env = _env(redis, data_dir, **env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "tandem"), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tandem serve did not start:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def ready(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def cli(redis: RedisServer | None, data_dir: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "tandem"), *args],
        env=_env(redis, data_dir),
        input=stdin.encode() if stdin else None,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode()


def make_pair_cli(
    redis: RedisServer | None, data_dir: Path, email: str = "coach@example.org"
) -> Pair:
    """A coach and an engagement created through the CLI, straight into Redis."""
    cli(redis, data_dir, "coach", "add", email, "--password-stdin", stdin=PASSWORD)
    out = cli(redis, data_dir, "engagement", "add", "--coach", email, "--client", "Kari")
    room = re.search(r"/engagements/([\w-]+)", out)
    invite = re.search(r"/i/([\w-]+)", out)
    assert room and invite, out
    return Pair(room.group(1), "", invite.group(1))


async def login_cookie(base_url: str, email: str = "coach@example.org") -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base_url}/login") as page:
            token = csrf_from(await page.text())
        form = {"email": email, "password": PASSWORD, "csrf": token}
        async with http.post(f"{base_url}/login", data=form, allow_redirects=False) as answer:
            assert answer.status == 303, await answer.text()
            return answer.cookies["tandem_session"].value


@dataclass
class Cluster:
    redis: RedisServer
    data_dir: Path
    nodes: list[ServerProcess]


@contextlib.contextmanager
def started_cluster(redis: RedisServer, tmp_path: Path, **env: str) -> Iterator[Cluster]:
    """Two `tandem serve` processes on one redis-server, stopped (and checked) at the end."""
    data_dir = tmp_path / "data"
    nodes = [ServerProcess(redis, data_dir, tmp_path / f"node{i}.log", **env) for i in (0, 1)]
    try:
        for node in nodes:
            node.start()
        yield Cluster(redis, data_dir, nodes)
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    with started_cluster(redis_server, tmp_path) as made:
        yield made
