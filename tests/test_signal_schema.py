"""The compiled `signal` schema (msgspec) never changes what `parse_signal` decides.

`parse_signal` tries the compiled schema first and falls back to the hand-written checks,
which give every documented error. So the schema must only ever accept what the checks
accept, with the same result: hypothesis throws near-valid and hostile payloads at both.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.errors import InvalidInput
from signaling import schemas
from signaling.schemas import MAX_CANDIDATE, MAX_SDP, parse_signal

KEY = st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True)
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
TEXT = st.one_of(st.text(max_size=80), st.just("v=0\r\n"), st.just("v=0" + "a" * MAX_SDP))
DESCRIPTION = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(["offer", "answer", "rollback", "pranswer", "x"]), ODD),
        "sdp": st.one_of(TEXT, ODD, st.builds(lambda t: "v=0" + t, st.text(max_size=40))),
        "extra": ODD,
    },
)
CANDIDATE = st.fixed_dictionaries(
    {},
    optional={
        "candidate": st.one_of(st.text(max_size=60), st.just("c" * (MAX_CANDIDATE + 1)), ODD),
        "sdpMid": st.one_of(st.text(max_size=70), ODD),
        "sdpMLineIndex": st.one_of(st.integers(-2, 66), ODD),
        "usernameFragment": st.one_of(st.text(max_size=300), ODD),
    },
)
SIGNAL = st.fixed_dictionaries(
    {},
    optional={
        "description": st.one_of(DESCRIPTION, ODD),
        "candidate": st.one_of(CANDIDATE, ODD),
        "to": st.one_of(KEY, KEY.map(lambda k: k + "\n"), ODD),
        "unknown": ODD,
    },
)


def hand_checked(payload: object) -> Any:
    fast, schemas._fast_signal = schemas._fast_signal, lambda _payload: None
    try:
        return parse_signal(payload)
    except InvalidInput as error:
        return error.to_wire()
    finally:
        schemas._fast_signal = fast


@settings(max_examples=3000, deadline=None)
@given(st.one_of(SIGNAL, ODD))
def test_the_compiled_schema_accepts_only_what_the_checks_accept(payload: object) -> None:
    fast = schemas._fast_signal(payload)
    if fast is not None:
        assert fast == hand_checked(payload)


def test_well_formed_signals_take_the_compiled_path() -> None:
    key = "k" * 20
    candidate = {"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host", "sdpMLineIndex": 0}
    for payload in (
        {"description": {"type": "offer", "sdp": "v=0\r\n"}, "to": key},
        {"description": {"type": "rollback"}},
        {"candidate": {**candidate, "sdpMid": "0", "usernameFragment": "u"}, "to": None},
    ):
        assert schemas._fast_signal(payload) == hand_checked(payload)
    assert schemas._fast_signal({"description": None, "candidate": candidate}) is None
    assert schemas._fast_signal({"description": {"type": "offer", "sdp": "x" * MAX_SDP}}) is None
