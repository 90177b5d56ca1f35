"""Scenario 5, time to media: two headless Chromium pages with fake devices, from the second
person's click on Join to the first decoded remote frame on both pages, Tandem's room page
beside a minimal bare-relay page (bench/media/bare.html over the Node socket.io reference
relay), trials interleaved in one run."""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from bench.browser import ARGS, CHROMIUM, static_site
from bench.results import Recorder, table
from bench.servers import Running, TandemFixture, serving, targets

# The first presented remote frame, via requestVideoFrameCallback, the same way on both pages.
FIRST_FRAME = """
window.__firstFrame = null;
setInterval(() => {
  const v = document.querySelector('[data-testid=remote-video]');
  if (!v || !v.srcObject || v.__benchSrc === v.srcObject) return;
  v.__benchSrc = v.srcObject;  // a page may replace its stream: watch each one
  v.requestVideoFrameCallback(() => { window.__firstFrame ??= Date.now(); });
}, 2);
// a diagnosis for failed trials: what each peer connection went through
window.__pcLog = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = function (...args) {
  const pc = new Native(...args);
  const n = window.__pcLog.length;
  const log = (what) => window.__pcLog.push(`${n}:${what}`);
  log('new');
  pc.addEventListener('signalingstatechange', () => log(`sig=${pc.signalingState}`));
  pc.addEventListener('connectionstatechange', () => log(`conn=${pc.connectionState}`));
  pc.addEventListener('icegatheringstatechange', () => log(`gather=${pc.iceGatheringState}`));
  pc.addEventListener('track', (e) => log(`track=${e.track.kind}`));
  return pc;
};
window.RTCPeerConnection.prototype = Native.prototype;
"""
PREVIEW = """() => {
  const v = document.querySelector('[data-testid=local-video]');
  return v && v.videoWidth > 0;
}"""
CLICK = """() => {
  const t = Date.now();
  document.querySelector('[data-testid=join]').click();
  return t;
}"""
TIMEOUT = 20_000
STATE = """() => {
  const v = document.querySelector('[data-testid=remote-video]');
  const t = (id) => document.querySelector(`[data-testid=${id}]`)?.textContent?.trim();
  return {status: t('status'), peer: t('peer-status'), error: t('error-message'),
          remote: v && {ready: v.readyState, w: v.videoWidth, src: !!v.srcObject, paused: v.paused},
          first: window.__firstFrame, pcs: window.__pcLog.join(' ')};
}"""


async def _wait(page: Page, condition: str, what: str) -> None:
    try:
        await page.wait_for_function(condition, timeout=TIMEOUT)
    except Exception as error:
        state = await page.evaluate(STATE)
        raise RuntimeError(f"{page.url}: waiting for {what}: {error}; page: {state}") from None


async def _pages(browser: Browser, first: tuple[str, dict[str, str]], second: str) -> list[Page]:
    pages = []
    for url, cookies in (first, (second, {})):
        context = await browser.new_context(permissions=["camera", "microphone"])
        if cookies:
            origin = "/".join(url.split("/")[:3])
            jar = [{"name": k, "value": v, "url": origin} for k, v in cookies.items()]
            await context.add_cookies(jar)  # type: ignore[arg-type]
        await context.add_init_script(FIRST_FRAME)
        page = await context.new_page()
        page.on(
            "console",
            lambda m: (
                print(f"    [{m.type}] {m.text}", flush=True)
                if m.type == "error" and "404" not in m.text
                else None
            ),
        )
        await page.goto(url)
        await _wait(page, PREVIEW, "the camera preview")
        pages.append(page)
    return pages


async def _trial(
    browser: Browser, first: tuple[str, dict[str, str]], second: str, joined: str
) -> dict[str, float]:
    a, b = await _pages(browser, first, second)
    try:
        await a.get_by_test_id("join").click()
        await _wait(a, joined, "the first page to join")
        t0 = await b.evaluate(CLICK)
        frames = []
        for page in (a, b):
            try:
                await _wait(page, "() => window.__firstFrame !== null", "the first remote frame")
            except RuntimeError as error:
                other = b if page is a else a
                raise RuntimeError(f"{error}; other page: {await other.evaluate(STATE)}") from None
            frames.append(await page.evaluate("window.__firstFrame"))
        return {
            "both_ms": max(frames) - t0,
            "joiner_ms": frames[1] - t0,
            "first_ms": frames[0] - t0,
        }
    finally:
        for page in (a, b):
            await page.context.close()


async def _measure(
    tandem: Running,
    bare: Running,
    site: str,
    trials: int,
    creds: dict[str, Any],
    failures: dict[str, list[str]],
) -> dict[str, list[dict[str, float]]]:
    name, value = creds["cookie"].split("=", 1)
    base = f"http://127.0.0.1:{tandem.port}"
    relay = f"http://127.0.0.1:{bare.port}"
    out: dict[str, list[dict[str, float]]] = {"tandem": [], "bare-relay": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for i in range(trials):
                engagement, invite = creds["engagements"][i]
                tandem_trial = _trial(
                    browser,
                    (f"{base}/engagements/{engagement}/room", {name: value}),
                    f"{base}/i/{invite}/room",
                    "() => !document.querySelector('[data-testid=controls]').hidden",
                )
                url = f"{site}/bare.html?relay={relay}&room=r{i}"
                bare_trial = _trial(browser, (url, {}), url, "() => window.__joined")
                for key, trial in (("tandem", tandem_trial), ("bare-relay", bare_trial)):
                    try:
                        out[key].append(await trial)
                        print(
                            f"  trial {i + 1} {key}: {out[key][-1]['both_ms']:.0f} ms", flush=True
                        )
                    except RuntimeError as error:
                        failures[key].append(str(error))
                        print(f"  trial {i + 1} {key} FAILED: {error}", flush=True)
        finally:
            await browser.close()
    return out


def run(fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    trials = 3 if quick else 10
    print(f"  time to media: {trials} trials each", flush=True)
    all_targets = targets()
    with (
        serving(all_targets["tandem"], fixture, log_dir, port=7101) as tandem,
        serving(all_targets["node-socketio"], None, log_dir, port=7102) as bare,
        static_site(7103) as site,
    ):
        creds = json.loads(Path(str(tandem.creds)).read_text())
        failures: dict[str, list[str]] = {"tandem": [], "bare-relay": []}
        measured = asyncio.run(_measure(tandem, bare, site, trials, creds, failures))
    rows: list[dict[str, Any]] = []
    for target, samples in measured.items():
        both = [s["both_ms"] for s in samples]
        row: dict[str, Any] = {"target": target, "trials": len(samples)}
        row["failed"] = len(failures[target])
        if both:
            row["median_ms"] = statistics.median(both)
            row["min_ms"], row["max_ms"] = min(both), max(both)
            row["joiner_median_ms"] = statistics.median(s["joiner_ms"] for s in samples)
        rows.append(row)
        rec.add(
            "media",
            target,
            "time-to-media",
            summary=row,
            samples=samples,
            failures=failures[target],
        )
    columns = [
        ("page", "target"),
        ("median ms (both see a frame)", "median_ms"),
        ("min", "min_ms"),
        ("max", "max_ms"),
        ("joiner's own median ms", "joiner_median_ms"),
        ("trials", "trials"),
        ("failed (no frame in 20 s)", "failed"),
    ]
    return table(
        "Time to media (scenario 5): second Join click → first decoded remote frame", columns, rows
    )
