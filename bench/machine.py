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
    try:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        return connection.vendor
    except Exception:  # noqa: BLE001
        return "no database"


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
