"""The program's state as every page shows it: the agreement, the milestones, the goals as
first agreed beside what they became, and whether the program is closed.

One call per page, so the board, the room, the client's home, the coach's engagement page
and dashboard all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.agreement import AgreementStatus, AgreementVersion
from rooms.agreement_service import Agreements
from rooms.board_service import Boards
from rooms.clock import Clock
from rooms.lifecycle_service import Lifecycle
from rooms.milestones import GoalComparison, Milestone, compare_goals, milestones, open_section
from rooms.models import Engagement
from rooms.session_service import Sessions


@dataclass(frozen=True, slots=True)
class ProgramState:
    agreement: AgreementStatus
    first_agreed: AgreementVersion | None
    checkin: Milestone
    review: Milestone
    goals: list[GoalComparison]
    closed_at: float | None

    @property
    def open_section(self) -> str:
        return open_section((self.checkin, self.review))


class Program:
    def __init__(
        self,
        agreements: Agreements,
        sessions: Sessions,
        boards: Boards,
        lifecycle: Lifecycle,
        clock: Clock,
    ) -> None:
        self._agreements = agreements
        self._sessions = sessions
        self._boards = boards
        self._lifecycle = lifecycle
        self._clock = clock

    async def milestones(self, engagement: Engagement) -> tuple[Milestone, Milestone]:
        """Cheaper than `state`, for the dashboard's rows."""
        versions = await self._agreements.versions(engagement)
        first = next((v for v in versions if v.accepted), None)
        board = (await self._boards.snapshot(engagement)).state
        return milestones(
            await self._sessions.counts(engagement),
            board,
            months=engagement.program_months,
            started_at=(first.accepted_at or 0.0) if first else engagement.created_at,
            now=self._clock(),
        )

    async def state(self, engagement: Engagement) -> ProgramState:
        versions = await self._agreements.versions(engagement)
        first = next((v for v in versions if v.accepted), None)
        board = (await self._boards.snapshot(engagement)).state
        checkin, review = await self.milestones(engagement)
        history = await self._boards.goal_history(engagement)
        return ProgramState(
            agreement=AgreementStatus.of(versions),
            first_agreed=first,
            checkin=checkin,
            review=review,
            goals=compare_goals(first, board, history),
            closed_at=await self._lifecycle.closed_at(engagement),
        )
