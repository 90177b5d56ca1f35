"""signaling/delivery.py writes an EVENT packet exactly as python-socketio's encoder does.

Its own encoder skips upstream's walk over the payload for bytes; hypothesis checks that the
packet text is the same for any JSON value, and that a payload with bytes is left to
upstream (which sends them as binary attachments).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from socketio import packet

from signaling import fastjson
from signaling.delivery import DirectEmit
from signaling.observed import Silent
from signaling.server import SocketServer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def manager() -> DirectEmit:
    made = DirectEmit()
    made.set_server(SocketServer(observer=Silent(), async_mode="aiohttp", json=fastjson))
    return made


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["/", "/room", "/board"]), st.text(min_size=1), st.lists(JSON, max_size=3))
def test_the_packet_text_is_upstreams(namespace: str, event: str, args: list[Any]) -> None:
    data = [event, *args]
    expected = packet.Packet(packet.EVENT, namespace=namespace, data=data).encode()
    assert manager()._text_event(namespace, data) == expected


def test_bytes_are_left_to_upstreams_binary_encoder() -> None:
    assert manager()._text_event("/room", ["x", {"blob": b"\x00\x01"}]) is None
