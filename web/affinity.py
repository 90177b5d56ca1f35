"""The route key: what a reverse proxy hashes so both people of a room reach one process.

The coach's page knows the engagement id and the client's page only the invite, so neither
can be the key for both. Both pages get a one-way digest of the engagement id instead,
which the page puts in its Socket.IO URL (`/socket.io/?route=…`) and the sample nginx
config hashes (docs/deploy.md, "nginx"). It grants nothing and cannot be turned back into
the id; any process computes the same key without configuration.
"""

from __future__ import annotations

import hashlib

ROUTE_PARAM = "route"


def route_key(engagement_id: str) -> str:
    return hashlib.sha256(b"tandem-route\0" + engagement_id.encode()).hexdigest()[:16]
