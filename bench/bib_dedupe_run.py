"""Run bib-dedupe on one CSV of records and print, as JSON, the groups it merges automatically.

Run by the Python of the throwaway virtualenv that ``bench/dedup_accuracy.py`` makes for bib-dedupe (never by
the project's own): it imports bib-dedupe and the standard library only, nothing of Tandem.

    <venv>/bin/python bench/bib_dedupe_run.py RECORDS.csv

RECORDS.csv has bib-dedupe's column names (ID, ENTRYTYPE, author, title, year, journal, booktitle, volume,
number, pages, doi, abstract). Output: ``{"version", "groups", "maybe_pairs", "seconds"}``: ``groups`` are the
record ids bib-dedupe links as duplicates on its own ("duplicate" pairs, clustered by its ``cluster``);
``maybe_pairs`` counts the pairs it leaves to a person ("maybe"), which are not merged; ``seconds`` times
prep, block, match and cluster, on one process (``cpu=1``) as Tandem's detector runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version

import pandas as pd
from bib_dedupe import bib_dedupe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", help="CSV of records in bib-dedupe's column names")
    parser.add_argument("--cpu", type=int, default=1, help="processes bib-dedupe may use (-1: all)")
    args = parser.parse_args(argv)

    # Every column as text: pandas would otherwise read volumes and years as floats ("12.0").
    records = pd.read_csv(args.records, dtype=str, keep_default_na=False)
    start = time.perf_counter()
    prepared = bib_dedupe.prep(records, verbosity_level=0, cpu=args.cpu)
    blocked = bib_dedupe.block(prepared, verbosity_level=0, cpu=args.cpu)
    matched = bib_dedupe.match(blocked, verbosity_level=0, cpu=args.cpu)
    groups = bib_dedupe.cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - start

    maybe = int((matched["duplicate_label"] == "maybe").sum()) if "duplicate_label" in matched else 0
    json.dump(
        {
            "version": version("bib-dedupe"),
            "groups": [sorted(str(record_id) for record_id in group) for group in groups if len(group) > 1],
            "maybe_pairs": maybe,
            "seconds": seconds,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
