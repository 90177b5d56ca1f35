"""Untrusted SDP offers, checked before any socket, thread or task exists for them.

aiortc validates SDP with `assert` and lets parsing errors of every kind escape
(AssertionError, ValueError, KeyError, IndexError, ...). Everything it raises while reading
an offer is turned into `InvalidInput` here and in the service, and the service refuses to
start under `python -O`, where those asserts would silently vanish."""

from __future__ import annotations

import logging
import sys

from aiortc import sdp

from rooms.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_OFFER_BYTES = 64 * 1024
MEDIA_KINDS = frozenset({"audio", "video"})


def require_asserts() -> None:
    if sys.flags.optimize:
        raise RuntimeError(
            "the echo service must not run under python -O: aiortc validates SDP with assert"
        )


def parse_offer(offer_sdp: object, offer_type: object) -> sdp.SessionDescription:
    """Returns the parsed offer or raises InvalidInput; never echoes SDP text into errors
    or logs (it carries addresses and ICE credentials)."""
    if offer_type != "offer":
        raise InvalidInput("The echo peer only accepts an SDP offer.", field="type")
    if not isinstance(offer_sdp, str) or not offer_sdp.strip():
        raise InvalidInput("The offer must be non-empty SDP text.", field="sdp")
    if len(offer_sdp.encode("utf-8", "surrogatepass")) > MAX_OFFER_BYTES:
        raise InvalidInput(
            "The offer is larger than %(limit)s bytes.",
            field="sdp",
            params={"limit": MAX_OFFER_BYTES},
        )
    try:
        description = sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:  # any parser failure means "bad offer"
        logger.info("echo offer rejected by the SDP parser: %s", type(exc).__name__)
        raise InvalidInput("The offer is not valid SDP.", field="sdp") from None
    if not any(media.kind in MEDIA_KINDS for media in description.media):
        raise InvalidInput("The offer has neither audio nor video to echo.", field="sdp")
    return description
