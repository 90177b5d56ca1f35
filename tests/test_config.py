"""Settings: parsing, errors that name the key, and the README table kept in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ConfigError, Settings, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.port == 8080
    assert settings.redis_url == ""
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.secure_cookies is False


def test_environment_and_flags() -> None:
    env = {
        "TANDEM_PORT": "9000",
        "TANDEM_DATA_DIR": "/tmp/x",
        "TANDEM_TRUST_PROXY": "yes",
        "TANDEM_ALLOWED_ORIGINS": "https://a.example, https://b.example",
    }
    settings = Settings.from_env(env, port=9100, host=None)
    assert settings.port == 9100  # the flag wins
    assert settings.host == "127.0.0.1"  # None means "flag not given"
    assert settings.data_dir == Path("/tmp/x")
    assert settings.trust_proxy is True
    assert settings.origins == ("http://127.0.0.1:9100", "https://a.example", "https://b.example")


def test_https_public_url_makes_cookies_secure() -> None:
    settings = Settings.from_env({"TANDEM_PUBLIC_URL": "https://tandem.example/"})
    assert settings.secure_cookies is True
    assert settings.base_url == "https://tandem.example"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TANDEM_PORT", "eighty"),
        ("TANDEM_PORT", "70000"),
        ("TANDEM_LOG_LEVEL", "loud"),
        ("TANDEM_TRUST_PROXY", "maybe"),
        ("TANDEM_PUBLIC_URL", "ftp://x"),
        ("REDIS_URL", "http://localhost"),
        ("TANDEM_SESSION_HOURS", "0"),
        ("TANDEM_INACTIVE_DAYS", "0"),
        ("TANDEM_ICE_TRANSPORT_POLICY", "none"),
        ("TANDEM_ICE_TRANSPORT_POLICY", "relay"),  # relay-only without a TURN server
        ("TANDEM_LOG_FORMAT", "xml"),
        ("TANDEM_SHUTDOWN_SECONDS", "0"),
        ("REDIS_SENTINELS", "no-port-here"),  # (and without REDIS_URL: named too)
        ("REDIS_WAIT_REPLICAS", "-1"),
        ("TANDEM_METRICS_ALLOW", "10.0.0.0/8,not-an-address"),
    ],
)
def test_bad_values_fail_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        Settings.from_env({key: value})


def test_readme_settings_table_matches_the_code() -> None:
    readme = README.read_text(encoding="utf-8")
    start = readme.index("<!-- settings:start -->") + len("<!-- settings:start -->")
    end = readme.index("<!-- settings:end -->")
    assert readme[start:end].strip() == markdown_table(), (
        "README settings table is stale: paste the output of `tandem config --markdown`"
    )


def test_relay_only_with_a_turn_server() -> None:
    env = {
        "TANDEM_TURN_URLS": "turn:turn.example:3478",
        "TANDEM_TURN_SECRET": "s3cret",
        "TANDEM_ICE_TRANSPORT_POLICY": "relay",
    }
    assert Settings.from_env(env).ice_transport_policy == "relay"
    assert Settings.from_env({}).ice_transport_policy == "all"
