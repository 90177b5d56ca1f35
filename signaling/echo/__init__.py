"""The tech check's echo peer: a server-side aiortc peer that sends each client's own audio
and video back, so they see and hear themselves as their coach will.

Transport-agnostic on purpose: the Socket.IO layer calls `EchoService` and owns nothing."""

from signaling.echo.config import EchoConfig, EchoMode
from signaling.echo.service import EchoResources, EchoService, EchoSession

__all__ = ("EchoConfig", "EchoMode", "EchoResources", "EchoService", "EchoSession")
