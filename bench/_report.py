"""Shared helpers of the benchmarks: machine description and writing figures to docs/performance.md.

Each benchmark owns one section of docs/performance.md, between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->`; `--write` replaces that section with the run's figures, the command, the
machine and the date, so that no figure there is ever typed by hand.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "?"
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, Python {platform.python_version()}, {system}"


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=PERFORMANCE_MD.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def write_section(name: str, command: str, body: str) -> None:
    """Replace the section `name` of docs/performance.md with `body` and the run's context."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"<!-- bench:{name} -->\n"
        f"Command: `{command}`  \n"
        f"Machine: {machine()}  \n"
        f"Date: {stamp}, revision {git_revision()}\n\n"
        f"{body.strip()}\n"
        f"<!-- /bench:{name} -->"
    )
    text = PERFORMANCE_MD.read_text(encoding="utf-8")
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + f"\n\n{section}\n"
    PERFORMANCE_MD.write_text(text, encoding="utf-8")
