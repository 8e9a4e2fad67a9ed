"""A one-line description of the machine a benchmark ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1048576:.0f} GiB"
    except OSError:
        pass
    return "unknown memory"


def _postgres_version() -> str:
    """The server the benchmarks create their databases on."""
    import psycopg

    from bench.import_speed import ADMIN_URL

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return "PostgreSQL unreachable"
    return f"PostgreSQL {version.split()[0]}"


def describe(with_database: bool = True) -> str:
    parts = [
        f"{os.cpu_count()} cores ({_cpu_model()})",
        _memory_gib(),
        f"Python {platform.python_version()}",
        platform.system() + " " + platform.release().split("-")[0],
    ]
    if with_database:
        parts.append(_postgres_version())
    return ", ".join(parts)
