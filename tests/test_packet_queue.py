"""signaling/packet_queue.py: asyncio.Queue's behaviour for the calls python-engineio makes."""

from __future__ import annotations

import asyncio

import pytest

from signaling.packet_queue import PacketQueue


async def test_packets_come_out_in_order_and_the_queue_empties() -> None:
    queue = PacketQueue()
    assert queue.empty() and queue.qsize() == 0
    await queue.put("a")
    queue.put_nowait("b")
    assert queue.qsize() == 2
    assert await queue.get() == "a"
    assert queue.get_nowait() == "b"
    assert queue.empty()
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_waiting_get_is_woken_by_a_put() -> None:
    queue = PacketQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait("p")
    assert await asyncio.wait_for(getter, 5) == "p"


async def test_a_get_cancelled_by_its_timeout_loses_no_packet() -> None:
    queue = PacketQueue()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), 0.01)
    queue.put_nowait("kept")  # not handed to the timed-out getter
    assert queue.qsize() == 1
    assert await asyncio.wait_for(queue.get(), 5) == "kept"


async def test_two_getters_each_get_one_packet() -> None:
    queue = PacketQueue()
    getters = [asyncio.ensure_future(queue.get()) for _ in range(2)]
    await asyncio.sleep(0)
    queue.put_nowait(1)
    queue.put_nowait(2)
    assert sorted(await asyncio.wait_for(asyncio.gather(*getters), 5)) == [1, 2]


async def test_join_waits_until_every_packet_is_done() -> None:
    queue = PacketQueue()
    await queue.join()  # nothing queued: returns at once
    queue.put_nowait("x")
    joiner = asyncio.ensure_future(queue.join())
    await asyncio.sleep(0)
    assert not joiner.done()
    queue.get_nowait()
    queue.task_done()
    await asyncio.wait_for(joiner, 5)
    with pytest.raises(ValueError):
        queue.task_done()
