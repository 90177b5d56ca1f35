"""The timer as the Socket.IO layer uses it: parse, check, apply, store with CAS.

Every command reads the stored state, applies one pure transition at the clock's `now`
and writes it back only if nobody else wrote in between; on a lost race it simply tries
again on the newer state, where the transition may now be refused (the second of two
"start" presses gets "The timer is already running."). No process keeps a timer in
memory, so any process can serve any command.

The engagement's planned minutes come from the caller (it already holds the Engagement
it authorised the participant against), and are only used when a session starts: a
running timer carries its own planned time and phases.
"""

from __future__ import annotations

import logging

from rooms.clock import Clock
from rooms.errors import Conflict, InvalidInput
from rooms.models import Role
from rooms.store.protocol import TimerStore
from rooms.timer import (
    DEFAULT_AGENDA,
    Action,
    Agenda,
    Status,
    TimerCommand,
    TimerState,
    apply,
    fresh,
    parse_agenda,
    parse_command,
    phases_for,
    require_control,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_PLANNED_MINUTES = 480


class Timers:
    def __init__(self, store: TimerStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def state(self, engagement_id: str, planned_minutes: int) -> TimerState:
        """The stored timer, or an idle one (version 0) showing the plan before start."""
        stored = await self._store.timer_get(engagement_id)
        if stored is not None:
            return stored
        return await self._fresh(engagement_id, planned_minutes, version=0)

    async def command(
        self, engagement_id: str, role: Role, raw_command: object, planned_minutes: int
    ) -> TimerState:
        """Raises InvalidInput, Forbidden or Conflict, having changed nothing."""
        return await self.execute(engagement_id, role, parse_command(raw_command), planned_minutes)

    async def execute(
        self, engagement_id: str, role: Role, command: TimerCommand, planned_minutes: int
    ) -> TimerState:
        """`command` was parsed at the edge (the Socket.IO schema); same refusals as above."""
        require_control(role)
        _check_planned(planned_minutes)
        for attempt in range(MAX_ATTEMPTS):
            stored = await self._store.timer_get(engagement_id)
            expected = 0 if stored is None else stored.version
            if command.version is not None and command.version != expected:
                raise Conflict("The timer has changed since you last saw it.")
            base = await self._base(engagement_id, stored, command, planned_minutes)
            new = apply(base, command, self._clock())
            if await self._store.timer_put(engagement_id, new, expected):
                return new
            logger.debug(
                "timer lost a race on attempt %s", attempt + 1, extra={"room": engagement_id}
            )
        raise Conflict("The timer is busy; please try again.")

    async def _base(
        self,
        engagement_id: str,
        stored: TimerState | None,
        command: TimerCommand,
        planned_minutes: int,
    ) -> TimerState:
        """Start after an ended session begins the next one from the current agenda;
        the version carries on so the compare-and-set still guards the row."""
        if stored is None:
            return await self._fresh(engagement_id, planned_minutes, version=0)
        if stored.status is Status.ENDED and command.action is Action.START:
            return await self._fresh(engagement_id, planned_minutes, version=stored.version)
        return stored

    async def _fresh(self, engagement_id: str, planned_minutes: int, *, version: int) -> TimerState:
        planned = _check_planned(planned_minutes) * 60
        agenda = await self.agenda(engagement_id)
        return fresh(planned, phases_for(agenda, planned), version=version)

    async def agenda(self, engagement_id: str) -> Agenda:
        return await self._store.agenda_get(engagement_id) or DEFAULT_AGENDA

    async def stored_agenda(self, engagement_id: str) -> Agenda | None:
        """None while the engagement still follows DEFAULT_AGENDA."""
        return await self._store.agenda_get(engagement_id)

    async def set_agenda(
        self, engagement_id: str, role: Role, raw_phases: object, planned_minutes: int
    ) -> Agenda:
        """Takes effect at the next start; a running session keeps its phases."""
        agenda = parse_agenda(raw_phases)
        require_control(role)
        phases_for(agenda, _check_planned(planned_minutes) * 60)
        await self._store.agenda_put(engagement_id, agenda)
        return agenda


def _check_planned(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        minutes = 0
    if not 1 <= minutes <= MAX_PLANNED_MINUTES:
        raise InvalidInput(
            "The planned session length must be 1 to %(max)s minutes.",
            field="planned_minutes",
            params={"max": MAX_PLANNED_MINUTES},
        )
    return minutes
