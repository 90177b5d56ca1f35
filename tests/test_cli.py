"""The `tandem` command as an admin or a script uses it, run as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import aiohttp

PYTHON = sys.executable


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "REDIS_URL"))}
    return {**env, "TANDEM_DATA_DIR": str(data_dir), **extra}


async def run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "server",
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
