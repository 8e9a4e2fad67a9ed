"""make bench: run every benchmark (or those named), print the figures, update docs/performance.md.

python -m bench                 # all
python -m bench imports dedup   # some
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("DEBUG", "1")


def _imports() -> tuple[str, str]:
    from bench import import_speed

    return import_speed.run()


def _dedup() -> tuple[str, str]:
    from bench import dedup_accuracy

    if not dedup_accuracy.data_available():
        return "Deduplication accuracy", f"Skipped: labelled sets not found at {dedup_accuracy.SHARED_DATA}."
    rows = dedup_accuracy.run_all(bib_dedupe=True)
    print(dedup_accuracy.text_table(rows))
    print(dedup_accuracy.side_by_side_text(rows))
    body = (
        "Automatic merges alone, on the labelled sets in `../shared/data` (records shuffled with a fixed seed). "
        "bib-dedupe sets are scored pairwise; the ASySD set as records removed (see `bench/dedup_accuracy.py`). "
        "Target: sensitivity ≥ 0.98 and precision ≥ 0.998 on every set.\n\n"
        + dedup_accuracy.markdown_table(rows)
        + "\n### Side by side with bib-dedupe\n\n"
        + dedup_accuracy.side_by_side_markdown(rows)
    )
    return "Deduplication accuracy", body


def _screening() -> tuple[str, str]:
    from bench import screening_speed

    return screening_speed.run()


def _coding() -> tuple[str, str]:
    from bench import coding_speed

    return coding_speed.run()


def _pages() -> tuple[str, str]:
    from bench import page_speed

    return page_speed.run()


def _backup() -> tuple[str, str]:
    from bench import backup_speed

    return backup_speed.run()


BENCHMARKS = {
    "imports": _imports,
    "dedup": _dedup,
    "screening": _screening,
    "coding": _coding,
    "pages": _pages,
    "backup": _backup,
}


def main(names: list[str]) -> None:
    from bench.machine import describe
    from bench.report import write_section

    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        raise SystemExit(f"unknown benchmarks {sorted(unknown)}; choose from {sorted(BENCHMARKS)}")
    for name in names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        title, body = BENCHMARKS[name]()
        write_section(name, title, body, describe(with_database=name != "dedup"))
    print(f"Results written to {PROJECT_ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
