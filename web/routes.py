"""Every HTTP route in one table, so the URL space can be read at a glance."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web.views import (
    accounts,
    agenda,
    board,
    client,
    engagements,
    notices,
    pages,
    password_reset,
    program,
    room,
    sessions,
    techcheck,
)

STATIC_DIR = Path(__file__).parent / "static"


def add_routes(app: web.Application, vendor_dir: Path) -> None:
    app.add_routes(
        [
            web.get("/", pages.landing),
            web.get("/healthz", pages.healthz),
            web.get("/readyz", pages.readyz),
            web.get("/lang", pages.switch_language),
            web.get("/login", accounts.login_form),
            web.post("/login", accounts.login),
            web.post("/logout", accounts.logout),
            web.get("/setup/{token}", accounts.setup_form),
            web.post("/setup/{token}", accounts.setup),
            web.get("/password-reset", password_reset.request_form),
            web.post("/password-reset", password_reset.request_link),
            web.get("/password-reset/{token}", password_reset.new_password_form),
            web.post("/password-reset/{token}", password_reset.set_new_password),
            web.get("/dashboard", engagements.dashboard),
            web.get("/engagements/new", engagements.new_form),
            web.post("/engagements", engagements.create),
            web.get("/engagements/{id}", engagements.detail),
            web.post("/engagements/{id}/invite/rotate", engagements.rotate_invite),
            web.post("/engagements/{id}/invite/revoke", engagements.revoke_invite),
            web.get("/engagements/{id}/room", room.coach_room),
            web.post("/engagements/{id}/sessions", sessions.plan),
            web.post("/engagements/{id}/sessions/series", sessions.plan_series),
            web.post("/engagements/{id}/sessions/record", sessions.record),
            web.post("/engagements/{id}/sessions/{session}/move", sessions.move),
            web.post("/engagements/{id}/sessions/{session}/cancel", sessions.cancel),
            web.post("/engagements/{id}/sessions/{session}/status", sessions.correct),
            web.get("/engagements/{id}/sessions.ics", sessions.coach_ics),
            web.get("/i/{token}/sessions.ics", sessions.client_ics),
            web.post("/account/time-zone", sessions.set_time_zone),
            web.get("/engagements/{id}/agenda", agenda.agenda_form),
            web.post("/engagements/{id}/agenda", agenda.agenda_save),
            web.get("/engagements/{id}/agreement", program.agreement_form),
            web.post("/engagements/{id}/agreement", program.agreement_save),
            web.post("/engagements/{id}/close", program.close),
            web.post("/engagements/{id}/erase", program.erase),
            web.get("/i/{token}/agreement", program.client_agreement),
            web.post("/i/{token}/agreement", program.client_accept),
            web.get("/i/{token}", client.invite_home),
            web.post("/engagements/{id}/notices/contact", notices.set_contact),
            web.post("/account/notices", notices.set_coach_mail),
            web.get("/u/{token}", notices.unsubscribe_form),
            web.post("/u/{token}", notices.unsubscribe),
            web.get("/i/{token}/room", room.client_room),
            web.get("/i/{token}/rehearsal", room.client_rehearsal),
            web.get("/engagements/{id}/check", techcheck.coach_check),
            web.get("/i/{token}/check", techcheck.client_check),
            web.get("/engagements/{id}/board", board.board_page),
            web.get("/engagements/{id}/board/print", board.print_page),
            web.get("/engagements/{id}/board/export.{kind:md|json}", board.export),
            web.get("/i/{token}/board", board.board_page),
            web.get("/i/{token}/board/print", board.print_page),
            web.get("/i/{token}/board/export.{kind:md|json}", board.export),
            web.static("/static", STATIC_DIR),
        ]
    )
    if vendor_dir.is_dir():
        app.router.add_static("/vendor/socket.io", vendor_dir)
