"""Every page a client reaches by link answers an unknown or revoked link the same way."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from rooms.tokens import new_token
from server.keys import STORE
from tests.helpers import make_pair

CLIENT_PAGES = ["", "/room", "/rehearsal", "/board", "/check"]


@pytest.mark.parametrize("page", CLIENT_PAGES)
async def test_live_revoked_and_unknown_links(client: TestClient, page: str) -> None:
    pair = await make_pair(client.app)
    live = await client.get(f"/i/{pair.invite}{page}")
    assert live.status == 200

    await client.app[STORE].revoke_invite(pair.engagement_id)
    revoked = await client.get(f"/i/{pair.invite}{page}")
    assert revoked.status == 410
    assert 'data-testid="invite-revoked-page"' in await revoked.text()

    unknown = await client.get(f"/i/{new_token()}{page}")
    assert unknown.status == 404
