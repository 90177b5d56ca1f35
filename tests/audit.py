"""Page audits for browser tests: axe-core's accessibility rules and the phone-width check.

axe-core comes from npm (package.json pins it; `make setup` installs it) and reaches the
page only here, as an init script: Playwright adds those through the DevTools protocol,
so the page's strict CSP (no inline script) stays exactly as a visitor gets it.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import BrowserContext, Page

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PAGE_SIDE = Path(__file__).with_name("audit.js")
# Everything above "minor" fails (issue 16, acceptance 1).
BLOCKING = ("critical", "serious", "moderate")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


async def with_axe(context: BrowserContext) -> BrowserContext:
    assert AXE.exists(), f"{AXE} is missing: run make setup (npm ci)"
    await context.add_init_script(path=str(AXE))
    await context.add_init_script(path=str(PAGE_SIDE))
    return context


async def axe_problems(page: Page) -> list[str]:
    """One line per blocking violation: rule, impact and the first offending elements."""
    found = await page.evaluate("() => tandemAudit.axe()")
    return [
        f"axe {v['impact']} {v['id']}: {json.dumps(v['targets'])} {v['summary'][:200]!r}"
        for v in found
        if v["impact"] in BLOCKING
    ]


async def overflow_problems(page: Page) -> list[str]:
    found = await page.evaluate("() => tandemAudit.overflow()")
    if found is None:
        return []
    return [f"overflow {found['scroll']} > {found['width']}: {', '.join(found['wide'])}"]


async def small_targets(page: Page) -> list[str]:
    return [
        f"small target {item}" for item in await page.evaluate("() => tandemAudit.smallTargets()")
    ]


async def phone_and_desktop(page: Page, label: str) -> list[str]:
    """Audits the page as it stands at both widths; returns every problem, labelled."""
    problems: list[str] = []
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
        where = f"{label} @{size['width']}"
        problems += [f"{where}: {p}" for p in await axe_problems(page)]
        if size is PHONE:
            problems += [f"{where}: {p}" for p in await overflow_problems(page)]
            problems += [f"{where}: {p}" for p in await small_targets(page)]
    return problems
