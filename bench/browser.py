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

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-timer-throttling",
    "--autoplay-policy=no-user-gesture-required",
]
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
