"""Scenario 7, page weight: bytes over the wire and time to interactive, cold (a fresh browser
context, so nothing cached), for the pages a person opens before a session.

"Interactive" here is when the page's own script has run and the person can act: the Join
button is enabled and the camera preview shows a frame. Bytes are Chromium's
encodedDataLength (headers + body as transferred) summed over every request of the load.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from bench.browser import ARGS, CHROMIUM
from bench.results import Recorder, table
from bench.servers import TandemFixture, serving, targets

READY = """() => {
  const join = document.querySelector('[data-testid=join]');
  const v = document.querySelector('[data-testid=local-video]');
  return join && !join.disabled && v && v.videoWidth > 0 ? performance.now() : false;
}"""
TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};
}"""


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str  # {engagement} and {invite} are filled in
    coach: bool
    ready: str = READY


TECHCHECK_READY = """() => {
  const start = document.querySelector('[data-testid=camera-start]');
  return start && !start.disabled ? performance.now() : false;
}"""

# A page whose route answers 404 (not merged yet on this branch) is skipped, not failed.
PAGES = (
    PageSpec("room (client, invite link)", "/i/{invite}/room", coach=False),
    PageSpec("room (coach)", "/engagements/{engagement}/room", coach=True),
    PageSpec("tech check (client)", "/i/{invite}/check", coach=False, ready=TECHCHECK_READY),
)


async def _load(
    browser: Browser, url: str, cookie: tuple[str, str] | None, ready: str
) -> dict[str, float] | None:
    context = await browser.new_context(permissions=["camera", "microphone"])
    try:
        if cookie:
            origin = "/".join(url.split("/")[:3])
            jar = [{"name": cookie[0], "value": cookie[1], "url": origin}]
            await context.add_cookies(jar)  # type: ignore[arg-type]
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        sizes: dict[str, float] = {}
        requests: set[str] = set()
        cdp.on("Network.requestWillBeSent", lambda e: requests.add(e["requestId"]))
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        response = await page.goto(url)
        if response is not None and response.status == 404:
            return None
        handle = await page.wait_for_function(ready, timeout=20_000)
        interactive = float(await handle.json_value())
        timing = await page.evaluate(TIMING)
        return {
            "bytes": sum(sizes.values()),
            "requests": len(requests),
            "dcl_ms": timing["dcl"],
            "load_ms": timing["load"],
            "tti_ms": interactive,
        }
    finally:
        await context.close()


async def _measure(
    port: int, creds: dict[str, Any], loads: int
) -> dict[str, list[dict[str, float]]]:
    name, value = creds["cookie"].split("=", 1)
    engagement, invite = creds["engagements"][0]
    base = f"http://127.0.0.1:{port}"
    out: dict[str, list[dict[str, float]]] = {spec.name: [] for spec in PAGES}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for _ in range(loads):
                for spec in PAGES:
                    url = base + spec.path.format(engagement=engagement, invite=invite)
                    cookie = (name, value) if spec.coach else None
                    loaded = await _load(browser, url, cookie, spec.ready)
                    if loaded is not None:
                        out[spec.name].append(loaded)
        finally:
            await browser.close()
    return out


def run(fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    loads = 2 if quick else 5
    print(f"  page weight: {loads} cold loads per page", flush=True)
    with serving(targets()["tandem"], fixture, log_dir) as tandem:
        creds = json.loads(Path(str(tandem.creds)).read_text())
        measured = asyncio.run(_measure(tandem.port, creds, loads))
    rows = []
    for page, samples in measured.items():
        if not samples:
            continue
        row: dict[str, Any] = {"page": page, "loads": len(samples)}
        for key in ("bytes", "requests", "dcl_ms", "load_ms", "tti_ms"):
            row[key] = statistics.median(s[key] for s in samples)
        row["kb"] = round(row["bytes"] / 1024, 1)
        rows.append(row)
        rec.add("pages", "tandem", f"page-weight {page}", summary=row, samples=samples)
    columns = [
        ("page", "page"),
        ("KB transferred", "kb"),
        ("requests", "requests"),
        ("DOMContentLoaded ms", "dcl_ms"),
        ("load ms", "load_ms"),
        ("interactive ms", "tti_ms"),
        ("cold loads (median)", "loads"),
    ]
    return table("Page weight (scenario 7), cold loads, medians", columns, rows)
