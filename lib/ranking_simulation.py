"""Simulated screening with the live ranking: how much work the ranking saves on a labelled set.

The loop is the one live screening follows: a few prior decisions, then repeatedly rank with
`lib.ranking.rank_scores`, retrained after every decision as live screening does (screening.services.ranking
retrains after each decision, one retraining at a time), and screen the top-ranked unscreened record. The metrics are those ASReview reports: WSS@r (work saved over sampling at recall r) and
RRF@p (relevant records found after screening p percent of the records).
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from lib.ranking import Features, rank_scores, record_text

SIMULATION_NEEDS_BOTH = (
    "The labelled set needs {included} relevant and {excluded} irrelevant records for the priors."
)


LABELLED_CSV_MISSING_COLUMNS = "The file has no column {columns}; its columns are {found}."
LABELLED_CSV_BAD_LABEL = (
    "Line {line}: {value!r} in column {column!r} is not a label (1/0, yes/no, true/false)."
)
LABELLED_CSV_NO_RECORDS = "The file has no records."
_TRUE_LABELS = {"1", "1.0", "true", "yes", "y", "included", "include"}
_FALSE_LABELS = {"0", "0.0", "false", "no", "n", "excluded", "exclude"}


@dataclass(frozen=True)
class LabelledSet:
    """A labelled screening set: one record id, text, title and label per row, in file order."""

    record_ids: list[str]
    texts: list[str]
    titles: list[str]
    labels: list[bool]


@dataclass(frozen=True)
class Simulation:
    """Rows in the order screened (priors first), and how many times the model was trained."""

    order: list[int]
    priors: list[int]
    trainings: int


def labelled_csv_decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def labelled_csv_read(text: str, *, label_column: str) -> LabelledSet:
    """Records of a labelled CSV (`record_id`, `title`, `abstract`, optional `keywords` split on `;`)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # abstracts longer than the 128 KiB default exist
    reader = csv.DictReader(io.StringIO(text.replace("\x00", ""), newline=""))
    columns = {(name or "").strip().lstrip("\ufeff").lower(): name for name in reader.fieldnames or []}
    wanted = ["record_id", "title", "abstract", label_column.lower()]
    missing = [name for name in wanted if name not in columns]
    if missing:
        raise ValueError(
            LABELLED_CSV_MISSING_COLUMNS.format(columns=", ".join(missing), found=", ".join(columns))
        )
    record_ids, texts, titles, labels = [], [], [], []
    for row in reader:
        value = (row.get(columns[label_column.lower()]) or "").strip()
        label = _label(value, line=reader.line_num, column=label_column)
        keywords = (row.get(columns.get("keywords", ""), "") or "").split(";")
        record_ids.append((row.get(columns["record_id"]) or "").strip())
        title = (row.get(columns["title"]) or "").strip()
        texts.append(record_text(title, row.get(columns["abstract"]) or "", keywords))
        titles.append(title)
        labels.append(label)
    if not record_ids:
        raise ValueError(LABELLED_CSV_NO_RECORDS)
    return LabelledSet(record_ids=record_ids, texts=texts, titles=titles, labels=labels)


def _label(value: str, *, line: int, column: str) -> bool:
    if value.lower() in _TRUE_LABELS:
        return True
    if value.lower() in _FALSE_LABELS:
        return False
    raise ValueError(LABELLED_CSV_BAD_LABEL.format(line=line, value=value, column=column))


def simulation_priors(
    labels: Sequence[bool], *, seed: int, included: int = 1, excluded: int = 1
) -> list[int]:
    """The prior rows: `included` relevant then `excluded` irrelevant rows, drawn at random with the seed."""
    truth = np.asarray(labels, dtype=bool)
    relevant_rows, irrelevant_rows = np.flatnonzero(truth), np.flatnonzero(~truth)
    if len(relevant_rows) < included or len(irrelevant_rows) < excluded:
        raise ValueError(SIMULATION_NEEDS_BOTH.format(included=included, excluded=excluded))
    generator = np.random.default_rng(seed)
    chosen = [
        *generator.choice(relevant_rows, size=included, replace=False),
        *generator.choice(irrelevant_rows, size=excluded, replace=False),
    ]
    return [int(row) for row in chosen]


def simulate(
    features: Features,
    labels: Sequence[bool],
    *,
    seed: int = 0,
    prior_included: int = 1,
    prior_excluded: int = 1,
    stop_after_all_relevant: bool = False,
    scorer: Callable[..., np.ndarray] = rank_scores,
    retrain_due: Callable[[int, int], bool] | None = None,
) -> Simulation:
    """Screen every record (or until the last relevant one) in the order the ranking proposes.

    The model is trained again after every decision unless `retrain_due(labelled, labelled_at_last_training)`
    says when (a cheaper cadence, for comparing many models quickly)."""
    truth = np.asarray(labels, dtype=bool)
    if features.records != len(truth):
        raise ValueError("features and labels differ in length.")
    priors = simulation_priors(truth, seed=seed, included=prior_included, excluded=prior_excluded)
    order = list(priors)
    is_screened = np.zeros(len(truth), dtype=bool)
    is_screened[order] = True
    relevant_left = int(truth.sum()) - int(truth[order].sum())
    scores, trained_at, trainings = None, 0, 0
    while len(order) < len(truth) and not (stop_after_all_relevant and relevant_left == 0):
        if scores is None or retrain_due is None or retrain_due(len(order), trained_at):
            scores = scorer(features, order, truth[order].tolist(), seed=seed)
            trained_at, trainings = len(order), trainings + 1
        row = _top_unscreened(scores, is_screened)
        order.append(row)
        is_screened[row] = True
        relevant_left -= int(truth[row])
    return Simulation(order=order, priors=priors, trainings=trainings)


def _top_unscreened(scores: np.ndarray, is_screened: np.ndarray) -> int:
    # Ties go to the earlier row, so a run is the same on every machine.
    candidates = np.where(is_screened, -np.inf, scores)
    return int(np.argmax(candidates))


def wss(
    order: Sequence[Hashable], relevant: Collection[Hashable], recall: float, *, records: int = 0
) -> float:
    """Work saved over sampling at `recall` (0-1): records left unscreened at that recall, over all records,
    minus the 1 - recall that screening in random order would leave. `records` is the size of the whole
    set when `order` stops early (after the last relevant record)."""
    total = records or len(order)
    needed = math.ceil(recall * len(relevant) - 1e-9)
    screened = _screened_until(order, relevant, needed)
    return (total - screened) / total - (1 - recall)


def rrf(
    order: Sequence[Hashable], relevant: Collection[Hashable], percent: float, *, records: int = 0
) -> float:
    """Relevant records found (as a percent of all relevant) after screening `percent` of the records."""
    total = records or len(order)
    relevant_set = set(relevant)
    screened = math.floor(total * percent / 100 + 1e-9)
    found = sum(1 for record in order[:screened] if record in relevant_set)
    return 100 * found / len(relevant_set)


def _screened_until(order: Sequence[Hashable], relevant: Collection[Hashable], needed: int) -> int:
    relevant_set, found = set(relevant), 0
    if needed <= 0:
        return 0
    for position, record in enumerate(order, start=1):
        found += record in relevant_set
        if found >= needed:
            return position
    raise ValueError(f"The order finds {found} relevant records; {needed} are needed.")
