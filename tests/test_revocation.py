"""Revoked means gone now (issue 12): rotating or revoking an invite, or logging out,
disconnects every socket that credential opened, on every namespace and on both of two
`tandem serve` processes on one redis-server, within a second; the old credential is
refused when it tries to come back. Each socket is told why first (`revoked` {reason})."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from rooms.accounts import SESSION_COOKIE
from rooms.revocation import RevokeReason
from server.keys import ACCOUNTS
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    REVOKED,
    ROOM_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
)
from tests.helpers import FakeClock, Pair, csrf_from, make_pair
from tests.processes import Cluster, login_cookie, make_pair_cli
from tests.sockets import Recorder

NAMESPACES = (
    ROOM_NAMESPACE,
    TIMER_NAMESPACE,
    BOARD_NAMESPACE,
    TECHCHECK_NAMESPACE,
    MESSAGES_NAMESPACE,
)
LIMIT = 1.0  # seconds from the answer to the revoking request


@pytest.fixture
async def pair(cluster: Cluster) -> Pair:
    made = make_pair_cli(cluster.redis, cluster.data_dir)
    made.coach_cookie = await login_cookie(cluster.nodes[0].url)
    return made


@pytest.fixture
async def opened() -> AsyncIterator[list[Recorder]]:
    recorders: list[Recorder] = []
    yield recorders
    await asyncio.gather(*(recorder.close() for recorder in recorders))


async def everywhere(
    cluster: Cluster, opened: list[Recorder], auth: dict[str, Any], cookie: str | None = None
) -> list[Recorder]:
    """One socket on each namespace of each process."""
    made = []
    for node in cluster.nodes:
        for namespace in NAMESPACES:
            recorder = Recorder(namespace)
            opened.append(recorder)
            await recorder.connect(node.url, auth, cookie=cookie)
            made.append(recorder)
    return made


async def cut(recorder: Recorder) -> tuple[float, Any]:
    """When the socket was disconnected, and the `revoked` it was told before."""
    await recorder.next("disconnect")
    at = time.monotonic()
    assert recorder.pending(REVOKED) == 1, f"{recorder.namespace}: no revoked before disconnect"
    return at, await recorder.next(REVOKED)


async def post(base: str, cookie: str, page: str, action: str) -> float:
    """Posts a coach's form (with its page's CSRF token); returns when the answer came."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, cookies={SESSION_COOKIE: cookie}) as http:
        async with http.get(f"{base}{page}") as answer:
            assert answer.status == 200, await answer.text()
            csrf = csrf_from(await answer.text())
        async with http.post(f"{base}{action}", data={"csrf": csrf}, allow_redirects=False) as done:
            answered = time.monotonic()
            assert done.status == 303, await done.text()
    return answered


async def all_cut_in_time(sockets: list[Recorder], answered_task: asyncio.Task[float]) -> list[Any]:
    results = await asyncio.wait_for(asyncio.gather(*(cut(s) for s in sockets)), 10)
    answered = await answered_task
    late = [
        (s.namespace, round(at - answered, 3))
        for s, (at, _) in zip(sockets, results, strict=True)
        if at - answered > LIMIT
    ]
    assert not late, f"disconnected later than {LIMIT} s after the answer: {late}"
    return [reason for _, reason in results]


async def refused(
    url: str, namespace: str, auth: dict[str, Any], cookie: str | None = None
) -> None:
    recorder = Recorder(namespace)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await recorder.connect(url, auth, cookie=cookie)
    finally:
        await recorder.close()


@pytest.mark.redis
@pytest.mark.parametrize("action", ["revoke", "rotate"])
async def test_an_ended_invite_cuts_the_client_on_every_namespace_of_both_processes(
    cluster: Cluster, pair: Pair, opened: list[Recorder], action: str
) -> None:
    clients = await everywhere(cluster, opened, {"invite": pair.invite})
    coaches = await everywhere(
        cluster, opened, {"engagement": pair.engagement_id}, pair.coach_cookie
    )
    page = f"/engagements/{pair.engagement_id}"
    answered = asyncio.create_task(
        post(cluster.nodes[0].url, pair.coach_cookie, page, f"{page}/invite/{action}")
    )
    reasons = await all_cut_in_time(clients, answered)
    expected = RevokeReason.INVITE_REVOKED if action == "revoke" else RevokeReason.INVITE_ROTATED
    assert reasons == [{"reason": expected.value}] * len(clients)
    assert all(coach.sio.connected for coach in coaches)  # only the invite's holder goes
    for node in cluster.nodes:
        for namespace in NAMESPACES:
            await refused(node.url, namespace, {"invite": pair.invite})


@pytest.mark.redis
async def test_logging_out_cuts_the_coach_on_every_namespace_of_both_processes(
    cluster: Cluster, pair: Pair, opened: list[Recorder]
) -> None:
    other = await login_cookie(cluster.nodes[1].url)  # another login of the same coach stays
    coaches = await everywhere(
        cluster, opened, {"engagement": pair.engagement_id}, pair.coach_cookie
    )
    kept = await everywhere(cluster, opened, {"engagement": pair.engagement_id}, other)
    clients = await everywhere(cluster, opened, {"invite": pair.invite})
    answered = asyncio.create_task(post(cluster.nodes[1].url, pair.coach_cookie, "/", "/logout"))
    reasons = await all_cut_in_time(coaches, answered)
    assert reasons == [{"reason": RevokeReason.LOGGED_OUT.value}] * len(coaches)
    assert all(recorder.sio.connected for recorder in kept + clients)
    for node in cluster.nodes:
        for namespace in NAMESPACES:
            await refused(
                node.url, namespace, {"engagement": pair.engagement_id}, pair.coach_cookie
            )


async def connected_coach(url: str, pair: Pair, opened: list[Recorder]) -> list[Recorder]:
    made = []
    for namespace in NAMESPACES:
        recorder = Recorder(namespace)
        opened.append(recorder)
        await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
        made.append(recorder)
    return made


async def test_an_expiring_login_cuts_the_coach_at_its_expiry(
    server: TestServer, clock: FakeClock, opened: list[Recorder]
) -> None:
    """The expiry is the login session's own (a timer, no request needed)."""
    pair = await make_pair(server.app)
    session = await server.app[ACCOUNTS].session(pair.coach_cookie)
    assert session is not None
    clock.now = session.expires_at - 0.5  # still valid when the sockets connect
    url = str(server.make_url(""))
    coaches = await connected_coach(url, pair, opened)
    results = await asyncio.wait_for(asyncio.gather(*(cut(c) for c in coaches)), 10)
    assert [reason for _, reason in results] == [{"reason": "session-expired"}] * len(coaches)


async def test_a_password_reset_cuts_every_login_of_the_coach(
    server: TestServer, opened: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    url = str(server.make_url(""))
    coaches = await connected_coach(url, pair, opened)
    client = Recorder(TIMER_NAMESPACE)
    opened.append(client)
    await client.connect(url, {"invite": pair.invite})
    await server.app[ACCOUNTS].reset_password("coach@example.org", "another long passphrase 42")
    results = await asyncio.wait_for(asyncio.gather(*(cut(c) for c in coaches)), 10)
    assert [reason for _, reason in results] == [{"reason": "password-changed"}] * len(coaches)
    assert client.sio.connected
    await refused(url, ROOM_NAMESPACE, {"engagement": pair.engagement_id}, pair.coach_cookie)
