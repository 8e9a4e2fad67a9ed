"""Accuracy and speed of reviews.dedup.find_duplicates on labelled duplicate sets.

Usage (from the project root):

    python bench/dedup_accuracy.py               # table per labelled set
    python bench/dedup_accuracy.py --markdown    # the same as a Markdown table
    python bench/dedup_accuracy.py --errors SET  # print false positives / negatives of one set
    python bench/dedup_accuracy.py --scale 20000 --scale 100000   # timing on synthetic records
    python bench/dedup_accuracy.py --no-bib-dedupe   # without bib-dedupe's run side by side

bib-dedupe (pinned version) runs on the same records in a throwaway virtualenv that the script makes under
var/bench/bib-dedupe/ on first use (see ``bib_dedupe_python``); its results are kept there per records hash.

Data: ``$TANDEM_SHARED_DATA`` (default ``<project root>/../shared/data``); the script skips with a message
when it is absent. Only automatic merges (``DedupResult.groups``) are scored; ``possible_pairs`` is the
queue a human reviews, reported by its size.

Scoring
-------
bib-dedupe sets (haematology, respiratory, stroke, digital_work, special_cases) have explicit duplicate
groups and are scored pairwise: true pairs = all pairs inside each true group, predicted pairs = all pairs
inside each predicted group; sensitivity = TP / true pairs, precision = TP / predicted pairs.

The ASySD set only says, per record, whether the reviewer kept it (``In_database``) or removed it as a
duplicate (``Duplicate_in_trash``). It is scored as records removed: a predicted group of size n removes
n - 1 records. Which member is kept does not matter, so in each predicted group with t trash records,
``min(n - 1, t)`` removals are correct and the rest are wrong. Sensitivity = correct removals / all trash
records, precision = correct removals / all removals. Row ``asysd_diabetes`` uses the ``label`` column as
asked; row ``asysd_diabetes_source`` applies the same rule to the file's ``source`` column ("unique" = the
one kept record of a study, "duplicate" = removed), because the ``label`` column calls 344 copies of kept
records "kept" too (see NOTES).

The dedupe-sweep libraries (copper, tafenoquine; EndNote XML) mark every member of a duplicate set with the
caption "Duplicate" but give no set ids: they are scored as records in duplicate sets (sensitivity = marked
records that are in some predicted group / marked records, precision = grouped records that are marked /
grouped records). An extra check on data the algorithm was not tuned on.

"Sensitivity on pairs the rules allow" leaves out true pairs that the rules forbid merging automatically
(``rule_forbidden``). "Missed pairs offered" counts missed true pairs that the possible-duplicates queue
puts in front of a human.

The records are shuffled (fixed seed) before deduplication because the files list duplicates side by side.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

from rapidfuzz.distance import Indel

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from reviews.dedup import DedupRecord, DedupResult, dedup_record_from, find_duplicates, normalise_doi  # noqa: E402
from reviews.dedup.blocking import candidate_pairs  # noqa: E402
from reviews.dedup.compare import (  # noqa: E402
    _first_author_match,
    author_overlap,
    journal_relation,
    pages_relation,
    titles_differ_in_substance,
)
from reviews.dedup.normalise import conference_like, is_empty, notice_kind  # noqa: E402
from reviews.dedup.records import Prepared  # noqa: E402
from reviews.parsers import ParsedRecord, parse_export  # noqa: E402

SHARED_DATA = Path(os.environ.get("TANDEM_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
BIB_DEDUPE_SETS = ("haematology", "respiratory", "stroke", "digital_work", "special_cases")
ASYSD_SET = "asysd_diabetes"
ASYSD_SOURCE_SET = "asysd_diabetes_source"
DEDUPE_SWEEP_SETS = ("copper", "tafenoquine")
# The respiratory set's EndNote library itself (as EndNote exports it), scored on the set's groups.
RESPIRATORY_ENDNOTE_SET = "respiratory_endnote"
ALL_SETS = (*BIB_DEDUPE_SETS, RESPIRATORY_ENDNOTE_SET, ASYSD_SET, ASYSD_SOURCE_SET, *DEDUPE_SWEEP_SETS)
SEED = 20240611

TARGET_SENSITIVITY = 0.98
TARGET_PRECISION = 0.998
TARGET_REACHED = 0.99  # true duplicates merged or offered for review


# ---------------------------------------------------------------------------------------------------------
# Readers


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(path: Path) -> list[dict[str, str]]:
    text = _decode(path.read_bytes())
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _key(record_id: str) -> int:
    return int(re.sub(r"\D", "", record_id))


def imported(path: Path) -> list[ParsedRecord]:
    """The records of one file exactly as the Import page reads them: format detected from the content,
    every column the reader recognises kept (none dropped, however unreliable it looks)."""
    return parse_export(path.read_bytes(), filename=path.name).records


def read_bib_dedupe(name: str, root: Path = SHARED_DATA) -> tuple[list[DedupRecord], list[list[int]]]:
    """Records and true duplicate groups of one bib-dedupe set."""
    folder = root / "bib-dedupe"
    records = [
        dedup_record_from(parsed, key=_key(parsed.source_record_id))
        for parsed in imported(folder / f"{name}__records_pre_merged.csv")
    ]
    groups = []
    for row in _read_csv(folder / f"{name}__merged_record_ids.csv"):
        ids = [_key(i) for i in row["merged_ids"].split(";") if i.strip()]
        if len(ids) > 1:
            groups.append(sorted(ids))
    return records, groups


def read_asysd(root: Path = SHARED_DATA, column: str = "label") -> tuple[list[DedupRecord], dict[int, str]]:
    """Records of the ASySD labelled set and each record's label (In_database / Duplicate_in_trash).

    With ``column="source"`` the label comes from the ``source`` column instead: "duplicate" is read as
    Duplicate_in_trash and "unique" (one kept record per study) as In_database.
    """
    path = root / "ASySD" / "labelled_test_set.csv"
    records = [dedup_record_from(parsed, key=int(parsed.source_record_id)) for parsed in imported(path)]
    labels = {}
    for row in _read_csv(path):
        key = int(row["record_id"])
        if column == "source":
            labels[key] = "Duplicate_in_trash" if row["source"].strip() == "duplicate" else "In_database"
        else:
            labels[key] = row["label"].strip()
    return records, labels


def read_captioned(path: Path) -> tuple[list[DedupRecord], dict[int, str]]:
    """Records of an EndNote XML library and whether each is marked as a duplicate-set member.

    EndNote's ``caption`` field says "Duplicate" on every member of a duplicate set (group ids are not
    given); records are keyed by their position in the file.
    """
    records, labels = [], {}
    for parsed in imported(path):
        records.append(dedup_record_from(parsed, key=parsed.position))
        captions = " ".join(parsed.raw.get("caption", []))
        labels[parsed.position] = "Duplicate" if "Duplicate" in captions else ""
    return records, labels


def read_dedupe_sweep(name: str, root: Path = SHARED_DATA) -> tuple[list[DedupRecord], dict[int, str]]:
    return read_captioned(root / "dedupe-sweep" / f"{name}.xml")


# ---------------------------------------------------------------------------------------------------------
# Scoring


def group_pairs(groups: Iterable[Sequence[int]]) -> set[tuple[int, int]]:
    return {(a, b) if a < b else (b, a) for group in groups for a, b in combinations(group, 2)}


@dataclass
class Score:
    truth: int  # true pairs (bib-dedupe) or records to remove (ASySD)
    predicted: int  # predicted pairs / removals
    correct: int

    @property
    def sensitivity(self) -> float:
        return self.correct / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def score_pairs(true_groups: Iterable[Sequence[int]], predicted_groups: Iterable[Sequence[int]]) -> Score:
    truth = group_pairs(true_groups)
    predicted = group_pairs(predicted_groups)
    return Score(truth=len(truth), predicted=len(predicted), correct=len(truth & predicted))


def score_members(labels: dict[int, str], predicted_groups: Iterable[Sequence[int]]) -> Score:
    """Records in duplicate sets: a grouped record should be marked "Duplicate" and the reverse.

    (Coarser than pairs: it cannot tell a record put in the wrong duplicate set.)
    """
    marked = {k for k, label in labels.items() if label == "Duplicate"}
    grouped = {k for group in predicted_groups for k in group}
    return Score(truth=len(marked), predicted=len(grouped), correct=len(marked & grouped))


def rule_forbidden(a: DedupRecord, b: DedupRecord) -> str:
    """Why the rules forbid merging two records automatically ("" when they allow it).

    The rules: never merge records with different DOIs, a notice (erratum, comment, reply, retraction) with
    the article it concerns, a conference abstract with a paper of another year (nor anything more than a
    year apart), or two trial registrations: records that nothing places in a publication (no journal,
    volume or pages on either) whose titles name different populations or arms.
    """
    doi_a, doi_b = normalise_doi(a.doi), normalise_doi(b.doi)
    if doi_a and doi_b and doi_a != doi_b:
        return "different DOIs"
    if notice_kind(a.title, a.publication_type) != notice_kind(b.title, b.publication_type):
        return "notice vs article"
    if a.year is not None and b.year is not None:
        gap = abs(a.year - b.year)
        if gap > 1:
            return "years differ by more than 1"
        if gap == 1 and conference_like(a.publication_type, a.journal) != conference_like(
            b.publication_type, b.journal
        ):
            return "conference abstract vs paper of another year"
    unplaced = not any(is_present(r.journal) or is_present(r.volume) or is_present(r.pages) for r in (a, b))
    if unplaced and titles_differ_in_substance(Prepared(0, a), Prepared(1, b)):
        return "different trial registrations"
    return ""


def is_present(value: str) -> bool:
    return bool(value) and not is_empty(value)


# How far two records agree, field by field: 1 agree, 0 unknown, -1 (or less) disagree; title and authors
# as the share that agrees. One pair "has at least the evidence" of another when no field agrees less.
def pair_evidence(a: Prepared, b: Prepared) -> tuple[float, ...]:
    title = 1.0 if a.title == b.title else Indel.normalized_similarity(a.title, b.title)
    matched, comparable = author_overlap(a, b)
    authors = matched / comparable if comparable else 0.5
    first = 0 if not (a.first and b.first) else (1 if _first_author_match(a, b) else -1)
    year = 0 if a.year is None or b.year is None else -abs(a.year - b.year) or 1

    def same(x: object, y: object) -> int:
        return 0 if not (x and y) else (1 if x == y else -1)

    return (
        title,
        authors,
        first,
        year,
        journal_relation(a.journal, b.journal),
        same(a.volume, b.volume),
        same(a.issue, b.issue),
        pages_relation(a, b),
        same(a.doi, b.doi),
        1 if a.conference == b.conference else -1,
    )


def _at_least(evidence: tuple[float, ...], other: tuple[float, ...]) -> bool:
    return all(x >= y for x, y in zip(evidence, other, strict=True))


@dataclass
class PairClasses:
    """The true pairs of a pair-labelled set in three nested kinds, with why each left out was left out."""

    all: set[tuple[int, int]]
    allowed: set[tuple[int, int]]  # the rules allow merging them
    genuine: set[tuple[int, int]]  # allowed, and not contradicted by the set's own labels
    classed_out: dict[tuple[int, int], str]


def classify_true_pairs(labelled: LabelledSet) -> PairClasses:
    """Which true pairs are genuine duplicates, by rule from the data alone.

    Left out: pairs the rules forbid merging (``rule_forbidden``), and pairs whose labels contradict the
    same set's other labels: the labels keep apart two other records that have at least this pair's
    evidence in every field (same title as much, authors as much, same journal, volume, pages, ... where
    this pair has them) and nothing more against them, so by the set's own standard this pair is no
    duplicate either (the same abstract at two meetings joined in one place and kept apart in another).
    The records kept apart are looked for among the pairs the detector's blocking would compare.
    """
    by_key = {r.key: r for r in labelled.records}
    truth = group_pairs(labelled.true_groups)
    classed_out: dict[tuple[int, int], str] = {}
    for pair in sorted(truth):
        why = rule_forbidden(by_key[pair[0]], by_key[pair[1]])
        if why:
            classed_out[pair] = f"rules forbid: {why}"
    allowed = truth - set(classed_out)

    prepared = [Prepared(i, rec) for i, rec in enumerate(sorted(labelled.records, key=lambda r: r.key))]
    group_of = {key: n for n, group in enumerate(labelled.true_groups) for key in group}
    apart = []
    for i, j in candidate_pairs(prepared):
        a, b = prepared[i], prepared[j]
        same_group = a.key in group_of and group_of[a.key] == group_of.get(b.key)
        if not same_group and a.title and b.title and a.notice == b.notice:
            apart.append(((a.key, b.key), pair_evidence(a, b)))
    by_prepared = {p.key: p for p in prepared}
    for pair in sorted(allowed):
        evidence = pair_evidence(by_prepared[pair[0]], by_prepared[pair[1]])
        for other, other_evidence in apart:
            if _at_least(other_evidence, evidence):
                low, high = sorted(other)
                classed_out[pair] = (
                    f"labels contradict: they keep apart [{low}] and [{high}], which agree at least as much"
                )
                break
    genuine = {pair for pair in allowed if pair not in classed_out}
    return PairClasses(all=truth, allowed=allowed, genuine=genuine, classed_out=classed_out)


def exact_copies(records: Iterable[DedupRecord]) -> list[list[int]]:
    """Groups of records identical in every field: what even the most cautious deduplicator removes."""
    by_content: dict[tuple, list[int]] = {}
    for rec in records:
        by_content.setdefault(replace(rec, key=0), []).append(rec.key)
    return [sorted(keys) for keys in by_content.values() if len(keys) > 1]


def labels_allow(labelled: LabelledSet) -> str:
    """What a deduplicator that follows the rules can score on this set's labels, at best.

    Pairs: the share of true pairs the rules allow merging (the rest must stay apart), so sensitivity
    cannot exceed it. Records removed: the precision of removing exact copies alone (records identical in
    every field), which any deduplicator does; when that is below the target, so is every deduplicator.
    """
    if labelled.members_only:
        return "n/a"
    if labelled.labels is None:
        by_key = {r.key: r for r in labelled.records}
        truth = group_pairs(labelled.true_groups)
        allowed = [p for p in truth if not rule_forbidden(by_key[p[0]], by_key[p[1]])]
        return f"sens. ≤ {len(allowed) / len(truth):.3f}" if truth else "n/a"
    exact = score_removals(labelled.labels, exact_copies(labelled.records))
    return f"exact copies alone: prec. {exact.precision:.3f}"


def score_removals(labels: dict[int, str], predicted_groups: Iterable[Sequence[int]]) -> Score:
    """Records removed as duplicates (see the module docstring for the rule)."""
    trash = {k for k, label in labels.items() if label == "Duplicate_in_trash"}
    removed = correct = 0
    for group in predicted_groups:
        n_removed = len(group) - 1
        removed += n_removed
        correct += min(n_removed, sum(1 for k in group if k in trash))
    return Score(truth=len(trash), predicted=removed, correct=correct)


def removal_labels(true_groups: Iterable[Sequence[int]]) -> dict[int, str]:
    """A pair-labelled set's groups as ASySD-style labels, so that ``score_removals`` can count records
    removed on it: in each true group the lowest id is the record kept, the others are duplicates to remove
    (records in no group are not listed; ``score_removals`` reads them as kept)."""
    return {key: "Duplicate_in_trash" for group in true_groups for key in sorted(group)[1:]}


def countings(labelled: LabelledSet, groups: Iterable[Sequence[int]]) -> dict[str, Score]:
    """Predicted groups scored in every unit the set's labels allow: pairs and records removed where the
    labels give duplicate groups, records removed where they say which records were removed, records in
    duplicate sets where they only mark the members."""
    groups = list(groups)
    if labelled.members_only:
        return {"records in sets": score_members(labelled.labels or {}, groups)}
    if labelled.labels is not None:
        return {"records removed": score_removals(labelled.labels, groups)}
    return {
        "pairs": score_pairs(labelled.true_groups, groups),
        "records removed": score_removals(removal_labels(labelled.true_groups), groups),
    }


# ---------------------------------------------------------------------------------------------------------
# Running


@dataclass
class LabelledSet:
    name: str
    records: list[DedupRecord]
    true_groups: list[list[int]] = field(default_factory=list)
    labels: dict[int, str] | None = None

    members_only: bool = False  # labels mark duplicate-set members (dedupe-sweep)

    @property
    def unit(self) -> str:
        if self.members_only:
            return "records in sets"
        return "records removed" if self.labels is not None else "pairs"

    def score(self, result: DedupResult) -> Score:
        if self.members_only:
            return score_members(self.labels or {}, result.groups)
        if self.labels is not None:
            return score_removals(self.labels, result.groups)
        return score_pairs(self.true_groups, result.groups)


def load_set(name: str, root: Path = SHARED_DATA) -> LabelledSet:
    if name == RESPIRATORY_ENDNOTE_SET:
        # The groups file's ids number the records in file order, as the library lists them too.
        records, _ = read_captioned(root / "bib-dedupe" / "respiratory__Respiratory.xml")
        return LabelledSet(name, records, true_groups=read_bib_dedupe("respiratory", root)[1])
    if name in DEDUPE_SWEEP_SETS:
        records, labels = read_dedupe_sweep(name, root)
        return LabelledSet(name, records, labels=labels, members_only=True)
    if name in (ASYSD_SET, ASYSD_SOURCE_SET):
        records, labels = read_asysd(root, "source" if name == ASYSD_SOURCE_SET else "label")
        return LabelledSet(name, records, labels=labels)
    records, groups = read_bib_dedupe(name, root)
    return LabelledSet(name, records, true_groups=groups)


def shuffled(records: Sequence[DedupRecord], seed: int = SEED) -> list[DedupRecord]:
    out = list(records)
    random.Random(seed).shuffle(out)
    return out


def run_set(labelled: LabelledSet, seed: int = SEED) -> tuple[dict, DedupResult]:
    records = shuffled(labelled.records, seed)
    start = time.perf_counter()
    result = find_duplicates(records)
    seconds = time.perf_counter() - start
    score = labelled.score(result)
    row = {
        "set": labelled.name,
        "records": len(records),
        "unit": labelled.unit,
        "truth": score.truth,
        "predicted": score.predicted,
        "correct": score.correct,
        "sensitivity": score.sensitivity,
        "allowed_sensitivity": None,
        "genuine_sensitivity": None,
        "classed_out": {},
        "precision": score.precision,
        "reached": reached_share(labelled, result),
        "seconds": seconds,
        "possible_pairs": len(result.possible_pairs),
        "labels_allow": labels_allow(labelled),
        "countings": countings(labelled, result.groups),
    }
    if labelled.labels is None:
        classes = classify_true_pairs(labelled)
        predicted = group_pairs(result.groups)
        row["allowed_sensitivity"] = _share(classes.allowed & predicted, classes.allowed)
        row["genuine_sensitivity"] = _share(classes.genuine & predicted, classes.genuine)
        row["classed_out"] = classes.classed_out
    row["meets_target"] = meets_target(row)
    return row, result


def meets_target(row: dict) -> bool:
    """Precision >= 0.998, sensitivity >= 0.98 (on the genuine pairs where the set labels pairs), and
    every true duplicate merged or offered for review >= 0.99. The ASySD ``label`` column is not held to
    it (the set is scored on its ``source`` column)."""
    if row["set"] == ASYSD_SET:
        return True
    sensitivity = row["genuine_sensitivity"] if row["genuine_sensitivity"] is not None else row["sensitivity"]
    return (
        row["precision"] >= TARGET_PRECISION
        and sensitivity >= TARGET_SENSITIVITY
        and row["reached"] >= TARGET_REACHED
    )


def offered_for_review(missed: Iterable[tuple[int, int]], result: DedupResult) -> int:
    """How many missed true pairs a human is shown: a possible pair joins their two clusters."""
    cluster = {key: ("group", i) for i, group in enumerate(result.groups) for key in group}

    def of(key: int) -> tuple[str, int]:
        return cluster.get(key, ("record", key))

    offered = {frozenset((of(p.a), of(p.b))) for p in result.possible_pairs}
    return sum(1 for a, b in missed if frozenset((of(a), of(b))) in offered)


def _share(part: set, whole: set) -> float:
    return len(part) / len(whole) if whole else 1.0


def reached_share(labelled: LabelledSet, result: DedupResult) -> float:
    """The share of true duplicates that are merged or offered in the possible-duplicates queue.

    Pairs: a true pair is reached when its records are in one group, or when a possible pair joins the
    two groups (or lone records) they are in. Records removed or in sets: a duplicate record is reached
    when it is in a group or in a possible pair.
    """
    if labelled.labels is None:
        truth = group_pairs(labelled.true_groups)
        predicted = group_pairs(result.groups)
        missed = truth - predicted
        return (len(truth) - len(missed) + offered_for_review(missed, result)) / len(truth) if truth else 1.0
    marker = "Duplicate" if labelled.members_only else "Duplicate_in_trash"
    duplicates = {key for key, label in labelled.labels.items() if label == marker}
    touched = {key for group in result.groups for key in group}
    touched.update(key for pair in result.possible_pairs for key in (pair.a, pair.b))
    return _share(duplicates & touched, duplicates)


def data_available(root: Path = SHARED_DATA) -> bool:
    return (root / "bib-dedupe").is_dir() and (root / "ASySD").is_dir()


def set_available(name: str, root: Path = SHARED_DATA) -> bool:
    if name == RESPIRATORY_ENDNOTE_SET:
        return (root / "bib-dedupe" / "respiratory__Respiratory.xml").is_file()
    if name in DEDUPE_SWEEP_SETS:
        return (root / "dedupe-sweep" / f"{name}.xml").is_file()
    if name in (ASYSD_SET, ASYSD_SOURCE_SET):
        return (root / "ASySD" / "labelled_test_set.csv").is_file()
    return (root / "bib-dedupe" / f"{name}__records_pre_merged.csv").is_file()


def run_all(
    root: Path = SHARED_DATA, sets: Sequence[str] = ALL_SETS, *, bib_dedupe: bool = False
) -> list[dict]:
    """One row per labelled set found (see ``run_set``); [] when the shared data folder is absent.

    With ``bib_dedupe`` each row also has bib-dedupe's run on the same records (``row["bib_dedupe"]``, see
    ``bib_dedupe_scored``), for ``side_by_side_markdown`` and ``side_by_side_text``.
    """
    if not data_available(root):
        return []
    python: Path | str = ""
    if bib_dedupe:
        try:
            python = bib_dedupe_python()
        except BibDedupeUnavailable as error:
            python = str(error)
    rows = []
    for name in sets:
        if not set_available(name, root):
            continue
        labelled = load_set(name, root)
        row = run_set(labelled)[0]
        if bib_dedupe:
            row["bib_dedupe"] = bib_dedupe_scored(labelled, python)
        rows.append(row)
    return rows


def _num(fmt: str):
    return lambda value: "n/a" if value is None else fmt.format(value)


# (row key, Markdown title, short title, formatter)
_COLUMNS = (
    ("set", "set", "set", str),
    ("records", "records", "records", str),
    ("unit", "scored as", "unit", str),
    ("truth", "true duplicates", "true", str),
    ("classed_out", "pairs classed out", "out", lambda v: str(len(v)) if v else "-"),
    ("predicted", "auto-merged", "auto", str),
    ("sensitivity", "sensitivity, all", "sens.", _num("{:.4f}")),
    ("allowed_sensitivity", "sensitivity, allowed pairs", "sens.allowed", _num("{:.4f}")),
    ("genuine_sensitivity", "sensitivity, genuine pairs", "sens.genuine", _num("{:.4f}")),
    ("precision", "precision", "prec.", _num("{:.4f}")),
    ("reached", "merged or offered", "reached", _num("{:.4f}")),
    ("possible_pairs", "possible-duplicates queue", "queue", str),
    ("seconds", "seconds", "sec.", _num("{:.2f}")),
    ("meets_target", "target met", "target", lambda ok: "yes" if ok else "NO"),
)


NOTES = {
    ASYSD_SET: (
        "asysd_diabetes is the same run scored on the file's `label` column, shown for reference and not "
        "held to the target: of the 346 records at the end of the file (ids 1500-1845), 344 repeat the "
        "title and year of an earlier record that is itself labelled In_database and are labelled "
        "In_database too (132 are identical in every field), so merging copies counts as removing kept "
        "records; removing only records identical in every field already scores {exact} against it. "
        "asysd_diabetes_source scores the run against the `source` column, which marks one record per study "
        "as unique."
    ),
}

EXPLANATION = (
    "Pair-labelled sets are scored on all true pairs, on the pairs the rules allow merging automatically "
    "(not: different DOIs, a notice such as an erratum, reply or comment with its article, records more "
    "than a year apart, a conference abstract and a paper of another year, two trial registrations whose "
    "titles name different populations or arms), and on the genuine pairs: allowed pairs whose labels the "
    "same set's other labels do not contradict (the labels keep apart two other records that agree at least "
    "as much in every field). Which pairs were classed out, and why, is computed from the data by "
    "`classify_true_pairs` and listed below. Merged or offered: true duplicates merged, or put in front of a "
    "person in the possible-duplicates queue. Targets: precision ≥ 0.998, sensitivity ≥ 0.98 on the genuine "
    "pairs (on all duplicates for sets labelled by record), merged or offered ≥ 0.99."
)


def classed_out_lines(rows: Sequence[dict]) -> list[str]:
    lines = []
    for row in rows:
        for (a, b), why in sorted(row["classed_out"].items()):
            lines.append(f"{row['set']}: [{a}] and [{b}]: {why}")
    return lines


def markdown_table(rows: Sequence[dict]) -> str:
    """The rows of ``run_all`` as a Markdown table, followed by notes and the pairs classed out."""
    header = "| " + " | ".join(title for _, title, _, _ in _COLUMNS) + " |"
    rule = "|" + "|".join("---" if key in ("set", "unit") else "---:" for key, *_ in _COLUMNS) + "|"
    lines = [header, rule]
    for row in rows:
        lines.append("| " + " | ".join(fmt(row[key]) for key, _, _, fmt in _COLUMNS) + " |")
    lines += ["", EXPLANATION, ""]
    for row in rows:
        if row["set"] in NOTES:
            lines.append("- " + NOTES[row["set"]].format(exact=row["labels_allow"]))
    out = classed_out_lines(rows)
    if out:
        lines += ["", "<details><summary>True pairs classed out, and why</summary>", ""]
        lines += [f"- {line}" for line in out]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def text_table(rows: Sequence[dict]) -> str:
    titles = [short for _, _, short, _ in _COLUMNS]
    body = [[fmt(row[key]) for key, _, _, fmt in _COLUMNS] for row in rows]
    widths = [max(len(r[i]) for r in [titles, *body]) for i in range(len(titles))]
    fmt = "  ".join(f"{{:<{w}}}" if i in (0, 2) else f"{{:>{w}}}" for i, w in enumerate(widths))
    table = "\n".join(fmt.format(*r) for r in [titles, *body]) + "\n"
    out = classed_out_lines(rows)
    return table + ("\nTrue pairs classed out:\n" + "\n".join(out) + "\n" if out else "")


# ---------------------------------------------------------------------------------------------------------
# bib-dedupe on the same records, side by side

BIB_DEDUPE_VERSION = "0.11.0"
BIB_DEDUPE_DIR = PROJECT_ROOT / "var" / "bench" / "bib-dedupe"
BIB_DEDUPE_RUNNER = Path(__file__).resolve().with_name("bib_dedupe_run.py")
BIB_DEDUPE_TIMEOUT = 1800  # seconds for one set
# BibTeX entry types pass through (bib-dedupe reads the container title by type); any other publication type
# is sent as "article", which bib-dedupe assumes when a file gives none.
_BIBTEX_TYPES = frozenset(
    "article book conference inbook incollection inproceedings mastersthesis misc phdthesis proceedings "
    "techreport unpublished".split()
)
BIB_DEDUPE_COLUMNS = (
    "ID",
    "ENTRYTYPE",
    "author",
    "title",
    "year",
    "journal",
    "booktitle",
    "volume",
    "number",
    "pages",
    "doi",
)


class BibDedupeUnavailable(Exception):
    """bib-dedupe could not be installed or run; the message says why."""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _venv_python() -> Path:
    return BIB_DEDUPE_DIR / "venv" / "bin" / "python"


def _installed_version(python: Path) -> str:
    check = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('bib-dedupe'))"],
        capture_output=True,
        text=True,
    )
    return check.stdout.strip() if check.returncode == 0 else ""


def bib_dedupe_python() -> Path:
    """The Python of a throwaway virtualenv with bib-dedupe installed (made on first use, under var/).

    Never the project's own environment: bib-dedupe pins its own pandas and numpy.
    """
    python = _venv_python()
    if python.is_file() and _installed_version(python) == BIB_DEDUPE_VERSION:
        return python
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(python.parents[1])],
        [str(python), "-m", "pip", "install", "--quiet", f"bib-dedupe=={BIB_DEDUPE_VERSION}"],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=BIB_DEDUPE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BibDedupeUnavailable(
                f"could not install bib-dedupe {BIB_DEDUPE_VERSION}: {error}"
            ) from error
        if done.returncode != 0:
            raise BibDedupeUnavailable(
                f"could not install bib-dedupe {BIB_DEDUPE_VERSION}: {_last_line(done.stderr or done.stdout)[:200]}"
            )
    if _installed_version(python) != BIB_DEDUPE_VERSION:
        raise BibDedupeUnavailable(f"bib-dedupe {BIB_DEDUPE_VERSION} not found after installing it")
    return python


def bib_dedupe_csv(records: Iterable[DedupRecord]) -> str:
    """The records in bib-dedupe's column names: the fields Tandem's detector reads, nothing more (no
    abstract, which the detector does not read either; no PubMed id, which bib-dedupe has no column for)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BIB_DEDUPE_COLUMNS)
    for rec in records:
        entry_type = rec.publication_type.strip().lower()
        writer.writerow(
            (
                rec.key,
                entry_type if entry_type in _BIBTEX_TYPES else "article",
                " and ".join(rec.authors),
                rec.title,
                "" if rec.year is None else rec.year,
                rec.journal,
                rec.journal,  # booktitle: the container of a proceedings paper
                rec.volume,
                rec.issue,
                rec.pages,
                rec.doi,
            )
        )
    return out.getvalue()


def run_bib_dedupe(records: Sequence[DedupRecord], python: Path) -> dict:
    """bib-dedupe's automatic groups on these records (as record keys), its maybe pairs and seconds.

    The result is kept under var/bench/bib-dedupe/results/, named by a hash of the records, the runner and
    the version, so that a second run of the benchmark reads it back instead of running bib-dedupe again.
    """
    text = bib_dedupe_csv(records)
    digest = hashlib.sha256(
        b"\0".join((text.encode(), BIB_DEDUPE_RUNNER.read_bytes(), BIB_DEDUPE_VERSION.encode()))
    ).hexdigest()[:20]
    cached = BIB_DEDUPE_DIR / "results" / f"{digest}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    cached.parent.mkdir(parents=True, exist_ok=True)
    path = BIB_DEDUPE_DIR / "results" / f"{digest}.csv"
    path.write_text(text, encoding="utf-8")
    try:
        done = subprocess.run(
            [str(python), str(BIB_DEDUPE_RUNNER), str(path)],
            capture_output=True,
            text=True,
            timeout=BIB_DEDUPE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise BibDedupeUnavailable(f"bib-dedupe took more than {BIB_DEDUPE_TIMEOUT} s") from error
    finally:
        path.unlink(missing_ok=True)
    if done.returncode != 0:
        raise BibDedupeUnavailable(f"bib-dedupe failed: {_last_line(done.stderr)[:200]}")
    try:
        output = json.loads(_last_line(done.stdout) if done.stdout.strip() else "")
    except json.JSONDecodeError as error:
        raise BibDedupeUnavailable(
            f"bib-dedupe printed no result: {_last_line(done.stdout)[:200]}"
        ) from error
    output["groups"] = [sorted(int(key) for key in group) for group in output["groups"]]
    cached.write_text(json.dumps(output))
    return output


def bib_dedupe_scored(labelled: LabelledSet, python: Path | str) -> dict:
    """bib-dedupe's run on the records Tandem's detector sees (the same shuffled order), scored with the
    same scorers (``countings``); ``python`` is the virtualenv's Python, or why there is none. On failure
    the dict has only ``error``."""
    if not isinstance(python, Path):
        return {"error": python}
    try:
        output = run_bib_dedupe(shuffled(labelled.records), python)
    except BibDedupeUnavailable as error:
        return {"error": str(error)}
    return {
        "countings": countings(labelled, output["groups"]),
        "groups": len(output["groups"]),
        "maybe_pairs": output["maybe_pairs"],
        "seconds": output["seconds"],
        "version": output["version"],
    }


def side_by_side_rows(rows: Sequence[dict]) -> list[list[str]]:
    """One line per set and way of counting: true duplicates, then Tandem's and bib-dedupe's sensitivity,
    precision and seconds; the queue a person reviews (Tandem's possible pairs, bib-dedupe's maybe pairs)."""
    out = []
    for row in rows:
        other = row.get("bib_dedupe") or {"error": "not run"}
        for unit, score in row["countings"].items():
            if "error" in other:
                theirs = [f"not run: {other['error']}", "", "", ""]
            else:
                their = other["countings"][unit]
                theirs = [f"{their.sensitivity:.4f}", f"{their.precision:.4f}", f"{other['seconds']:.2f}"]
                theirs.append(str(other["maybe_pairs"]))
            ours = [f"{score.sensitivity:.4f}", f"{score.precision:.4f}", f"{row['seconds']:.2f}"]
            ours.append(str(row["possible_pairs"]))
            line = [row["set"], str(row["records"]), unit, str(score.truth)]
            line += [ours[0], theirs[0], ours[1], theirs[1], ours[2], theirs[2], ours[3], theirs[3]]
            out.append(line)
    return out


_SIDE_BY_SIDE_TITLES = (
    "set",
    "records",
    "counted as",
    "true duplicates",
    "Tandem sensitivity",
    "bib-dedupe sensitivity",
    "Tandem precision",
    "bib-dedupe precision",
    "Tandem seconds",
    "bib-dedupe seconds",
    "Tandem queue",
    "bib-dedupe maybe pairs",
)

SIDE_BY_SIDE_EXPLANATION = (
    f"bib-dedupe {BIB_DEDUPE_VERSION} in a throwaway virtualenv (`bench/bib_dedupe_run.py`), on the same "
    "records Tandem's detector sees, in the same order, with the fields the detector reads (no abstracts, "
    "which neither side is given): its automatic decisions alone (the pairs it labels duplicate, clustered "
    "by its `cluster`), the maybe pairs it leaves to a person counted but not merged, as Tandem's queue is. "
    "Both run on one process; seconds are the deduplication alone, bib-dedupe's from the run that filled its "
    "cache in `var/bench/bib-dedupe/results/`. Both tools' groups go through the same scorers. Pairs: over "
    "the true pairs the set's groups imply. Records removed (the unit of bib-dedupe's own evaluation, counted "
    "here by the rule the ASySD set is scored with): a group of "
    "n records removes n - 1; sensitivity = duplicates rightly removed / records that are duplicates, "
    "precision = rightly removed / removed. The ASySD set gives the removed records itself; for the sets "
    "labelled by groups, the lowest id of each true group is taken as the record kept and the others as the "
    "duplicates (`removal_labels`), then the ASySD rule applies (`score_removals`). The dedupe-sweep sets "
    "mark duplicate-set members without set ids, so neither pairs nor removals can be counted on them: they "
    "are scored as records in duplicate sets, as in the table above. The machine's two cores were shared with "
    "other work while measuring, so seconds can vary two- or threefold between runs (respiratory and "
    "respiratory_endnote are one library read from two files, run apart): compare their order of magnitude, not the digits."
)


def side_by_side_markdown(rows: Sequence[dict]) -> str:
    header = "| " + " | ".join(_SIDE_BY_SIDE_TITLES) + " |"
    rule = "|" + "|".join("---" if i in (0, 2) else "---:" for i in range(len(_SIDE_BY_SIDE_TITLES))) + "|"
    lines = [header, rule]
    lines += ["| " + " | ".join(cells) + " |" for cells in side_by_side_rows(rows)]
    return "\n".join([*lines, "", SIDE_BY_SIDE_EXPLANATION]) + "\n"


def side_by_side_text(rows: Sequence[dict]) -> str:
    titles = ["set", "records", "unit", "true", "T sens", "B sens", "T prec", "B prec", "T sec", "B sec"]
    titles += ["T queue", "B maybe"]
    body = side_by_side_rows(rows)
    widths = [max(len(r[i]) for r in [titles, *body]) for i in range(len(titles))]
    fmt = "  ".join(f"{{:<{w}}}" if i in (0, 2) else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in [titles, *body]) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Error listing (to look at mistakes by eye)


def _describe(rec: DedupRecord) -> str:
    authors = "; ".join(rec.authors[:4]) + (" ..." if len(rec.authors) > 4 else "")
    return (
        f"  [{rec.key}] {rec.title[:150]!r}\n"
        f"      {authors} | {rec.year} | {rec.journal[:60]} | v{rec.volume} i{rec.issue} p{rec.pages}"
        f" | doi {rec.doi} | {rec.publication_type}"
    )


def print_errors(name: str, limit: int = 60) -> None:
    labelled = load_set(name)
    row, result = run_set(labelled)
    by_key = {r.key: r for r in labelled.records}
    possible = {(min(p.a, p.b), max(p.a, p.b)): p for p in result.possible_pairs}
    print(text_table([row]))
    if labelled.labels is not None:
        marker = "Duplicate" if labelled.members_only else "Duplicate_in_trash"
        trash = {k for k, v in labelled.labels.items() if v == marker}
        grouped = {k for g in result.groups for k in g}
        print("== groups with records that should stay")
        shown = 0
        for group in result.groups:
            marked = sum(1 for k in group if k in trash)
            wrong = marked < len(group) if labelled.members_only else len(group) - 1 > marked
            if wrong and shown < limit:
                shown += 1
                print("-- group", [(k, labelled.labels[k]) for k in group])
                for k in group:
                    print(_describe(by_key[k]))
        missed = sorted(trash - grouped)
        print(f"== {marker} records in no group: {len(missed)}")
        for k in missed[:limit]:
            print(_describe(by_key[k]))
        return
    truth = group_pairs(labelled.true_groups)
    predicted = group_pairs(result.groups)
    print(f"== false positives: {len(predicted - truth)}")
    for a, b in sorted(predicted - truth)[:limit]:
        print("--")
        print(_describe(by_key[a]))
        print(_describe(by_key[b]))
    print(f"== false negatives: {len(truth - predicted)}")
    for a, b in sorted(truth - predicted)[:limit]:
        pair = possible.get((a, b))
        print("--", f"possible ({pair.score:.2f}: {', '.join(pair.reasons)})" if pair else "not offered")
        print(_describe(by_key[a]))
        print(_describe(by_key[b]))


# ---------------------------------------------------------------------------------------------------------
# Scaling on synthetic records


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 10:
        return text
    pos = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:pos] + text[pos + 1 :]
    if kind < 0.7:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    return text[:pos] + rng.choice("aeiourstn") + text[pos:]


def _abbreviate_journal(journal: str) -> str:
    return " ".join(w[:4] if len(w) > 5 else w for w in journal.replace(".", "").split() if w.lower() != "of")


def _reformat_authors(authors: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for name in authors:
        surname, _, given = name.partition(",")
        initials = "".join(p[0] for p in given.replace(".", " ").split() if p)
        out.append(f"{surname.strip()} {initials}".strip())
    return tuple(out)


def _perturb(rec: DedupRecord, key: int, rng: random.Random) -> DedupRecord:
    """Another database's copy of the same record."""
    changes: dict = {"key": key}
    if rng.random() < 0.3:
        changes["title"] = _typo(rec.title, rng)
    elif rng.random() < 0.3:
        changes["title"] = rec.title.upper() if rng.random() < 0.5 else rec.title.rstrip(".") + ". [Review]"
    if rng.random() < 0.5:
        changes["journal"] = _abbreviate_journal(rec.journal)
    if rng.random() < 0.5:
        changes["authors"] = _reformat_authors(rec.authors)
    for name in ("doi", "pages", "issue", "abstract", "volume"):
        if rng.random() < 0.25:
            changes[name] = ""
    if rec.pages and rng.random() < 0.3:
        changes["pages"] = re.sub(r"(\d+)-(\d*?)(\d{1,2})$", r"\1-\3", rec.pages)
    if rec.year and rng.random() < 0.1:
        changes["year"] = rec.year + 1
    return replace(rec, **changes)


def _new_study(
    rec: DedupRecord, key: int, rng: random.Random, vocabulary: list[str], surnames: list[str]
) -> DedupRecord:
    """A different study built from a real record: other words in the title, other authors, other numbers."""
    words = rec.title.split() or ["study"]
    for _ in range(max(2, len(words) // 3)):
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
    authors = list(rec.authors) or ["Anon, A."]
    authors[0] = f"{rng.choice(surnames)}, {rng.choice('ABCDEFGHJKLMNPRSTW')}."
    start = rng.randrange(1, 3000)
    return replace(
        rec,
        key=key,
        title=" ".join(words),
        authors=tuple(authors),
        year=rng.randrange(1980, 2025),
        volume=str(rng.randrange(1, 200)),
        pages=f"{start}-{start + rng.randrange(1, 20)}",
        doi=f"10.{rng.randrange(1000, 9999)}/synthetic.{key}" if rec.doi or rng.random() < 0.5 else "",
    )


def synthesise_labelled(
    n: int, seed: int = SEED, root: Path = SHARED_DATA
) -> tuple[list[DedupRecord], dict[int, int]]:
    """About n records and, for the synthetic ones, the study each belongs to.

    The labelled sets' records come first (they keep their own, unscored, duplicates); then come new
    studies derived from them (a third of the title's words replaced, another first author, other year,
    volume and pages: similar-looking but different studies), ~30% of which get one or two copies as
    another database would export them (typos, upper case, "[Review]", abbreviated journal, initials,
    missing DOI/pages/issue/volume, shortened page ranges, year off by one).
    """
    rng = random.Random(seed)
    pool: list[DedupRecord] = []
    for name in BIB_DEDUPE_SETS:
        pool.extend(read_bib_dedupe(name, root)[0])
    pool.extend(read_asysd(root)[0])
    vocabulary = sorted({w for r in pool for w in r.title.split() if len(w) > 3 and w.isalpha()})
    surnames = sorted({a.split(",")[0].split()[0] for r in pool for a in r.authors if a.strip()})
    out: list[DedupRecord] = []
    study: dict[int, int] = {}
    key = 1
    i = 0
    while len(out) < n:
        base = pool[i % len(pool)]
        synthetic = i >= len(pool)
        rec = _new_study(base, key, rng, vocabulary, surnames) if synthetic else replace(base, key=key)
        if synthetic:
            study[key] = key
        key += 1
        i += 1
        out.append(rec)
        if synthetic and rng.random() < 0.3:
            for _ in range(rng.choice((1, 1, 1, 2))):
                out.append(_perturb(rec, key, rng))
                study[key] = rec.key
                key += 1
    out = out[:n]
    rng.shuffle(out)
    return out, study


def synthesise(n: int, seed: int = SEED, root: Path = SHARED_DATA) -> list[DedupRecord]:
    """About n records (see ``synthesise_labelled``)."""
    return synthesise_labelled(n, seed, root)[0]


def score_synthetic(study: dict[int, int], groups: Iterable[Sequence[int]]) -> Score:
    """Pairwise score over the pairs that involve at least one synthetic record."""
    members: dict[int, list[int]] = {}
    for key, sid in study.items():
        members.setdefault(sid, []).append(key)
    truth = group_pairs(m for m in members.values() if len(m) > 1)
    predicted = {(a, b) for a, b in group_pairs(groups) if a in study or b in study}
    return Score(truth=len(truth), predicted=len(predicted), correct=len(truth & predicted))


def run_scale(n: int) -> dict:
    records, study = synthesise_labelled(n)
    start = time.perf_counter()
    cpu = time.process_time()
    result = find_duplicates(records)
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - start
    score = score_synthetic(study, result.groups)
    return {
        "records": len(records),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "groups": len(result.groups),
        "possible_pairs": len(result.possible_pairs),
        "synthetic_sensitivity": score.sensitivity,
        "synthetic_precision": score.precision,
    }


# ---------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--set", action="append", choices=ALL_SETS, help="only these sets")
    parser.add_argument("--errors", choices=ALL_SETS, help="list false positives and negatives of one set")
    parser.add_argument("--scale", type=int, action="append", help="time N synthetic records (repeatable)")
    parser.add_argument(
        "--no-bib-dedupe", action="store_true", help="leave out bib-dedupe's side-by-side run"
    )
    args = parser.parse_args(argv)

    if not data_available():
        print(f"skipped: labelled data not found at {SHARED_DATA} (set TANDEM_SHARED_DATA)")
        return 0
    if args.errors:
        print_errors(args.errors)
        return 0
    if args.scale:
        for n in args.scale:
            row = run_scale(n)
            print(
                f"{row['records']:>7} records: {row['seconds']:.2f} s ({row['cpu_seconds']:.2f} s CPU), "
                f"{row['groups']} groups, {row['possible_pairs']} possible pairs; synthetic copies: "
                f"sensitivity {row['synthetic_sensitivity']:.4f}, precision {row['synthetic_precision']:.4f}"
            )
        return 0
    with_bib_dedupe = not args.no_bib_dedupe
    rows = run_all(sets=args.set or ALL_SETS, bib_dedupe=with_bib_dedupe)
    print(markdown_table(rows) if args.markdown else text_table(rows), end="")
    if with_bib_dedupe:
        print()
        print(side_by_side_markdown(rows) if args.markdown else side_by_side_text(rows), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
