"""The message thread on two real `tandem serve` processes sharing one redis-server
(issue 15, acceptance 1): coach on one process, client on the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.helpers import Pair
from tests.processes import Cluster, login_cookie, make_pair_cli
from tests.sockets import Recorder
from tests.threads import Thread, message_id, thread_client, thread_coach

pytestmark = pytest.mark.redis

BURST = 50


@pytest.fixture
async def recorders() -> AsyncIterator[list[Recorder]]:
    made: list[Recorder] = []
    yield made
    for recorder in made:
        await recorder.close()


@pytest.fixture
async def pair(cluster: Cluster) -> Pair:
    made = make_pair_cli(cluster.redis, cluster.data_dir)
    made.coach_cookie = await login_cookie(cluster.nodes[0].url)
    return made


async def test_a_message_from_each_process_arrives_once_on_the_other(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    coach, client = await thread_coach(a, pair), await thread_client(b, pair)
    recorders += [coach, client]
    await coach.call("join")
    await client.call("join")
    sent = await coach.call("send", {"id": message_id(), "text": "Fra coach <b>hei</b>"})
    assert (await client.next("message"))["message"] == sent["message"]
    reply = await client.call("send", {"id": message_id(), "text": "Fra klient"})
    assert (await coach.next("message"))["message"] == reply["message"]
    assert reply["message"]["seq"] == sent["message"]["seq"] + 1
    ident = message_id()  # a resend through the other process is still one message
    first = await client.call("send", {"id": ident, "text": "en gang"})
    via_a = await thread_client(a, pair)
    recorders.append(via_a)
    await via_a.call("join")
    again = await via_a.call("send", {"id": ident, "text": "en gang"})
    assert again["duplicate"] is True and again["message"] == first["message"]
    await client.call("send", {"id": message_id(), "text": "sentinel"})
    texts = [(await coach.next("message"))["message"]["text"] for _ in range(2)]
    assert texts == ["en gang", "sentinel"]
    read = await coach.call("read", {"seq": first["message"]["seq"]})
    assert (await client.next("receipt"))["state"] == read["state"]
    assert coach.pending("message") == 0 and client.pending("message") == 0


async def test_a_client_cut_off_during_a_burst_of_50_ends_with_all_in_order_once(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    coach = await thread_coach(a, pair)
    recorders.append(coach)
    await coach.call("join")
    client = await thread_client(b, pair)
    recorders.append(client)
    thread = Thread()
    thread.joined(await client.call("join"))
    gone = asyncio.Event()

    async def burst() -> list[int]:
        seqs = []
        for n in range(1, BURST + 1):
            if n == 21:
                await gone.wait()  # the rest is sent while the client is away or rejoining
            ack = await coach.call("send", {"id": message_id(), "text": f"burst {n:02}"})
            assert ack["ok"] is True, ack
            seqs.append(ack["message"]["seq"])
        return seqs

    sending = asyncio.create_task(burst())
    while thread.last < 10:
        thread.take((await client.next("message"))["message"])
    await client.close()  # messages 11-20 may be on their way to it
    gone.set()
    back = await thread_client(a, pair)  # reconnected to the other process
    recorders.append(back)
    thread.joined(await back.call("join", {"since": thread.last}))
    async with asyncio.timeout(30):
        while thread.last < BURST:
            thread.take((await back.next("message"))["message"])
    assert await sending == list(range(1, BURST + 1))
    assert thread.texts() == [f"burst {n:02}" for n in range(1, BURST + 1)]
    assert sorted(thread.by_seq) == list(range(1, BURST + 1)) and not thread.gap
