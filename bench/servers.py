"""The servers under test: Tandem and the reference relays, each pinned to CPU 0.

The reference peers are copied from ../shared/peers (read-only there) into bench/.cache/peers
with their own node_modules and virtualenv, installed by their ordinary clients, and the
copy's loadgen.mjs is checked to be byte-identical to the original.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.machine import SERVER_CPU

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SHARED_PEERS = (ROOT.parent / "shared" / "peers").resolve()
if not SHARED_PEERS.is_dir():
    SHARED_PEERS = Path("/work/shared/peers")
CACHE = BENCH / ".cache"
PEERS = CACHE / "peers"
PEERS_PY = PEERS / ".venv-peers" / "bin" / "python"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench horse battery staple"
COACH = "bench@example.org"
PORT = 7101
PY_TUNED = ["--loop", "uvloop", "--json", "orjson", "--no-ws-compress", "--inline-handlers"]


@dataclass(frozen=True)
class Target:
    name: str
    proto: str  # loadgen --proto
    argv: tuple[str, ...]  # {P} is the port

    @property
    def tandem(self) -> bool:
        """Tandem itself (one process, or the scale-out scenario's processes)."""
        return self.name == "tandem" or self.name.startswith("tandem-")


def targets() -> dict[str, Target]:
    py, node = str(PEERS_PY), "node"
    tandem = (str(VENV_BIN / "tandem"), "serve", "--host", "127.0.0.1", "--port", "{P}")
    return {
        t.name: t
        for t in (
            Target("tandem", "socketio", tandem),
            Target(
                "node-socketio", "socketio", (node, "servers/node_socketio.js", "--port", "{P}")
            ),
            Target("py-socketio", "socketio", (py, "servers/py_socketio.py", "--port", "{P}")),
            Target(
                "py-socketio-tuned",
                "socketio",
                (py, "servers/py_socketio.py", "--port", "{P}", *PY_TUNED),
            ),
            Target("raw-aiohttp-ws", "ws", (py, "servers/raw_aiohttp_ws.py", "--port", "{P}")),
            Target("peerjs", "peerjs", (node, "servers/node_peerjs.js", "--port", "{P}")),
        )
    }


def ensure_peers() -> str:
    """Copies and installs the reference peers once; returns loadgen.mjs's sha256."""
    original = (SHARED_PEERS / "loadgen.mjs").read_bytes()
    if not (PEERS / "node_modules").is_dir() or not PEERS_PY.exists():
        CACHE.mkdir(exist_ok=True)
        shutil.rmtree(PEERS, ignore_errors=True)
        shutil.copytree(
            SHARED_PEERS, PEERS, ignore=shutil.ignore_patterns("node_modules", ".venv*")
        )
        for path in PEERS.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
        PEERS.chmod(0o755)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEERS, check=True)
        subprocess.run([sys.executable, "-m", "venv", ".venv-peers"], cwd=PEERS, check=True)
        pip = [str(PEERS_PY), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"]
        subprocess.run(pip, cwd=PEERS, check=True)
    for name in ("loadgen.mjs", "payloads.mjs"):
        if (PEERS / name).read_bytes() != (SHARED_PEERS / name).read_bytes():
            shutil.copyfile(SHARED_PEERS / name, PEERS / name)
    return hashlib.sha256(original).hexdigest()


def free_port(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not free_port(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """TERM, then KILL after 5 s: only the process this module started, by its pid."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@dataclass
class TandemFixture:
    """A data dir with one coach (made by the CLI) and a pool of engagements, copied fresh for
    every server start so no seat from an earlier run is still held."""

    template: Path
    pool: int
    engagements: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def create(cls, pool: int) -> TandemFixture:
        template = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
        env = {**os.environ, "TANDEM_DATA_DIR": str(template)}
        tandem = str(VENV_BIN / "tandem")
        subprocess.run(
            [tandem, "coach", "add", COACH, "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [tandem, "engagement", "add", "--coach", COACH, "--client", "Bench 0", "--lang", "en"],
            text=True,
            env=env,
            check=True,
            capture_output=True,
        ).stdout
        engagement = re.search(r"/engagements/([A-Za-z0-9_-]+)", out)
        invite = re.search(r"/i/([A-Za-z0-9_-]+)", out)
        assert engagement and invite, out
        fixture = cls(template, pool, [(engagement.group(1), invite.group(1))])
        fixture.engagements += asyncio.run(_bulk_engagements(template, pool - 1))
        return fixture

    def data_dir(self) -> Path:
        fresh = Path(tempfile.mkdtemp(prefix="tandem-bench-run-"))
        for path in self.template.iterdir():
            if path.is_file():
                shutil.copy2(path, fresh / path.name)
        return fresh

    def cleanup(self) -> None:
        shutil.rmtree(self.template, ignore_errors=True)


async def _bulk_engagements(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """The rest of the pool through the very call `tandem engagement add` makes, in one process
    (thousands of CLI start-ups would take minutes)."""
    from rooms.clock import wall_clock
    from rooms.engagements import EngagementDraft, Engagements
    from rooms.store import open_store, store_url

    store = await open_store(store_url(None, data_dir))
    try:
        coach = await store.coach_by_email(COACH)
        assert coach is not None
        engagements = Engagements(store, wall_clock)
        made = []
        for i in range(count):
            draft = EngagementDraft.parse({"client_name": f"Bench {i + 1}", "language": "en"})
            engagement = await engagements.create(coach.id, draft)
            made.append((engagement.id, engagement.invite_token))
        return made
    finally:
        await store.close()


async def login_cookie(port: int) -> str:
    """Logs the coach in the way a browser does (CSRF from the form) and returns the Cookie
    header value the coach's connections present."""
    import aiohttp

    jar = aiohttp.CookieJar(unsafe=True)
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{base}/login") as response:
            html = await response.text()
        match = re.search(r'name="csrf" value="([^"]+)"', html)
        assert match, "login page has no CSRF field"
        form = {"email": COACH, "password": PASSWORD, "csrf": match.group(1)}
        async with http.post(f"{base}/login", data=form, allow_redirects=False) as response:
            assert response.status in (302, 303), f"login failed: {response.status}"
    cookies = {c.key: c.value for c in jar}
    assert "tandem_session" in cookies, "no session cookie after login"
    return f"tandem_session={cookies['tandem_session']}"


@dataclass
class Running:
    target: Target
    proc: subprocess.Popen[bytes]
    port: int
    argv: list[str]
    env_note: dict[str, str]
    creds: Path | None = None
    used_rooms: int = 0
    # Several processes behind one or two addresses (the scale-out scenario): every URL
    # the generator spreads members over, and every pid whose CPU counts as the server's.
    urls: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def take_rooms(self, rooms: int) -> int:
        """Offset into the engagement pool for the next generator run against this server."""
        offset = self.used_rooms
        self.used_rooms += rooms
        return offset


@contextlib.contextmanager
def serving(
    target: Target,
    fixture: TandemFixture | None,
    log_dir: Path,
    port: int = PORT,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Running]:
    if not free_port(port):
        raise RuntimeError(f"port {port} is busy")
    argv = ["taskset", "-c", str(SERVER_CPU), *(a.replace("{P}", str(port)) for a in target.argv)]
    env = dict(os.environ)
    note: dict[str, str] = {}
    data_dir: Path | None = None
    if target.tandem:
        assert fixture is not None
        data_dir = fixture.data_dir()
        env["TANDEM_DATA_DIR"] = str(data_dir)
        note = {"TANDEM_DATA_DIR": "<fresh copy of the bench fixture>"}
    env.update(extra_env or {})
    note.update(extra_env or {})
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{target.name}.log").open("ab") as log:
        cwd = ROOT if target.tandem else PEERS
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=log)
    running = Running(target, proc, port, argv, note)
    try:
        wait_port(port)
        if target.tandem:
            assert fixture is not None
            cookie = asyncio.run(login_cookie(port))
            creds = log_dir / "tandem-creds.json"
            creds.write_text(json.dumps({"cookie": cookie, "engagements": fixture.engagements}))
            running.creds = creds
        time.sleep(0.5)
        yield running
    finally:
        stop(proc)
        if data_dir is not None:
            shutil.rmtree(data_dir, ignore_errors=True)
