"""Writing an import's records fast: PostgreSQL COPY where it runs, bulk inserts elsewhere.

Every source record gets a home record (the study record it was imported as). Where deduplication
put it with others, its home record is created already merged into the group's target, so an undo
has somewhere to send it back to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from reviews.models import DuplicatePair, ImportBatch, Merge, Record, SourceRecord
from reviews.parsers import ParsedRecord
from reviews.services.bulk import bulk_insert
from reviews.services.display import (
    DISPLAY_FIELDS,
    completeness,
    records_refresh_display,
    records_refresh_display_from,
    search_text,
)
from reviews.services.duplicates import ImportPlan
from reviews.services.lifecycle import records_changed

_MAX_LENGTHS = {
    "volume": 60,
    "issue": 60,
    "pages": 60,
    "doi": 255,
    "pmid": 20,
    "language": 60,
    "publication_type": 120,
    "source_record_id": 255,
}


def _clean(value: Any) -> Any:
    # PostgreSQL text and jsonb cannot hold NUL characters. The readers refuse files with them, so
    # this is a last guard, kept cheap: most values are returned as they are.
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _fields(parsed: ParsedRecord) -> dict[str, Any]:
    values = {name: _clean(getattr(parsed, name)) for name in DISPLAY_FIELDS}
    for name, limit in _MAX_LENGTHS.items():
        if name in values:
            values[name] = values[name][:limit]
    year = values["year"]
    values["year"] = year if isinstance(year, int) and 1000 <= year <= 2999 else None
    return values


def _allocate_ids(model, count: int) -> list[int]:
    if count == 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    # SQLite: the import's transaction holds the database's write lock, so nobody else takes these.
    start = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    return list(range(start, start + count))


@dataclass
class Written:
    new_record_ids: list[int]  # new study records, not merged into others
    source_ids: dict[int, int]  # position in the file -> source record id


def records_write(
    *, batch: ImportBatch, parsed: Sequence[ParsedRecord], plan: ImportPlan, progress: Callable[[int], None]
) -> Written:
    """Write the batch's records, its merges and its possible duplicates."""
    fields = [_fields(record) for record in parsed]
    record_ids = _allocate_ids(Record, len(parsed))
    source_ids = _allocate_ids(SourceRecord, len(parsed))
    index_of = {record.position: index for index, record in enumerate(parsed)}
    target_of = _targets(plan, parsed, index_of, record_ids)
    display = _display_fields(fields, target_of, record_ids)
    now = timezone.now()
    # Generators: each row is made as COPY takes it, so an import's rows never all sit in memory at once.
    record_rows = (
        _record_row(batch, record_ids[i], target_of[i], display.get(record_ids[i], fields[i]), now)
        for i in range(len(parsed))
    )
    source_rows = (
        _source_row(
            batch, source_ids[i], parsed[i], fields[i], target_of[i], record_ids[i], plan.dedup_states
        )
        for i in range(len(parsed))
    )
    bulk_insert(Record, record_rows, progress=lambda done: progress(done // 2))
    bulk_insert(SourceRecord, source_rows, progress=lambda done: progress(len(parsed) // 2 + done // 2))
    existing_moves = _absorb_existing(batch, plan)
    _write_merges(batch, plan, index_of, record_ids, source_ids, target_of, existing_moves)
    _write_possible_pairs(batch, plan, index_of, source_ids)
    _refresh_existing_targets(fields, target_of, set(record_ids), plan)
    return Written(
        new_record_ids=[
            record_id for record_id, target in zip(record_ids, target_of, strict=True) if record_id == target
        ],
        source_ids={record.position: source_ids[index] for index, record in enumerate(parsed)},
    )


def _refresh_existing_targets(
    fields: list[dict], target_of: list[int], new_ids: set[int], plan: ImportPlan
) -> None:
    """Existing records that gained sources show the most complete of what they showed and what came."""
    candidates: dict[int, list[dict]] = defaultdict(list)
    for index, target in enumerate(target_of):
        if target not in new_ids:
            candidates[target].append(fields[index])
    bridged = {target for _, target in plan.absorbed_existing}
    records_refresh_display_from(candidates={k: v for k, v in candidates.items() if k not in bridged})
    # A record joining two existing ones is rare: those targets are worked out from all their sources.
    records_refresh_display(record_ids=bridged)


def _targets(plan: ImportPlan, parsed, index_of, record_ids) -> list[int]:
    targets = []
    for record in parsed:
        kind, value = plan.targets.get(record.position, ("new", record.position))
        targets.append(value if kind == "record" else record_ids[index_of[value]])
    return targets


def _display_fields(fields, target_of, record_ids) -> dict[int, dict]:
    """For each new target record, the fields of the most complete new source in its group."""
    new_ids = set(record_ids)
    best: dict[int, dict] = {}
    for index, target in enumerate(target_of):
        if target not in new_ids:
            continue
        current = best.get(target)
        if current is None or completeness(fields[index]) > completeness(current):
            best[target] = fields[index]
    return best


# What a record merged as it is imported leaves out. Nobody sees it as such (its page leads to the record
# it joined, lists and exports show unmerged records only), and when a merge is undone or its file deleted,
# the record is shown again from its own source records (records_refresh_display). The abstract is most of
# a record's bytes, and half the records of a large import are merged at once.
_MERGED_HOME_LEAVES_OUT = {"abstract": "", "keywords": [], "urls": []}


def _record_row(batch, record_id: int, target: int, values: dict, now) -> dict:
    merged = target != record_id
    return {
        "id": record_id,
        "review_id": batch.review_id,
        "merged_into_id": target if merged else None,
        "is_removed": False,
        "removed_reason": "",
        "is_edited": False,
        "search_text": "" if merged else search_text(values),
        "created_at": now,
        **values,
        **(_MERGED_HOME_LEAVES_OUT if merged else {}),
    }


def _source_row(
    batch, source_id: int, parsed: ParsedRecord, values: dict, target: int, home: int, states: dict[int, str]
) -> dict:
    return {
        "id": source_id,
        "review_id": batch.review_id,
        "batch_id": batch.pk,
        "position": parsed.position,
        "line": max(parsed.line or 0, 0),
        "record_id": target,
        "home_record_id": home,
        "source_record_id": _clean(parsed.source_record_id)[:255],
        "raw": SourceRecord.raw_to_store(parsed.raw, values["abstract"]),
        "dedup_state": states.get(parsed.position, ""),
        **values,
    }


def _absorb_existing(batch, plan: ImportPlan) -> dict[int, list[dict]]:
    """A new record that matches two existing records joins them too; returns the moves per target."""
    moves: dict[int, list[dict]] = defaultdict(list)
    absorbed_ids = []
    for absorbed, target in plan.absorbed_existing:
        if absorbed == target:
            continue
        moved = SourceRecord.objects.filter(record_id=absorbed)
        moves[target] += [
            {"source": source_id, "from_record": absorbed} for source_id in moved.values_list("id", flat=True)
        ]
        moved.update(record_id=target)
        Record.objects.filter(pk=absorbed).update(merged_into_id=target)
        absorbed_ids.append(absorbed)
    records_changed(review_id=batch.review_id, record_ids=absorbed_ids)
    return moves


def _write_merges(
    batch, plan: ImportPlan, index_of, record_ids, source_ids, target_of, existing_moves
) -> None:
    now = timezone.now()
    merges = []
    for group in plan.groups:
        new_indexes = [index_of[-key] for key in group if key < 0]
        target = target_of[new_indexes[0]]
        moves = [
            {"source": source_ids[i], "from_record": record_ids[i]}
            for i in new_indexes
            if record_ids[i] != target
        ]
        moves += existing_moves.pop(target, [])
        merges.append(
            {
                "review_id": batch.review_id,
                "target_id": target,
                "kind": Merge.Kind.AUTOMATIC,
                "batch_id": batch.pk,
                "moves": moves,
                "reasons": [],
                "created_by_id": None,
                "created_at": now,
                "undone_at": None,
                "undone_by_id": None,
            }
        )
    bulk_insert(Merge, merges)


def _write_possible_pairs(batch, plan: ImportPlan, index_of, source_ids) -> None:
    def real(key: int) -> int:
        return source_ids[index_of[-key]] if key < 0 else key

    pairs = []
    for pair in plan.possible_pairs:
        low, high = sorted((real(pair.a), real(pair.b)))
        pairs.append(
            DuplicatePair(
                review_id=batch.review_id,
                source_a_id=low,
                source_b_id=high,
                score=pair.score,
                reasons=pair.reasons,
            )
        )
    DuplicatePair.objects.bulk_create(pairs, batch_size=1000, ignore_conflicts=True)
