"""Headless Firefox ESR for tests: Debian's firefox-esr driven through Marionette.

Debian ships no geckodriver and Playwright's own Firefox cannot be downloaded here, so each
Firefox gets a fresh profile with a `user.js` (fake devices without prompts, ICE on
loopback, no first-run or background traffic), its own Marionette port and its own process
group, and is killed with that group at teardown. Marionette's client is synchronous: every
call runs in a thread so the test's event loop, which serves the app, keeps running.

Headless Firefox has no sound output on a machine without a sound card: its AudioContext
stays suspended and media sinks fail. `pulse_sink` starts a private PulseAudio with only a
null sink for the tests that need working sound; tests that want "no sound" leave it out.
A missing firefox-esr or pulseaudio fails loudly; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from aiohttp.test_utils import TestServer

from tests.helpers import stop_process_group
from tests.redis_server import free_port

with warnings.catch_warnings():
    # mozinfo calls distro.linux_distribution() at import time, which warns (and warnings
    # are errors in this suite); nothing of ours is hidden by this.
    warnings.simplefilter("ignore", DeprecationWarning)
    from marionette_driver.marionette import Marionette

FIREFOX = "firefox-esr"
START_TIMEOUT = 60.0
WAIT = 20.0

PREFS: dict[str, object] = {
    # Fake camera and microphone, granted without a prompt.
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "permissions.default.camera": 1,
    "permissions.default.microphone": 1,
    "media.autoplay.default": 0,
    # Without this Firefox gathers no ICE candidate on loopback (shared/WEBRTC-ON-LOOPBACK.md).
    "media.peerconnection.ice.loopback": True,
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.setsinkid.enabled": True,
    # The page's console in Firefox's stdout, which the fixture prints on failure.
    "devtools.console.stdout.content": True,
    # A quiet start: no first-run pages, telemetry, updates or background connections.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.search.update": False,
    "dom.disable_open_during_load": False,
    "intl.accept_languages": "en-GB, en",
}


class Firefox:
    """One Firefox process and its Marionette session, with async wrappers for tests."""

    def __init__(self, workdir: Path, base_url: str, pulse_server: str | None) -> None:
        self.profile = workdir / "profile"
        self.log_path = workdir / "firefox.log"
        self.base_url = base_url
        self.port = free_port()
        self.pulse_server = pulse_server
        self.process: subprocess.Popen[bytes] | None = None
        self.client: Marionette | None = None

    def _write_profile(self) -> None:
        self.profile.mkdir(parents=True)
        prefs = {**PREFS, "marionette.port": self.port}
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
        (self.profile / "user.js").write_text("\n".join(lines) + "\n")

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "MOZ_"))}
        env.update(MOZ_HEADLESS="1", HOME=str(self.profile.parent))
        if self.pulse_server:
            env["PULSE_SERVER"] = self.pulse_server
        else:
            # No sound server at all: the "computer without sound" of issue 19.
            env["PULSE_SERVER"] = f"unix:{self.profile.parent}/no-sound-here"
        return env

    def start(self) -> None:
        firefox = shutil.which(FIREFOX)
        assert firefox, "Firefox ESR is missing: apt-get install -y firefox-esr"
        self._write_profile()
        command = [firefox, "-headless", "-no-remote", "-marionette", "-profile", str(self.profile)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "about:blank"],
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole at teardown
            )
        self._wait_for_port()
        client = Marionette(host="127.0.0.1", port=self.port, startup_timeout=START_TIMEOUT)
        client.start_session()
        client.timeout.script = WAIT
        self.client = client

    def _wait_for_port(self) -> None:
        # Marionette's own wait leaks a socket per refused attempt (ResourceWarnings, which
        # are errors here), so wait for the port first; its wait then succeeds at once.
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None and self.process.poll() is None, self.log()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert time.monotonic() < deadline, f"no Marionette on {self.port}: {self.log()}"
                time.sleep(0.1)

    def stop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.delete_session()
            except Exception as error:  # the process may already be gone
                print(f"[firefox] closing the session failed: {error!r}")
        process, self.process = self.process, None
        if process is not None:
            stop_process_group(process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # The async face tests use -------------------------------------------------------------

    def _marionette(self) -> Marionette:
        assert self.client is not None, "Firefox is not running"
        return self.client

    async def goto(self, path: str) -> None:
        url = path if "://" in path else self.base_url + path
        await asyncio.to_thread(self._marionette().navigate, url)

    async def js(self, script: str, *args: object) -> Any:
        """Runs `script` (a function body; `arguments` holds args) in the page's own scope."""
        return await asyncio.to_thread(
            self._marionette().execute_script, script, list(args), False, None
        )

    async def click(self, test_id: str) -> None:
        """A real click through Marionette, so it counts as the person's gesture."""

        def run() -> None:
            element = self._marionette().find_element("css selector", f'[data-testid="{test_id}"]')
            element.click()

        await asyncio.to_thread(run)

    async def wait_for(self, expression: str, timeout: float = WAIT) -> Any:
        """Polls a JS expression until it is truthy, within `timeout` seconds; its value."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = await self.js(f"return ({expression});")
            if last:
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"Firefox: {expression} did not hold in {timeout} s (last {last!r})")


@pytest.fixture
def pulse_sink(tmp_path: Path) -> Iterator[str]:
    """A private PulseAudio with only a null sink: a sound output for headless Firefox."""
    pulseaudio = shutil.which("pulseaudio")
    assert pulseaudio, "PulseAudio is missing: apt-get install -y pulseaudio"
    home = tmp_path / "pulse"
    home.mkdir()
    socket_path = home / "native"
    log = home / "pulse.log"
    with log.open("wb") as stderr:
        process = _start_pulse(pulseaudio, home, socket_path, stderr)
    try:
        deadline = time.monotonic() + 15
        while not socket_path.exists():
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "PulseAudio did not open its socket"
            time.sleep(0.05)
        yield f"unix:{socket_path}"
    finally:
        stop_process_group(process)


def _start_pulse(
    pulseaudio: str, home: Path, socket_path: Path, stderr: IO[bytes]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            pulseaudio,
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--disable-shm=yes",
            "-L",
            "module-null-sink",
            "-L",
            f"module-native-protocol-unix socket={socket_path} auth-anonymous=1",
        ],
        env={**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


FirefoxFactory = Callable[..., Awaitable[Firefox]]


@pytest.fixture
async def firefoxes(server: TestServer, tmp_path: Path) -> AsyncIterator[FirefoxFactory]:
    """Starts Firefox ESRs on the test server (`sound=` a PulseAudio server, or None for a
    machine without sound); each is stopped, and its log printed, before the server stops."""
    base_url = str(server.make_url("")).rstrip("/")
    made: list[Firefox] = []

    async def factory(sound: str | None = None) -> Firefox:
        browser = Firefox(tmp_path / f"firefox{len(made)}", base_url, sound)
        made.append(browser)
        await asyncio.to_thread(browser.start)
        return browser

    try:
        yield factory
    finally:
        for browser in made:
            await asyncio.to_thread(browser.stop)
            console = [line for line in browser.log().splitlines() if "console" in line.lower()]
            print(f"[firefox{made.index(browser)}] " + "\n".join(console[-80:]))
