"""Which WebRTC descriptions make sense next, so out-of-order ones get a clear error.

Perfect negotiation lets both sides offer at once (glare): the impolite side ignores the
polite side's offer, the polite side rolls back and answers. So the rule is per direction:
an answer is in order only while the other side has an offer outstanding. Candidates need
no bookkeeping; browsers discard those that arrive early or late.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rooms.errors import Conflict
from rooms.models import Role
from rooms.seats import other


@dataclass
class Negotiation:
    open_offers: set[Role] = field(default_factory=set)

    def on_description(self, sender: Role, kind: str) -> None:
        if kind == "offer":
            self.open_offers.add(sender)
        elif kind == "answer":
            if other(sender) not in self.open_offers:
                raise Conflict("An answer was sent without an offer to answer.")
            self.open_offers.discard(other(sender))
        elif kind == "rollback":
            self.open_offers.discard(sender)

    def reset(self) -> None:
        """A seat changed hands: whatever was being negotiated is void."""
        self.open_offers.clear()
