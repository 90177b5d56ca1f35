"""Settings of the echo peer, validated once when the service is built.

Kept apart from the service so the server's config loader can build one from env values
without importing the media machinery's moving parts."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCIceServer


class EchoMode(enum.StrEnum):
    # Forward the client's encoded frames back as they are: no decoder, no encoder, so a
    # session costs a few % of a core instead of ~15 % (see docs in passthrough.py).
    PASSTHROUGH = "passthrough"
    # Decode and re-encode (aiortc's plain `addTrack(remote_track)`): costly, but uses only
    # aiortc's public API; kept as the fallback if passthrough ever breaks on an upgrade.
    RELAY = "relay"


IceServerLike = RTCIceServer | Mapping[str, object]


def _ice_server(value: IceServerLike) -> RTCIceServer:
    if isinstance(value, RTCIceServer):
        return value
    urls = value.get("urls")
    username = value.get("username")
    credential = value.get("credential")
    if not (isinstance(urls, str) or (isinstance(urls, list) and urls)):
        raise ValueError("ICE server needs 'urls' as a string or a non-empty list")
    if isinstance(urls, list) and not all(isinstance(url, str) for url in urls):
        raise ValueError("ICE server 'urls' must all be strings")
    if username is not None and not isinstance(username, str):
        raise ValueError("ICE server 'username' must be a string")
    if credential is not None and not isinstance(credential, str):
        raise ValueError("ICE server 'credential' must be a string")
    return RTCIceServer(urls=urls, username=username, credential=credential)


@dataclass(frozen=True)
class EchoConfig:
    """Limits exist because every echo session holds sockets, threads and CPU on our
    server for a client who has not yet proven to be anyone: capacity is the DoS bound."""

    max_sessions: int = 4
    max_session_seconds: float = 120.0
    # A client that never completes ICE/DTLS (closed tab, blocked UDP) must not hold a
    # slot for the whole session limit.
    connect_timeout_seconds: float = 20.0
    # aiortc has no "disconnected" state and its ICE consent check needs ~30 s to declare a
    # vanished client dead, so a connected session that receives nothing for this long
    # (browsers send audio packets even when muted) is closed. Long enough for a Wi-Fi hiccup.
    idle_timeout_seconds: float = 8.0
    # How long aclose() waits for peer connections to close before cancelling their tasks.
    close_timeout_seconds: float = 10.0
    # `RTCIceServer`s or plain dicts as read from JSON config; normalised to a tuple of
    # `RTCIceServer` here so a bad entry fails at start-up, not on the first tech check.
    ice_servers: Sequence[IceServerLike] = ()
    mode: EchoMode = EchoMode.PASSTHROUGH

    def __post_init__(self) -> None:
        if self.max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        for name in (
            "max_session_seconds",
            "connect_timeout_seconds",
            "idle_timeout_seconds",
            "close_timeout_seconds",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        object.__setattr__(self, "mode", EchoMode(self.mode))
        object.__setattr__(self, "ice_servers", tuple(map(_ice_server, self.ice_servers)))

    def rtc_configuration(self) -> RTCConfiguration:
        return RTCConfiguration(iceServers=[_ice_server(server) for server in self.ice_servers])
