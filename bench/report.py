"""docs/performance.md: each benchmark owns one marked section and rewrites only that."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
HEADER = """# Performance

Every figure here is written by `make bench` (`python -m bench [NAME ...]`) on the machine named in
its section. Benchmarks measure; the test suite asserts behaviour. Targets come from the issues.
"""


def write_section(name: str, title: str, body: str, machine: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else HEADER
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"<!-- bench:{name} -->\n## {title}\n\nMeasured {stamp} on {machine}.\n\n{body.strip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
