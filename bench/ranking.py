"""Relevance ranking against ASReview's default model, by simulated screening on the labelled Cohen 2006 sets.

    make bench-ranking                                  # everything (hours; ASReview's runs are cached)
    python -m bench.ranking --sets ADHD Triptans --seeds 1 2
    python -m bench.ranking --only asreview             # fill ASReview's cache, write nothing
    python -m bench.ranking --no-write                  # print, leave docs/performance.md alone

Protocol: every CSV in ``$TANDEM_SHARED_DATA/asreview-systematic-review-datasets`` that has titles,
abstracts and label columns, once per label column (``label_included`` and ``label_abstract_screening``
are separate runs); seeds 1-5; per seed one relevant and one irrelevant prior, drawn by
``lib.ranking_simulation.simulation_priors`` and given to both tools, which then screen until the last
relevant record is found (ASReview's default stop). Tandem runs through ``manage.py simulate_screening``;
ASReview 3.0.8 with its default model (``elas_u4``) runs in a throwaway virtualenv under
``var/bench/ranking/`` (``bench/asreview_simulate.py``), its results cached there per set, labels, seed and
priors. Seconds are each tool's own measure from reading the file to the last record, one simulation at a
time, both single-threaded (BLAS threads pinned to 1).
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from lib.ranking import features_dump, features_fit, features_load, rank_scores  # noqa: E402
from lib.ranking_simulation import (  # noqa: E402
    LabelledSet,
    labelled_csv_decode,
    labelled_csv_read,
    rrf,
    simulation_priors,
    wss,
)

SHARED_DATA = Path(os.environ.get("TANDEM_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
DATA_DIR = SHARED_DATA / "asreview-systematic-review-datasets"
WORK_DIR = PROJECT_ROOT / "var" / "bench" / "ranking"
ASREVIEW_VENV = WORK_DIR / "asreview-venv"
ASREVIEW_VERSION = "3.0.8"
ASREVIEW_RUNNER = PROJECT_ROOT / "bench" / "asreview_simulate.py"
LABEL_COLUMNS = ("label_included", "label_abstract_screening")
SEEDS = (1, 2, 3, 4, 5)
TIMING_SET_SIZE = 2000
RETRAIN_RECORDS, RETRAIN_DECISIONS, TARGET_RETRAIN_SECONDS = 20_000, 5_000, 1.0
SINGLE_THREAD = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")


@dataclass(frozen=True)
class Run:
    """One simulation's figures."""

    wss95: float
    wss100: float
    rrf10: float
    seconds: float


@dataclass(frozen=True)
class Case:
    """A labelled set under one label column."""

    path: Path
    label_column: str
    labelled: LabelledSet

    @property
    def name(self) -> str:
        return self.path.stem.removeprefix("Cohen_2006_")

    @property
    def relevant_rows(self) -> set[int]:
        return {row for row, label in enumerate(self.labelled.labels) if label}


def cases(set_names: list[str]) -> list[Case]:
    found = []
    for path in sorted(DATA_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            header = {name.strip().lower() for name in next(csv.reader(handle), [])}
        if not {"record_id", "title", "abstract"} <= header:
            continue
        if set_names and not any(name.lower() in path.stem.lower() for name in set_names):
            continue
        text = labelled_csv_decode(path.read_bytes())
        for label_column in LABEL_COLUMNS:
            if label_column in header:
                found.append(Case(path, label_column, labelled_csv_read(text, label_column=label_column)))
    return found


def metrics(case: Case, order: list[int], seconds: float) -> Run:
    relevant, records = case.relevant_rows, len(case.labelled.labels)
    if not relevant <= set(order):
        raise RuntimeError(f"{case.name} {case.label_column}: the order misses relevant records")
    return Run(
        wss95=wss(order, relevant, 0.95, records=records),
        wss100=wss(order, relevant, 1.0, records=records),
        rrf10=rrf(order, relevant, 10, records=records),
        seconds=seconds,
    )


def tandem_run(case: Case, seed: int, priors: list[int]) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        order_file = Path(folder) / "order.txt"
        command = [
            sys.executable, "manage.py", "simulate_screening", str(case.path),
            "--label-column", case.label_column, "--seed", str(seed), "--stop-after-all-relevant",
            "--order-output", str(order_file), "--json",
        ]  # fmt: skip
        env = os.environ | SINGLE_THREAD | {"DEBUG": "1"}
        output = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
        )
        figures = json.loads(output.stdout.strip().splitlines()[-1])
        row_of = {record_id: row for row, record_id in enumerate(case.labelled.record_ids)}
        order = [row_of[line] for line in order_file.read_text().splitlines()]
    if order[: len(priors)] != priors:
        raise RuntimeError(f"{case.name}: Tandem started from {order[:2]}, not the priors {priors}")
    return metrics(case, order, figures["seconds"])


@functools.cache
def asreview_python() -> Path:
    python = ASREVIEW_VENV / "bin" / "python"
    installed = subprocess.run(
        [python, "-c", "import asreview; print(asreview.__version__)"], capture_output=True, text=True
    ) if python.exists() else None  # fmt: skip
    if installed is None or installed.stdout.strip() != ASREVIEW_VERSION:
        print(f"Installing ASReview {ASREVIEW_VERSION} into {ASREVIEW_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", ASREVIEW_VENV], check=True)
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"asreview=={ASREVIEW_VERSION}",
            ],
            check=True,
        )
    return python


def asreview_run(case: Case, seed: int, priors: list[int]) -> Run:
    """ASReview's simulation from the same priors (cached: it is the slow half)."""
    dataset = _asreview_dataset(case)
    digest = hashlib.sha256(dataset.read_bytes()).hexdigest()[:16]
    cache = WORK_DIR / "asreview" / f"{case.name}-{case.label_column}-seed{seed}.json"
    key = {"asreview": ASREVIEW_VERSION, "dataset": digest, "seed": seed, "priors": priors}
    result = json.loads(cache.read_text()) if cache.exists() else {}
    if result.get("key") != key:
        command = [asreview_python(), ASREVIEW_RUNNER, dataset, str(seed), *map(str, priors)]
        # In the work folder: ASReview's dataset package leaves a cache file in the current folder.
        output = subprocess.run(
            command, cwd=WORK_DIR, env=os.environ | SINGLE_THREAD, capture_output=True, text=True, check=True
        )
        result = {"key": key, **json.loads(output.stdout.strip().splitlines()[-1])}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(result))
    if "relevant" in result and set(result["relevant"]) != case.relevant_rows:
        raise RuntimeError(f"{case.name}: ASReview read other labels than Tandem")
    if result["order"][: len(priors)] != priors:
        raise RuntimeError(
            f"{case.name}: ASReview started from {result['order'][:2]}, not the priors {priors}"
        )
    return metrics(case, result["order"], result["seconds"])


def _asreview_dataset(case: Case) -> Path:
    """The set as ASReview reads it: row number as record id, title, abstract, the chosen label as `included`."""
    path = WORK_DIR / "data" / f"{case.name}-{case.label_column}.csv"
    rows = list(csv.DictReader(labelled_csv_decode(case.path.read_bytes()).splitlines()))
    if len(rows) != len(case.labelled.labels):
        raise RuntimeError(
            f"{case.name}: {len(rows)} rows read for ASReview, {len(case.labelled.labels)} for Tandem"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "included"])
        for row, (values, label) in enumerate(zip(rows, case.labelled.labels, strict=True)):
            writer.writerow([row, values.get("title", ""), values.get("abstract", ""), int(label)])
    return path


@dataclass(frozen=True)
class Comparison:
    case: Case
    tandem: list[Run]
    asreview: list[Run]


def compare(case: Case, seeds: list[int], tools: set[str]) -> Comparison:
    tandem, asreview = [], []
    for seed in seeds:
        priors = simulation_priors(case.labelled.labels, seed=seed)
        if "asreview" in tools:
            asreview.append(asreview_run(case, seed, priors))
        if "tandem" in tools:
            tandem.append(tandem_run(case, seed, priors))
        print(_progress(case, seed, tandem, asreview), flush=True)
    return Comparison(case, tandem, asreview)


def _progress(case: Case, seed: int, tandem: list[Run], asreview: list[Run]) -> str:
    parts = [f"{case.name:<24} {case.label_column:<25} seed {seed}"]
    for tool, runs in (("Tandem", tandem), ("ASReview", asreview)):
        if runs:
            run = runs[-1]
            parts.append(f"{tool} WSS@95 {100 * run.wss95:5.1f} RRF@10 {run.rrf10:5.1f} {run.seconds:6.1f} s")
    return " | ".join(parts)


def _mean(runs: list[Run], field: str) -> float:
    return statistics.fmean(getattr(run, field) for run in runs)


def _wss95_cell(runs: list[Run]) -> str:
    values = [100 * run.wss95 for run in runs]
    return f"{statistics.fmean(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def markdown_table(comparisons: list[Comparison]) -> str:
    lines = [
        "| Set | Labels | Records | Relevant | WSS@95 Tandem | WSS@95 ASReview | WSS@100 T / A | RRF@10 T / A | Seconds T / A |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for comparison in comparisons:
        case, tandem, asreview = comparison.case, comparison.tandem, comparison.asreview
        mark = "" if _mean(tandem, "wss95") >= _mean(asreview, "wss95") - 1e-9 else " ⚠"
        lines.append(
            f"| {case.name} | {case.label_column.removeprefix('label_')} | {len(case.labelled.labels):,} "
            f"| {len(case.relevant_rows)} | {_wss95_cell(tandem)}{mark} | {_wss95_cell(asreview)} "
            f"| {100 * _mean(tandem, 'wss100'):.1f} / {100 * _mean(asreview, 'wss100'):.1f} "
            f"| {_mean(tandem, 'rrf10'):.1f} / {_mean(asreview, 'rrf10'):.1f} "
            f"| {_mean(tandem, 'seconds'):.1f} / {_mean(asreview, 'seconds'):.1f} |"
        )
    everything_t = [run for comparison in comparisons for run in comparison.tandem]
    everything_a = [run for comparison in comparisons for run in comparison.asreview]
    lines.append(
        f"| **All** | | | | **{100 * _mean(everything_t, 'wss95'):.1f}** | **{100 * _mean(everything_a, 'wss95'):.1f}** "
        f"| {100 * _mean(everything_t, 'wss100'):.1f} / {100 * _mean(everything_a, 'wss100'):.1f} "
        f"| {_mean(everything_t, 'rrf10'):.1f} / {_mean(everything_a, 'rrf10'):.1f} "
        f"| {_mean(everything_t, 'seconds'):.1f} / {_mean(everything_a, 'seconds'):.1f} |"
    )
    return "\n".join(lines)


def targets(comparisons: list[Comparison]) -> list[str]:
    # In points, to two decimals: a mean over five seeds moves by a few hundredths when one run ends a record
    # sooner or later, and one decimal would hide on which side.
    behind = [
        f"{comparison.case.name} ({comparison.case.label_column}, {100 * gap:+.2f})"
        for comparison in comparisons
        if (gap := _mean(comparison.tandem, "wss95") - _mean(comparison.asreview, "wss95")) < -1e-9
    ]
    mean_t = statistics.fmean(_mean(comparison.tandem, "wss95") for comparison in comparisons)
    mean_a = statistics.fmean(_mean(comparison.asreview, "wss95") for comparison in comparisons)
    lines = [
        f"- Mean WSS@95 at least ASReview's on every set: {'met' if not behind else 'MISSED on ' + ', '.join(behind)}.",
        f"- Mean WSS@95 higher on average ({100 * mean_t:.2f}% against {100 * mean_a:.2f}%, "
        f"{100 * (mean_t - mean_a):+.2f} points): {'met' if mean_t > mean_a else 'MISSED'}.",
    ]
    timing = min(
        comparisons, key=lambda comparison: abs(len(comparison.case.labelled.labels) - TIMING_SET_SIZE)
    )
    seconds_t, seconds_a = _mean(timing.tandem, "seconds"), _mean(timing.asreview, "seconds")
    lines.append(
        f"- A {len(timing.case.labelled.labels):,}-record set ({timing.case.name}, {timing.case.label_column}) in "
        f"under half ASReview's time: {seconds_t:.1f} s against {seconds_a:.1f} s "
        f"({seconds_t / seconds_a:.0%}): {'met' if seconds_t < seconds_a / 2 else 'MISSED'}."
    )
    return lines


def retraining(all_cases: list[Case]) -> dict:
    """Retraining on a large review: every set's records, repeated up to 20,000, with 5,000 decisions."""
    import numpy as np

    texts = [text for case in all_cases[::2] for text in case.labelled.texts]
    labels = [label for case in all_cases[::2] for label in case.labelled.labels]
    texts, labels = (texts * 2)[:RETRAIN_RECORDS], (labels * 2)[:RETRAIN_RECORDS]
    started = time.perf_counter()
    features = features_fit(texts)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    blob = features_dump(features)
    features = features_load(blob)
    store_seconds = time.perf_counter() - started
    rows = np.random.default_rng(0).choice(len(texts), size=RETRAIN_DECISIONS, replace=False)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        rank_scores(features, rows, [labels[row] for row in rows])
        timings.append(time.perf_counter() - started)
    return {
        "records": len(texts),
        "relevant": int(sum(labels[row] for row in rows)),
        "fit": fit_seconds,
        "megabytes": len(blob) / 1e6,
        "store": store_seconds,
        "median": statistics.median(timings),
        "slowest": max(timings),
    }


def retraining_lines(result: dict) -> list[str]:
    verdict = "met" if result["slowest"] <= TARGET_RETRAIN_SECONDS else "MISSED"
    return [
        f"- Retraining with {result['records']:,} records and {RETRAIN_DECISIONS:,} decisions "
        f"({result['relevant']} relevant): {result['median']:.2f} s median, {result['slowest']:.2f} s slowest of 5 "
        f"(target ≤ {TARGET_RETRAIN_SECONDS:.0f} s: {verdict}). Features once per import: {result['fit']:.1f} s; "
        f"stored in {result['megabytes']:.1f} MB, dumped and loaded again in {result['store']:.2f} s.",
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ranking", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=[], help="part of a file name (default: every set)")
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS))
    parser.add_argument("--only", choices=["tandem", "asreview"], help="run one tool (nothing is written)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/performance.md alone")
    arguments = parser.parse_args(argv)
    if not DATA_DIR.is_dir():
        raise SystemExit(f"Labelled sets not found at {DATA_DIR} (set TANDEM_SHARED_DATA).")
    tools = {arguments.only} if arguments.only else {"tandem", "asreview"}
    comparisons = [compare(case, arguments.seeds, tools) for case in cases(arguments.sets)]
    if arguments.only:
        return
    table = markdown_table(comparisons)
    verdicts = targets(comparisons) + retraining_lines(retraining(cases([])))
    print(table + "\n\n" + "\n".join(verdicts))
    if not arguments.no_write:
        _write(comparisons, arguments.seeds, table, verdicts)


def _write(comparisons: list[Comparison], seeds: list[int], table: str, verdicts: list[str]) -> None:
    from bench.machine import describe
    from bench.report import write_section

    body = (
        f"Simulated title/abstract screening (`python manage.py simulate_screening`) against ASReview "
        f"{ASREVIEW_VERSION}'s default model (`elas_u4`: TF-IDF of words and word pairs, linear SVM) on "
        f"{len({comparison.case.path for comparison in comparisons})} labelled Cohen 2006 sets, each with both "
        f"label columns; seeds {', '.join(map(str, seeds))}, one relevant and one irrelevant prior per seed, the "
        "same for both tools; each screens until the last relevant record. WSS@95 as mean (range) in percent; "
        "WSS@100, RRF@10 (percent of relevant found in the first 10% of records) and seconds per simulation as "
        "means, Tandem / ASReview. ⚠ marks a set where Tandem's mean WSS@95 is below ASReview's. Model and "
        "method: docs/ranking.md; protocol: `bench/ranking.py`.\n\n" + table + "\n\n" + "\n".join(verdicts)
    )
    write_section("ranking", "Relevance ranking against ASReview", body, describe(with_database=False))
    print(f"Results written to {PROJECT_ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
