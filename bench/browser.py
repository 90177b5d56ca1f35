"""Headless Chromium for scenarios 5 and 7, launched as tests/browser.py does (fake devices,
loopback ICE allowed; see ../shared/WEBRTC-ON-LOOPBACK.md)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from bench.servers import BENCH, PEERS
from tests.browser import ARGS as ARGS  # re-exported for the scenarios
from tests.browser import CHROMIUM as TEST_CHROMIUM

# The same browser and flags as the browser tests, so a benchmark measures what CI tests.
CHROMIUM = str(TEST_CHROMIUM)
MEDIA = BENCH / "media"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_site(port: int) -> Iterator[str]:
    """Serves the bare-relay page and the socket.io client build it imports."""
    client = PEERS / "node_modules" / "socket.io-client" / "dist" / "socket.io.esm.min.js"
    shutil.copyfile(client, MEDIA / "socket.io.esm.min.js")
    handler = functools.partial(_Quiet, directory=str(MEDIA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        Path(MEDIA / "socket.io.esm.min.js").unlink(missing_ok=True)
