"""GET /metrics: the Prometheus text format, for configured addresses or a bearer token.

Off by default: with neither TANDEM_METRICS_ALLOW nor TANDEM_METRICS_TOKEN set, nobody may
read it (403). The address checked is the client's as Tandem sees it everywhere else
(X-Forwarded-For only with TANDEM_TRUST_PROXY), so a scrape through the public proxy is
an outside address; the sample nginx config refuses /metrics anyway.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rooms.addresses import client_address
from server.keys import METRICS, SETTINGS


async def metrics_view(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not _bearer_matches(request, settings.metrics_token):
        address = client_address(
            request.remote,
            request.headers.get("X-Forwarded-For"),
            trust_proxy=settings.trust_proxy,
        )
        if not _listed(address, settings.metrics_allow):
            if settings.metrics_token:
                raise web.HTTPUnauthorized(
                    text="A bearer token is required.\n",
                    headers={"WWW-Authenticate": 'Bearer realm="tandem-metrics"'},
                )
            raise web.HTTPForbidden(text="Set TANDEM_METRICS_ALLOW or TANDEM_METRICS_TOKEN.\n")
    metrics = request.app[METRICS]
    await metrics.refresh()
    body = generate_latest(metrics.registry)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_matches(request: web.Request, token: str) -> bool:
    if not token:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _listed(address: str, allowed: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in allowed)
