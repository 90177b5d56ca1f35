"""Settings, read once from an injectable environment mapping into a frozen object.

Every setting declares its environment variable, default and help text in one place; the
README's configuration table is generated from these declarations (`tandem config
--markdown`) and a test keeps the two equal. A bad value stops start-up with the key named.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import types
import typing
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from rooms.store.redis.connect import RedisTarget

LOG_LEVELS = ("debug", "info", "warning", "error")
TRANSPORT_POLICIES = ("all", "relay")
LOG_FORMATS = ("text", "json")


class ConfigError(ValueError):
    """A setting has a value Tandem cannot use; the message names the variable."""


def setting(env: str, default: Any, help: str, *, flag: str | None = None) -> Any:
    return dataclasses.field(default=default, metadata={"env": env, "help": help, "flag": flag})


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = setting("TANDEM_HOST", "127.0.0.1", "Address to listen on.", flag="--host")
    port: int = setting("TANDEM_PORT", 8080, "TCP port to listen on.", flag="--port")
    data_dir: Path = setting(
        "TANDEM_DATA_DIR", Path("data"), "Folder for the embedded SQLite store.", flag="--data-dir"
    )
    log_level: str = setting(
        "TANDEM_LOG_LEVEL", "info", "One of debug, info, warning, error.", flag="--log-level"
    )
    log_format: str = setting(
        "TANDEM_LOG_FORMAT",
        "text",
        "`text` (readable lines, for a terminal) or `json` (one JSON object per line).",
    )
    public_url: str = setting(
        "TANDEM_PUBLIC_URL",
        "",
        "Base URL people open, e.g. https://tandem.example.org; default http://HOST:PORT. "
        "An https URL makes cookies Secure.",
    )
    redis_url: str = setting(
        "REDIS_URL", "", "Redis URL for scale-out; empty uses the embedded SQLite store."
    )
    redis_sentinels: tuple[str, ...] = setting(
        "REDIS_SENTINELS",
        (),
        "Comma-separated host:port of Redis Sentinels; used instead of REDIS_URL's host to "
        "find the current master (store and Socket.IO).",
    )
    redis_sentinel_master: str = setting(
        "REDIS_SENTINEL_MASTER", "tandem", "The master's name as the Sentinels know it."
    )
    redis_wait_replicas: int = setting(
        "REDIS_WAIT_REPLICAS",
        0,
        "Acknowledge a board edit only once this many replicas hold it (Redis WAIT), "
        "at most as many as are connected.",
    )
    redis_wait_ms: int = setting(
        "REDIS_WAIT_MS",
        1000,
        "How long a board edit waits for its replicas before it is answered `unavailable`.",
    )
    allowed_origins: tuple[str, ...] = setting(
        "TANDEM_ALLOWED_ORIGINS",
        (),
        "Extra comma-separated origins allowed to open Socket.IO connections "
        "(the public URL's origin always is).",
    )
    trust_proxy: bool = setting(
        "TANDEM_TRUST_PROXY",
        False,
        "Take the client address from X-Forwarded-For (only behind your own reverse proxy).",
    )
    session_hours: int = setting(
        "TANDEM_SESSION_HOURS", 12, "How long a coach stays logged in, in hours."
    )

    stun_urls: tuple[str, ...] = setting(
        "TANDEM_STUN_URLS", (), "Comma-separated STUN URLs for calls, e.g. stun:turn.example:3478."
    )
    turn_urls: tuple[str, ...] = setting(
        "TANDEM_TURN_URLS",
        (),
        "Comma-separated TURN URLs, e.g. turn:turn.example:3478?transport=udp.",
    )
    turn_secret: str = setting(
        "TANDEM_TURN_SECRET", "", "coturn's static-auth-secret, for time-limited TURN credentials."
    )
    ice_transport_policy: str = setting(
        "TANDEM_ICE_TRANSPORT_POLICY",
        "all",
        "all, or relay: every call and tech check goes through the TURN server only "
        "(hides addresses; also how the tests force TURN). relay needs TANDEM_TURN_URLS.",
    )
    reconnect_grace_seconds: int = setting(
        "TANDEM_RECONNECT_GRACE_SECONDS",
        45,
        "How long a dropped connection keeps its seat while it reconnects.",
    )
    echo_max_sessions: int = setting(
        "TANDEM_ECHO_MAX_SESSIONS",
        4,
        "Tech-check echo sessions served at once; more people are told to retry shortly.",
    )
    echo_session_seconds: int = setting(
        "TANDEM_ECHO_SESSION_SECONDS",
        120,
        "Longest tech-check echo session, in seconds, before the server ends it.",
    )
    shutdown_seconds: int = setting(
        "TANDEM_SHUTDOWN_SECONDS",
        10,
        "On SIGTERM: the longest a process takes to hand its connections over and exit.",
    )
    metrics_token: str = setting(
        "TANDEM_METRICS_TOKEN",
        "",
        "Bearer token that opens /metrics from any address.",
    )
    metrics_allow: tuple[str, ...] = setting(
        "TANDEM_METRICS_ALLOW",
        (),
        "Comma-separated addresses or networks (e.g. 10.0.0.0/8) that may read /metrics "
        "without the token.",
    )
    inactive_days: int = setting(
        "TANDEM_INACTIVE_DAYS",
        14,
        "Days without client activity on the board before the dashboard flags the client.",
    )
    retention_days: int = setting(
        "TANDEM_RETENTION_DAYS",
        90,
        "Days a closed program is kept (for the final export) before everything of it is "
        "erased automatically.",
    )
    erase_check_seconds: int = setting(
        "TANDEM_ERASE_CHECK_SECONDS",
        3600,
        "How often the server looks for closed programs whose retention has run out.",
    )
    smtp_url: str = setting(
        "TANDEM_SMTP_URL",
        "",
        "SMTP server for e-mail notices: `smtp://user:password@host:587` "
        "(STARTTLS when offered), `smtps://…:465` (TLS) or `smtp://host:25?tls=off`. "
        "Empty: notices show in the app only.",
    )
    mail_from: str = setting(
        "TANDEM_MAIL_FROM", "tandem@localhost", "The From address of e-mail notices."
    )
    notice_check_seconds: int = setting(
        "TANDEM_NOTICE_CHECK_SECONDS",
        30,
        "How often the server sends the notices that are due (and plans those of what it "
        "changed since).",
    )
    notice_sweep_seconds: int = setting(
        "TANDEM_NOTICE_SWEEP_SECONDS",
        3600,
        "How often the server walks every engagement to plan notices for changes made "
        "outside it (the CLI) or by time alone; it also does so at start.",
    )

    session_held_minutes: int = setting(
        "TANDEM_SESSION_HELD_MINUTES",
        10,
        "Minutes both people must be in the video room together for a session to count as held.",
    )
    time_zone: str = setting(
        "TANDEM_TIME_ZONE",
        "Europe/Oslo",
        "IANA time zone for coaches who have not chosen their own (times are stored in UTC).",
    )

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"TANDEM_PORT must be between 1 and 65535, not {self.port}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"TANDEM_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"TANDEM_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.public_url and urlsplit(self.public_url).scheme not in ("http", "https"):
            raise ConfigError("TANDEM_PUBLIC_URL must start with http:// or https://")
        if not 1 <= self.session_hours <= 24 * 30:
            raise ConfigError("TANDEM_SESSION_HOURS must be between 1 and 720")
        if not 1 <= self.reconnect_grace_seconds <= 600:
            raise ConfigError("TANDEM_RECONNECT_GRACE_SECONDS must be between 1 and 600")
        if not 1 <= self.echo_max_sessions <= 200:
            raise ConfigError("TANDEM_ECHO_MAX_SESSIONS must be between 1 and 200")
        if not 10 <= self.echo_session_seconds <= 1800:
            raise ConfigError("TANDEM_ECHO_SESSION_SECONDS must be between 10 and 1800")
        if not 1 <= self.inactive_days <= 365:
            raise ConfigError("TANDEM_INACTIVE_DAYS must be between 1 and 365")
        if not 1 <= self.retention_days <= 3650:
            raise ConfigError("TANDEM_RETENTION_DAYS must be between 1 and 3650")
        if not 1 <= self.erase_check_seconds <= 86400:
            raise ConfigError("TANDEM_ERASE_CHECK_SECONDS must be between 1 and 86400")
        if not 1 <= self.notice_check_seconds <= 3600:
            raise ConfigError("TANDEM_NOTICE_CHECK_SECONDS must be between 1 and 3600")
        if not 1 <= self.notice_sweep_seconds <= 86400:
            raise ConfigError("TANDEM_NOTICE_SWEEP_SECONDS must be between 1 and 86400")
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            raise ConfigError("TANDEM_SMTP_URL must start with smtp:// or smtps://")
        if not 1 <= self.session_held_minutes <= 240:
            raise ConfigError("TANDEM_SESSION_HELD_MINUTES must be between 1 and 240")
        if not _known_zone(self.time_zone):
            raise ConfigError("TANDEM_TIME_ZONE must be an IANA time zone such as Europe/Oslo")
        if self.turn_urls and not self.turn_secret:
            raise ConfigError("TANDEM_TURN_SECRET is required when TANDEM_TURN_URLS is set")
        if self.ice_transport_policy not in TRANSPORT_POLICIES:
            raise ConfigError("TANDEM_ICE_TRANSPORT_POLICY must be all or relay")
        if self.ice_transport_policy == "relay" and not self.turn_urls:
            raise ConfigError("TANDEM_ICE_TRANSPORT_POLICY=relay needs TANDEM_TURN_URLS")
        if self.redis_url and urlsplit(self.redis_url).scheme not in ("redis", "rediss"):
            raise ConfigError("REDIS_URL must start with redis:// or rediss://")
        self._check_operations()

    def _check_operations(self) -> None:
        if not 1 <= self.shutdown_seconds <= 600:
            raise ConfigError("TANDEM_SHUTDOWN_SECONDS must be between 1 and 600")
        for entry in self.metrics_allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigError(f"TANDEM_METRICS_ALLOW has an invalid entry: {entry!r}") from None
        if self.redis_sentinels and not self.redis_url:
            raise ConfigError("REDIS_SENTINELS needs REDIS_URL (its database and password)")
        for entry in self.redis_sentinels:
            host, _, port = entry.rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError(f"REDIS_SENTINELS entries are host:port, not {entry!r}")
        if not 0 <= self.redis_wait_replicas <= 10:
            raise ConfigError("REDIS_WAIT_REPLICAS must be between 0 and 10")
        if not 10 <= self.redis_wait_ms <= 60000:
            raise ConfigError("REDIS_WAIT_MS must be between 10 and 60000")

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> Settings:
        """`overrides` (from CLI flags) win over `env`; None means "not given"."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            key = field.metadata["env"]
            if overrides.get(field.name) is not None:
                values[field.name] = overrides[field.name]
            elif env.get(key, "") != "":
                values[field.name] = _parse(key, env[key], hints[field.name])
        return cls(**values)

    @property
    def redis_target(self) -> RedisTarget | None:
        """Where Redis is, with Sentinel and replica waits; None for SQLite."""
        if not self.redis_url:
            return None
        from rooms.store.redis.connect import RedisTarget

        return RedisTarget.of(
            self.redis_url,
            self.redis_sentinels,
            self.redis_sentinel_master,
            wait_replicas=self.redis_wait_replicas,
            wait_ms=self.redis_wait_ms,
        )

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def origins(self) -> tuple[str, ...]:
        parts = urlsplit(self.base_url)
        return (f"{parts.scheme}://{parts.netloc}", *self.allowed_origins)


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse(key: str, raw: str, kind: Any) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(raw)
            return lowered in ("1", "true", "yes", "on")
        if kind is int:
            return int(raw)
        if kind is Path:
            return Path(raw)
        if typing.get_origin(kind) is tuple:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind is str or isinstance(kind, types.UnionType):
            return raw
    except ValueError as exc:
        raise ConfigError(f"{key} has an invalid value: {raw!r}") from exc
    raise ConfigError(f"{key}: unsupported setting type {kind}")


def markdown_table() -> str:
    """The README's configuration table; tests/test_config.py keeps the README equal to it."""
    rows = ["| Variable | Flag | Default | Meaning |", "|---|---|---|---|"]
    for field in dataclasses.fields(Settings):
        default = field.default
        if isinstance(default, tuple):
            default = ",".join(default)
        shown = f"`{default}`" if default not in ("", ()) else "(empty)"
        flag = f"`{field.metadata['flag']}`" if field.metadata["flag"] else ""
        rows.append(f"| `{field.metadata['env']}` | {flag} | {shown} | {field.metadata['help']} |")
    return "\n".join(rows)
