"""Public pages, probes and the security headers every response carries."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import make_coach


async def test_landing_page_renders_and_asks_for_setup_before_any_coach(client: TestClient) -> None:
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    assert 'data-testid="landing"' in html
    assert 'data-testid="setup-pending"' in html
    await make_coach(client, "a@example.org")
    html = await (await client.get("/")).text()
    assert 'data-testid="setup-pending"' not in html
    assert 'data-testid="login-link"' in html


async def test_health_and_readiness(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["store"] == "ok"


async def test_readiness_fails_when_the_store_is_gone(client: TestClient) -> None:
    from server.keys import STORE

    await client.app[STORE].close()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["ok"] is False


async def test_every_page_gets_a_strict_csp_and_security_headers(client: TestClient) -> None:
    for path in ("/", "/login", "/nope", "/i/not-a-real-token-but-long-enough"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_pages_have_no_inline_scripts(client: TestClient) -> None:
    html = await (await client.get("/login")).text()
    assert "<script>" not in html
    assert 'script type="module" src="/static/js/page.js"' in html


async def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = await client.get("/does-not-exist")
    assert response.status == 404
    assert 'data-testid="error-message"' in await response.text()


async def test_socket_io_client_is_served_locally_from_node_modules(client: TestClient) -> None:
    response = await client.get("/vendor/socket.io/socket.io.esm.min.js")
    assert response.status == 200
    assert "Socket" in await response.text()
