"""Facts about the machine and readings from /proc, so every figure says where it came from."""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = 0
GENERATOR_CPU = 1


def facts() -> dict[str, object]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": _version(["node", "--version"]),
        "chromium": _version(["/usr/bin/chromium", "--version"]),
        "loadavg_1m": os.getloadavg()[0],
    }


def _version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def machine_busy_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return user + nice + system + irq + softirq


@dataclass
class Sample:
    at: float
    ticks: int
    rss_kb: int
    busy: int


@dataclass
class Sampler:
    """Reads a server's CPU ticks and RSS every `every` seconds on a thread, so a scenario can
    ask afterwards for the peak RSS or the CPU spent inside any time window."""

    pid: int
    every: float = 0.25
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._take()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._take()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._take()

    def _take(self) -> None:
        try:
            sample = Sample(time.monotonic(), cpu_ticks(self.pid), rss_kb(self.pid), 0)
        except (FileNotFoundError, ProcessLookupError):
            return
        sample.busy = machine_busy_ticks()
        self.samples.append(sample)

    def peak_rss_mb(self) -> float:
        return round(max((s.rss_kb for s in self.samples), default=0) / 1024, 1)

    def window(self, start: float, end: float) -> tuple[float, float, float]:
        """(seconds, server CPU % of one core, other CPU % of one core) between two times."""
        inside = [s for s in self.samples if start <= s.at <= end]
        if len(inside) < 2:
            return 0.0, 0.0, 0.0
        first, last = inside[0], inside[-1]
        secs = last.at - first.at
        server = 100 * (last.ticks - first.ticks) / CLK_TCK / secs
        busy = 100 * (last.busy - first.busy) / CLK_TCK / secs
        return secs, server, busy - server
