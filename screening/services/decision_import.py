"""Screening decisions made in another tool (Rayyan, Covidence) brought into a review mid-way.

All or nothing: every row is checked and then written through the same service as the screening
page, in one transaction, and a single refused row undoes the lot. A team moving tools must never
end up with half a file's decisions and no way to tell which half.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from reviews.errors import ReviewRuleError
from reviews.models import Record, Review, SourceRecord
from reviews.services import review_update_settings
from screening.models import Choice, Decision, RecordStage, Stage
from screening.services import decisions
from screening.services.decisions import (
    DECISION_MAYBE_AT_FULL_TEXT,
    DECISION_NEEDS_REASON,
    screening_check_reviewer,
)

CHOICES = {
    "include": Choice.INCLUDE,
    "included": Choice.INCLUDE,
    "maybe": Choice.MAYBE,
    "exclude": Choice.EXCLUDE,
    "excluded": Choice.EXCLUDE,
}
REASON_MAX_LENGTH = Decision._meta.get_field("reason").max_length

FILE_EMPTY = "The file is empty."
FILE_NEEDS_ID_COLUMN = "The file needs a record_id or a source_record_id column."
FILE_NEEDS_DECISION_COLUMN = "The file needs a decision column."
ROW_NO_ID = "no record_id or source_record_id."
ROW_BAD_RECORD_ID = "record_id “{value}” is not a record number."
ROW_UNKNOWN_RECORD = "there is no record {record_id} in this review."
ROW_UNKNOWN_SOURCE_ID = "no record in this review has source_record_id “{value}”."
ROW_AMBIGUOUS_SOURCE_ID = (
    "source_record_id “{value}” matches several records ({records}); give the record_id instead."
)
ROW_IDS_DISAGREE = "record_id {record_id} and source_record_id “{value}” name different records."
ROW_MERGED = "record {record_id} was merged into record {target}; give record_id {target} instead."
ROW_REMOVED = "record {record_id} was removed from the review."
ROW_NOT_AT_STAGE = "record {record_id} is not at the {stage} stage."
ROW_REFUSED = "record {record_id}: {problem}"
ROW_REPEATED = "record {record_id} already has a decision on line {line}."
ROW_BAD_DECISION = "decision “{value}” is not include, maybe or exclude."
ROW_REASON_TOO_LONG = "the reason is longer than {limit} characters."
ROW_UNKNOWN_REASON = (
    "“{reason}” is not one of this review's full-text exclusion reasons "
    "(add it to the review's settings, or import with --add-missing-reasons)."
)
IMPORTED_WITHOUT_FULL_TEXT = (
    "Brought in from another tool (import_decisions): decided on a full text kept there."
)
WARNING_REASONS_DROPPED = (
    "{count} row(s) give a reason that Tandem does not keep (it keeps reasons only for exclusions "
    "at full text); put it in the note column to keep it."
)


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class _Planned:
    line: int
    record_id: int
    choice: str
    reason: str
    note: str


@dataclass
class DecisionImportResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    # What became of the records this import wrote to, at the imported stage.
    settled: Counter = field(default_factory=Counter)
    reasons_added: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.new + self.changed


class DecisionImportInvalid(Exception):
    """Problems found in the file, as (CSV line number, problem) pairs; line 0 is the file as a whole."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(errors)
        self.errors = sorted(errors)


def _column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def decision_csv_read(text: str) -> list[CsvRow]:
    """The file's rows with their line numbers (a quoted value may span lines); blank rows are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _rows(reader)
    except csv.Error as error:
        raise DecisionImportInvalid([(reader.line_num, f"not readable as CSV ({error}).")]) from error


def _rows(reader) -> list[CsvRow]:
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise DecisionImportInvalid([(0, FILE_EMPTY)])
    columns = [_column(name) for name in header]
    errors = []
    if not {"record_id", "source_record_id"} & set(columns):
        errors.append((1, FILE_NEEDS_ID_COLUMN))
    if "decision" not in columns:
        errors.append((1, FILE_NEEDS_DECISION_COLUMN))
    if errors:
        raise DecisionImportInvalid(errors)
    rows, last_line = [], reader.line_num
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            rows.append(
                CsvRow(line, {name: value.strip() for name, value in zip(columns, cells, strict=False)})
            )
    return rows


def _record_number(value: str) -> int | None:
    # Longer numbers would overflow the database's integer, and are no record of ours anyway.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class _Lookup:
    """Every record the file names, fetched in a few queries rather than a few per row."""

    def __init__(self, review: Review, rows: list[CsvRow], stage: str, reviewer: AbstractBaseUser):
        numbers = {_record_number(row.cells.get("record_id", "")) for row in rows} - {None}
        source_ids = {row.cells["source_record_id"] for row in rows if row.cells.get("source_record_id")}
        self.by_source: dict[str, set[int]] = {}
        for source_id, record_id in SourceRecord.objects.filter(
            review=review, source_record_id__in=source_ids
        ).values_list("source_record_id", "record_id"):
            self.by_source.setdefault(source_id, set()).add(record_id)
        numbers |= {record_id for found in self.by_source.values() for record_id in found}
        self.records = Record.objects.filter(review=review, pk__in=numbers).in_bulk()
        self.stages = {
            record_stage.record_id: record_stage
            for record_stage in RecordStage.objects.filter(review=review, stage=stage, record_id__in=numbers)
        }
        self.mine = {
            decision.record_id: decision
            for decision in Decision.objects.filter(
                review=review, stage=stage, reviewer=reviewer, record_id__in=numbers
            )
        }

    def record_id(self, cells: dict[str, str]) -> int:
        """The study record a row names; raises ValueError with the problem."""
        number, source_id = cells.get("record_id", ""), cells.get("source_record_id", "")
        if not number and not source_id:
            raise ValueError(ROW_NO_ID)
        record_id = _record_number(number)
        if number and record_id is None:
            raise ValueError(ROW_BAD_RECORD_ID.format(value=number))
        if not source_id:
            return record_id
        from_source = self._from_source(source_id)
        if record_id is not None and record_id != from_source:
            raise ValueError(ROW_IDS_DISAGREE.format(record_id=record_id, value=source_id))
        return from_source

    def _from_source(self, source_id: str) -> int:
        found = sorted(self.by_source.get(source_id, ()))
        if not found:
            raise ValueError(ROW_UNKNOWN_SOURCE_ID.format(value=source_id))
        if len(found) > 1:
            raise ValueError(
                ROW_AMBIGUOUS_SOURCE_ID.format(value=source_id, records=", ".join(map(str, found)))
            )
        return found[0]

    def check_record(self, record_id: int, stage: str) -> RecordStage:
        record = self.records.get(record_id)
        if record is None:
            raise ValueError(ROW_UNKNOWN_RECORD.format(record_id=record_id))
        if record.merged_into_id is not None:
            raise ValueError(ROW_MERGED.format(record_id=record_id, target=record.merged_into_id))
        if record.is_removed:
            raise ValueError(ROW_REMOVED.format(record_id=record_id))
        record_stage = self.stages.get(record_id)
        if record_stage is None:
            raise ValueError(ROW_NOT_AT_STAGE.format(record_id=record_id, stage=Stage(stage).label.lower()))
        return record_stage


class _Reasons:
    """The review's full-text exclusion reasons, matched regardless of case and spacing."""

    def __init__(self, review: Review, add_missing: bool):
        self.known = {self._key(reason): reason for reason in review.fulltext_exclusion_reasons}
        self.add_missing = add_missing
        self.missing: dict[str, str] = {}

    @staticmethod
    def _key(reason: str) -> str:
        return " ".join(reason.split()).casefold()

    def canonical(self, reason: str) -> str:
        key = self._key(reason)
        if key in self.known:
            return self.known[key]
        if not self.add_missing:
            raise ValueError(ROW_UNKNOWN_REASON.format(reason=reason))
        return self.missing.setdefault(key, " ".join(reason.split()))


def _choice(cells: dict[str, str], stage: str, reasons: _Reasons) -> tuple[str, str]:
    value = cells.get("decision", "")
    choice = CHOICES.get(value.casefold())
    if choice is None:
        raise ValueError(ROW_BAD_DECISION.format(value=value))
    reason = cells.get("reason", "")
    if stage != Stage.FULL_TEXT:
        return choice, ""
    if choice == Choice.MAYBE:
        raise ValueError(DECISION_MAYBE_AT_FULL_TEXT)
    if choice != Choice.EXCLUDE:
        return choice, ""
    if not reason:
        raise ValueError(DECISION_NEEDS_REASON)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValueError(ROW_REASON_TOO_LONG.format(limit=REASON_MAX_LENGTH))
    return choice, reasons.canonical(reason)


def _is_same(decision: Decision | None, planned: _Planned) -> bool:
    return decision is not None and (decision.choice, decision.reason, decision.note) == (
        planned.choice,
        planned.reason,
        planned.note,
    )


def _plan(
    review: Review, reviewer: AbstractBaseUser, stage: str, rows: list[CsvRow], reasons: _Reasons
) -> tuple[list[_Planned], int, int, list[tuple[int, str]]]:
    """Check what a row says: (rows to write, rows already recorded as they are, reasons left out, errors).

    Whether a decision may still change (the record settled, or full) is the service's rule: the
    trial write finds out.
    """
    lookup = _Lookup(review, rows, stage, reviewer)
    errors: list[tuple[int, str]] = []
    to_write, unchanged, dropped, first_line = [], 0, 0, {}
    for row in rows:
        try:
            record_id = lookup.record_id(row.cells)
            lookup.check_record(record_id, stage)
            if record_id in first_line:
                raise ValueError(ROW_REPEATED.format(record_id=record_id, line=first_line[record_id]))
            first_line[record_id] = row.line
            choice, reason = _choice(row.cells, stage, reasons)
        except ValueError as problem:
            errors.append((row.line, str(problem)))
            continue
        if row.cells.get("reason") and not reason:
            dropped += 1
        planned = _Planned(row.line, record_id, choice, reason, row.cells.get("note", ""))
        # Importing the same file again is harmless, even once its records have settled.
        if _is_same(lookup.mine.get(record_id), planned):
            unchanged += 1
        else:
            to_write.append(planned)
    return to_write, unchanged, dropped, errors


def screening_decisions_import(
    *,
    review: Review,
    reviewer: AbstractBaseUser,
    stage: str,
    rows: list[CsvRow],
    add_missing_reasons: bool = False,
    actor: AbstractBaseUser | None = None,
) -> DecisionImportResult:
    """Record one reviewer's decisions from a file: all of them, or (DecisionImportInvalid) none."""
    Stage(stage)
    screening_check_reviewer(review=review, reviewer=reviewer)
    reasons = _Reasons(review, add_missing_reasons)
    # Every row is written through the service, each in its own savepoint, so that every refusal
    # is collected; one refusal and the outer transaction undoes the lot.
    with transaction.atomic():
        to_write, unchanged, dropped, errors = _plan(review, reviewer, stage, rows, reasons)
        result = DecisionImportResult(unchanged=unchanged)
        if reasons.missing:
            result.reasons_added = list(reasons.missing.values())
            review_update_settings(
                actor=actor,
                review=review,
                fulltext_exclusion_reasons=[*review.fulltext_exclusion_reasons, *result.reasons_added],
            )
        errors += _write(review, reviewer, stage, to_write, result)
        if errors:
            raise DecisionImportInvalid(errors)
    if dropped:
        result.warnings.append(WARNING_REASONS_DROPPED.format(count=dropped))
    return result


def _write(
    review: Review,
    reviewer: AbstractBaseUser,
    stage: str,
    to_write: list[_Planned],
    result: DecisionImportResult,
) -> list[tuple[int, str]]:
    record_ids = [planned.record_id for planned in to_write]
    records = Record.objects.in_bulk(record_ids)
    already = Decision.objects.filter(stage=stage, reviewer=reviewer, record_id__in=record_ids).count()
    errors = []
    for planned in to_write:
        try:
            decisions.screening_decision_record(
                review=review,
                record=records[planned.record_id],
                reviewer=reviewer,
                stage=stage,
                choice=planned.choice,
                reason=planned.reason,
                note=planned.note,
                # Teams moving in bring decisions made on full texts Tandem never saw: accepted, marked.
                without_full_text=IMPORTED_WITHOUT_FULL_TEXT,
            )
        except ReviewRuleError as error:
            errors.append((planned.line, ROW_REFUSED.format(record_id=planned.record_id, problem=error)))
    result.changed = already
    result.new = len(to_write) - already
    statuses = RecordStage.objects.filter(stage=stage, record_id__in=record_ids).values_list(
        "status", flat=True
    )
    result.settled = Counter(statuses)
    return errors
