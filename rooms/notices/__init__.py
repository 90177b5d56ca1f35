"""E-mail notices between sessions: what is due when, and what happened (docs/messages.md)."""

from rooms.notices.records import Contact, LogEntry, Notice, NoticeKind, Outcome

__all__ = ("Contact", "LogEntry", "Notice", "NoticeKind", "Outcome")
