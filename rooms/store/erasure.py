"""How a store erases an engagement: every area contributes its own part.

An area module (in both backends) that keeps anything of an engagement defines
`erase_<area>(engagement_id)`; the store's `erase_engagement` runs every such method it
has, in name order, then the closing record's part (`erase_lifecycle`, so an erasure cut
short stays in the retention sweep's list) and the engagement record's own part
(`erase_engagement_record`) last, so references go before what they point at. Nothing
needs registering: a new area adds its method, and the contract test
(tests/test_store_contract.py), which scans every table and every Redis key for the
engagement's id and content, proves it complete.

Each part is idempotent; an erasure cut short (a crash, a lost connection) is finished by
running it again, which the retention sweep does on its next round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

PREFIX = "erase_"
WHOLE = "erase_engagement"
LAST = ("erase_lifecycle", "erase_engagement_record")

ErasePart = Callable[[str], Awaitable[None]]


def erase_parts(store: object) -> list[ErasePart]:
    names = sorted(
        name
        for name in dir(type(store))
        if name.startswith(PREFIX) and name != WHOLE and name not in LAST
    )
    return [getattr(store, name) for name in (*names, *LAST)]
