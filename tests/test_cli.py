"""The `tandem` command as an admin or a script uses it, run as a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from rooms.accounts import AccountPolicy, Accounts
from rooms.agreement import AgreementVersion
from rooms.board.records import PrivateNote
from rooms.clock import wall_clock
from rooms.message_service import Messages
from rooms.models import Role
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy, SessionKind
from rooms.sessions.schedule import SessionDraft
from rooms.store import open_store

PYTHON = sys.executable


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "REDIS_URL"))}
    return {**env, "TANDEM_DATA_DIR": str(data_dir), **extra}


async def run(
    args: list[str], env: dict[str, str], stdin: bytes = b"", command: list[str] | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *(command or [PYTHON, "-m", "server"]),
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_coach_and_engagement_commands(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    code, out, _ = await run(
        ["coach", "add", "ada@example.org", "--password-stdin"], env, b"a long enough password\n"
    )
    assert code == 0, out
    assert "ada@example.org" in out
    code, out, _ = await run(
        ["engagement", "add", "--coach", "ada@example.org", "--client", "Kari", "--lang", "nb"], env
    )
    assert code == 0
    assert re.search(r"Coach's room: +http://127\.0\.0\.1:8080/engagements/[0-9a-f]{16}", out)
    assert re.search(r"Client invite: http://127\.0\.0\.1:8080/i/[A-Za-z0-9_-]{43}", out)


async def test_coach_add_without_password_prints_a_setup_link(tmp_path: Path) -> None:
    code, out, _ = await run(["coach", "add", "bo@example.org"], env_for(tmp_path))
    assert code == 0
    assert re.search(r"/setup/[A-Za-z0-9_-]{43}", out)


async def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    code, _, err = await run(["coach", "add", "x@example.org", "--password-stdin"], env, b"short\n")
    assert code == 1
    assert "at least 10 characters" in err
    code, _, err = await run(
        ["engagement", "add", "--coach", "nobody@example.org", "--client", "K"], env
    )
    assert code == 1 and "No coach" in err
    code, _, err = await run(["serve"], env_for(tmp_path, TANDEM_PORT="nope"))
    assert code == 2 and "TANDEM_PORT" in err
    assert "Traceback" not in err


async def test_serve_prints_the_url_and_a_first_run_link_then_serves(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "server",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "d"),
        env=env_for(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        second = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert f"http://127.0.0.1:{port}/" in first
        link = re.search(r"(http://\S+/setup/\S+)", second)
        assert link, second
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 200
                assert 'data-testid="landing"' in await response.text()
            async with http.get(link.group(1)) as response:
                assert response.status == 200
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 30) == 0
    assert (tmp_path / "d" / "tandem.sqlite3").exists()


async def test_config_markdown(tmp_path: Path) -> None:
    code, out, _ = await run(["config", "--markdown"], env_for(tmp_path))
    assert code == 0 and "`TANDEM_PORT`" in out


async def test_serve_on_a_taken_port_says_so_in_one_line_and_exits(tmp_path: Path) -> None:
    """Issue 16, acceptance 7: the installed `tandem` entry point, not `python -m`."""
    tandem = Path(PYTHON).with_name("tandem")
    assert tandem.exists(), f"{tandem} is missing: run make setup"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = asyncio.get_running_loop().time()
        process = await asyncio.create_subprocess_exec(
            str(tandem),
            "serve",
            "--port",
            str(port),
            env=env_for(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout=5)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        elapsed = asyncio.get_running_loop().time() - started
    assert process.returncode not in (0, None)
    assert elapsed < 5
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert str(port) in lines[0] and "already in use" in lines[0]
    assert out.decode() == ""


# --- admin commands (issue 14, acceptance 4): the INSTALLED entry point -------------------

TANDEM = str(Path(sys.executable).with_name("tandem"))


async def tandem(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, str, str]:
    return await run(args, env, stdin, command=[TANDEM])


def one_plain_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


async def seeded(env: dict[str, str], email: str = "ada@example.org", client: str = "Kari") -> str:
    await tandem(["coach", "add", email, "--password-stdin"], env, b"a long enough password\n")
    code, out, err = await tandem(
        ["engagement", "add", "--coach", email, "--client", client, "--lang", "nb"], env
    )
    assert code == 0, err
    found = re.search(r"/engagements/([0-9a-f]{16})", out)
    assert found
    return found.group(1)


async def test_engagement_list_show_rotate_revoke(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = await seeded(env)
    second = await seeded(env, "bo@example.org", "Lars")
    code, out, _ = await tandem(["engagement", "list"], env)
    assert code == 0 and first in out and second in out and "Lars" in out
    code, out, _ = await tandem(["engagement", "list", "--coach", "bo@example.org"], env)
    assert code == 0 and second in out and first not in out
    code, out, _ = await tandem(["engagement", "show", first], env)
    assert code == 0
    assert "Kari (nb)" in out and "ada@example.org" in out and "not yet accepted" in out
    old = re.search(r"/i/([A-Za-z0-9_-]{43})", out)
    assert old
    code, out, _ = await tandem(["engagement", "rotate", first], env)
    new = re.search(r"/i/([A-Za-z0-9_-]{43})", out)
    assert code == 0 and new and new.group(1) != old.group(1)
    code, out, _ = await tandem(["engagement", "revoke", first], env)
    assert code == 0 and "revoked" in out
    code, out, _ = await tandem(["engagement", "show", first], env)
    assert "invite revoked" in out


async def test_close_and_export(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    gone = await seeded(env)
    store = await open_store(f"sqlite:///{tmp_path / 'tandem.sqlite3'}")
    try:
        engagement = await store.engagement(gone)
        assert engagement is not None
        agreed = AgreementVersion(
            1, "Avtalen vår", 1.0, 1.0, accepted_at=2.0, accepted_by=Role.CLIENT, accepted_name="K"
        )
        await store.agreement_write(gone, None, agreed)
        await store.private_note_put(gone, PrivateNote("note-1", "Only the coach", 1.0, 1.0))
        await Messages(store, wall_clock).send(engagement, Role.CLIENT, "cli-msg-1", "Hei coach")
        start = wall_clock() + 3 * 86400
        draft = SessionDraft(start, 60, SessionKind.VIDEO)
        await Sessions(store, wall_clock, HeldPolicy()).plan(engagement, draft)
    finally:
        await store.close()

    code, out, _ = await tandem(["engagement", "close", gone], env)
    assert code == 0 and "closed" in out and "erased automatically" in out
    code, out, _ = await tandem(["engagement", "show", gone], env)
    assert "State:       closed" in out
    code, out, _ = await tandem(["engagement", "export", gone], env)
    assert code == 0 and "Avtalen vår" in out and "Only the coach" not in out
    assert "    Hei coach" in out  # the thread, verbatim and indented
    code, out, _ = await tandem(
        ["engagement", "export", gone, "--as", "coach", "--format", "json"], env
    )
    assert code == 0 and json.loads(out)["private_notes"][0]["text"] == "Only the coach"
    document = json.loads(out)
    assert [m["text"] for m in document["messages"]] == ["Hei coach"]
    assert [s["planned_start"] for s in document["sessions"]] == [start]
    target = tmp_path / "export.md"
    code, out, _ = await tandem(["engagement", "export", gone, "--output", str(target)], env)
    assert code == 0 and "Avtalen vår" in target.read_text() and str(target) in out


async def test_erase_needs_yes_and_leaves_the_others(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    gone = await seeded(env)
    kept = await seeded(env, client="Stays")
    code, _, err = await tandem(["engagement", "erase", gone], env)
    assert code == 1 and one_plain_line(err) and "--yes" in err
    code, out, _ = await tandem(["engagement", "erase", gone, "--yes"], env)
    assert code == 0 and "erased" in out
    code, out, _ = await tandem(["engagement", "list"], env)
    assert gone not in out and kept in out
    code, _, err = await tandem(["engagement", "show", gone], env)
    assert code == 1 and one_plain_line(err) and f"No engagement with the id {gone}" in err


async def test_coach_list_reset_password_and_remove(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    owned = await seeded(env)
    await tandem(
        ["coach", "add", "heir@example.org", "--password-stdin"], env, b"another long one\n"
    )
    code, out, _ = await tandem(["coach", "list"], env)
    assert code == 0 and "ada@example.org" in out and "1 engagement(s)" in out

    code, _, err = await tandem(["coach", "reset-password", "ada@example.org"], env, b"short\n")
    assert code == 1 and one_plain_line(err) and "at least 10 characters" in err
    code, out, _ = await tandem(
        ["coach", "reset-password", "ada@example.org"], env, b"a brand new password\n"
    )
    assert code == 0 and "reset" in out
    store = await open_store(f"sqlite:///{tmp_path / 'tandem.sqlite3'}")
    try:
        accounts = Accounts(store, wall_clock, AccountPolicy())
        token, _ = await accounts.login("ada@example.org", "a brand new password", "127.0.0.1")
        assert token
    finally:
        await store.close()

    code, _, err = await tandem(["coach", "remove", "ada@example.org", "--yes"], env)
    assert code == 1 and one_plain_line(err) and "--hand-to" in err
    code, _, err = await tandem(["coach", "remove", "ada@example.org"], env)
    assert code == 1 and one_plain_line(err) and "--yes" in err
    code, out, _ = await tandem(
        ["coach", "remove", "ada@example.org", "--hand-to", "heir@example.org", "--yes"], env
    )
    assert code == 0 and "handed to heir@example.org" in out and "removed" in out
    code, out, _ = await tandem(["engagement", "list", "--coach", "heir@example.org"], env)
    assert owned in out
    code, out, _ = await tandem(
        ["coach", "remove", "heir@example.org", "--erase-engagements", "--yes"], env
    )
    assert code == 0 and "1 engagement(s) erased" in out
    code, out, _ = await tandem(["coach", "list"], env)
    assert "No coaches yet." in out


@pytest.mark.parametrize(
    "args",
    [
        ["engagement", "show", "0123456789abcdef"],
        ["engagement", "rotate", "nope"],
        ["engagement", "revoke", "nope"],
        ["engagement", "close", "nope"],
        ["engagement", "export", "nope"],
        ["engagement", "erase", "nope", "--yes"],
        ["engagement", "list", "--coach", "nobody@example.org"],
        ["coach", "remove", "nobody@example.org", "--yes"],
        ["coach", "reset-password", "nobody@example.org"],
        ["engagement", "show"],
        ["engagement", "frobnicate"],
        ["engagement", "export", "x", "--format", "pdf"],
    ],
)
async def test_wrong_input_is_one_plain_line_and_non_zero(tmp_path: Path, args: list[str]) -> None:
    code, out, err = await tandem(args, env_for(tmp_path), b"a long enough password\n")
    assert code != 0
    assert one_plain_line(err), err
    assert out == ""
