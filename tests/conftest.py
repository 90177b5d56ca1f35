"""Shared fixtures: settings in a temp data dir, the real app on a real test server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Settings
from tests.helpers import FakeClock
from tests.sockets import Recorder

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(
    aiohttp_client: ClientFactory, settings: Settings, clock: FakeClock
) -> ClientFactory:
    """A fresh app (same data dir by default) per call; each call is a separate "process"."""

    async def factory(**overrides: object) -> TestClient:
        chosen = Settings(**{**_fields(settings), **overrides}) if overrides else settings
        return await aiohttp_client(create_app(chosen, clock=clock))

    return factory


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient:
    return await make_client()


def _fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


@pytest.fixture
async def server(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings, clock: FakeClock
) -> TestServer:
    """The real app on a real port, for Socket.IO clients and browsers."""
    return await aiohttp_server(create_app(settings, clock=clock))


@pytest.fixture
async def recorders() -> AsyncIterator[list[Recorder]]:
    """Collects test Socket.IO clients so every one is disconnected at teardown."""
    made: list[Recorder] = []
    yield made
    for recorder in made:
        await recorder.close()


pytest_plugins = [
    "tests.loopback",
    "tests.logcapture",
    "tests.browser",
    "tests.redis_server",
    "tests.firefox",
    "tests.turn_server",
    "tests.processes",
    "tests.smtp_server",
]
