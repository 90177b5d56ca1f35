"""ICE server configuration and TURN REST credentials (coturn's `use-auth-secret`).

The credential is an HMAC of "expiry:user" with the shared secret, so the TURN server can
verify it without a database and it stops working at `expiry`, never later than the
session it was issued for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IceConfig:
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    # RTCConfiguration.iceTransportPolicy for the pages: "relay" sends every call through
    # TURN (no address of either side is revealed to the other), "all" lets ICE choose.
    transport_policy: str = "all"


def turn_credential(secret: str, user: str, expires_at: float) -> tuple[str, str]:
    username = f"{int(expires_at)}:{user}"
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(mac).decode()


def ice_servers(config: IceConfig, user: str, expires_at: float) -> list[dict[str, object]]:
    """The RTCIceServer list for one member of one session, in the browser's format."""
    servers: list[dict[str, object]] = []
    if config.stun_urls:
        servers.append({"urls": list(config.stun_urls)})
    if config.turn_urls and config.turn_secret:
        username, credential = turn_credential(config.turn_secret, user, expires_at)
        servers.append(
            {"urls": list(config.turn_urls), "username": username, "credential": credential}
        )
    return servers
