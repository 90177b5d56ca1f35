"""WebRTC on loopback only: the one place tests bend ICE for 127.0.0.1.

aioice leaves 127.0.0.1 out of its host candidates (on a real network that is right), so
aiortc peers in a test would find no path at all. The fixture makes it offer exactly
127.0.0.1, and first checks that the test runs in a network namespace that has nothing but
loopback (scripts/test arranges that), so no ICE check can reach any other address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import aioice.ice
import pytest


def interfaces() -> set[str]:
    # Asks the kernel about this process's namespace; /sys/class/net may show the host's.
    return {name for _, name in socket.if_nameindex()}


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    extra = interfaces() - {"lo"}
    assert not extra, (
        f"WebRTC tests must run in a loopback-only network namespace, found {sorted(extra)}; "
        "run them through ./scripts/test (or make test)"
    )
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    yield
