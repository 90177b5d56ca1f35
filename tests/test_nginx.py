"""The sample nginx config (docs/deploy/nginx.conf) in front of two real processes.

nginx runs on loopback with the file as shipped, only its placeholders filled in; the
coach and the client connect through it, land on different processes (round robin), and
the room works; a third person is refused.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Cluster, login_cookie, make_pair_cli
from tests.redis_server import free_port
from tests.sockets import Recorder, client, coach

pytestmark = pytest.mark.redis

CONFIG = Path(__file__).resolve().parent.parent / "docs" / "deploy" / "nginx.conf"
OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


def render(rundir: Path, port: int, upstreams: list[str]) -> Path:
    text = CONFIG.read_text()
    text = text.replace("@RUNDIR@", str(rundir)).replace("@LISTEN@", f"127.0.0.1:{port}")
    text = text.replace("@UPSTREAMS@", "\n".join(f"        server {u};" for u in upstreams))
    path = rundir / "nginx.conf"
    path.write_text(text)
    return path


@pytest.fixture
def proxy(cluster: Cluster, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    rundir = tmp_path / "nginx"
    rundir.mkdir()
    port = free_port()
    upstreams = [node.url.removeprefix("http://") for node in cluster.nodes]
    config = render(rundir, port, upstreams)
    # `user root`: the workers must reach the temp dirs inside the test's private tmp dir.
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(rundir), "-g", "daemon off; user root;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            raise RuntimeError(f"nginx did not start: {err.decode(errors='replace')}")
        time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


async def test_the_sample_config_spreads_a_room_over_two_processes(
    cluster: Cluster, proxy: str, recorders: list[Recorder]
) -> None:
    pair = make_pair_cli(cluster.redis, cluster.data_dir)
    pair.coach_cookie = await login_cookie(proxy)
    c = await coach(proxy, pair)
    k = await client(proxy, pair)
    recorders += [c, k]
    assert (await c.call("join", {"device": c.device}))["ok"]
    assert (await k.call("join", {"device": k.device}))["ok"]
    await c.until("presence", lambda p: p["client"] == "here")
    assert (await c.call("signal", OFFER))["ok"]
    assert (await k.next("signal"))["from"] == "coach"
    third = await client(proxy, pair)
    recorders.append(third)
    assert (await third.call("join", {"device": third.device}))["error"] == "room-full"
    seated = [node for node in cluster.nodes if '"seat taken"' in node.log()]
    assert len(seated) == 2, "round robin put the coach and the client on different processes"
