"""The sample nginx config (docs/deploy/nginx.conf) in front of two real processes.

nginx runs on loopback with the file as shipped, only its placeholders filled in. The
coach and the client connect through it with the route key their room pages carry, land
on the same process, and their messages stay in it (nothing is published to Redis); a
third person is refused. Without the key, connections are spread round robin and a room
split over the two processes works through Redis.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from rooms.accounts import SESSION_COOKIE
from tests.processes import Cluster, ServerProcess, login_cookie, make_pair_cli, started_cluster
from tests.redis_server import RedisServer, free_port
from tests.sockets import Recorder, client, coach
from web.affinity import route_key

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
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    """Two processes as in tests/processes.py, whose /metrics loopback may read."""
    with started_cluster(redis_server, tmp_path, **{"TANDEM_METRICS_ALLOW": "127.0.0.1"}) as made:
        yield made


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


async def published(node: ServerProcess) -> float:
    """How many Socket.IO messages the process has published to Redis (its /metrics)."""
    async with aiohttp.ClientSession() as http, http.get(f"{node.url}/metrics") as answer:
        text = await answer.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tandem_redis_publish_seconds_count"
    )


async def page_route(proxy: str, path: str, cookie: str | None = None) -> str:
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    async with aiohttp.ClientSession() as http, http.get(proxy + path, headers=headers) as page:
        assert page.status == 200, path
        found = re.search(r'<body[^>]* data-route="([0-9a-f]+)"', await page.text())
    assert found, f"{path} carries no route key"
    return found.group(1)


async def test_the_sample_config_puts_both_people_of_a_room_on_one_process(
    cluster: Cluster, proxy: str, recorders: list[Recorder]
) -> None:
    pair = make_pair_cli(cluster.redis, cluster.data_dir)
    pair.coach_cookie = await login_cookie(proxy)
    # Both room pages carry the same key, which is what the page's socket URL sends.
    route = await page_route(proxy, f"/engagements/{pair.engagement_id}/room", pair.coach_cookie)
    assert (
        route == await page_route(proxy, f"/i/{pair.invite}/room") == route_key(pair.engagement_id)
    )
    routed = f"{proxy}/?route={route}"
    c = await coach(routed, pair)
    k = await client(routed, pair)
    recorders += [c, k]
    assert (await c.call("join", {"device": c.device}))["ok"]
    assert (await k.call("join", {"device": k.device}))["ok"]
    await c.until("presence", lambda p: p["client"] == "here")
    seated = [node for node in cluster.nodes if node.log().count('"seat taken"') == 2]
    assert len(seated) == 1, "the coach and the client were routed to different processes"
    before = await published(seated[0])
    for _ in range(10):
        assert (await c.call("signal", OFFER))["ok"]
        assert (await k.next("signal"))["from"] == "coach"
        assert (await k.call("media", {"audio": True, "video": False, "screen": False}))["ok"]
        assert (await c.next("peer-media"))["role"] == "client"
    assert await published(seated[0]) == before, "a relay inside one process went via Redis"
    third = await client(routed, pair)
    recorders.append(third)
    assert (await third.call("join", {"device": third.device}))["error"] == "room-full"


async def test_without_the_route_key_a_room_spreads_over_two_processes_and_works(
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
    seated = [node for node in cluster.nodes if '"seat taken"' in node.log()]
    assert len(seated) == 2, "round robin put the coach and the client on one process"
    before = await published(seated[0]) + await published(seated[1])
    assert (await c.call("signal", OFFER))["ok"]
    assert (await k.next("signal"))["from"] == "coach"
    assert await published(seated[0]) + await published(seated[1]) > before
    third = await client(proxy, pair)
    recorders.append(third)
    assert (await third.call("join", {"device": third.device}))["error"] == "room-full"


def test_the_route_key_is_the_same_everywhere_and_tells_nothing() -> None:
    key = route_key("some-engagement-id")
    assert key == route_key("some-engagement-id") and re.fullmatch(r"[0-9a-f]{16}", key)
    assert key != route_key("another-engagement-id") and "some" not in key
