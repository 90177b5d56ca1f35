"""Which address a request came from, for per-address limits.

Behind our own reverse proxy every request comes from the proxy, so the client's address
is taken from X-Forwarded-For, but only when the operator says a proxy is there
(TANDEM_TRUST_PROXY): otherwise anyone could send the header and pick their own bucket.
The last entry is the one our proxy added; earlier ones are whatever the client sent.
"""

from __future__ import annotations

MAX_LENGTH = 64


def client_address(remote: str | None, forwarded_for: str | None, *, trust_proxy: bool) -> str:
    if trust_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last[:MAX_LENGTH]
    return (remote or "unknown")[:MAX_LENGTH]
