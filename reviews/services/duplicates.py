"""Deduplication: planning the merges an import brings, and the decisions people make about pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reviews.dedup import (
    DedupRecord,
    DedupResult,
    PossiblePair,
    PreparedCache,
    dedup_record_from,
    find_duplicates,
    prepared_from_state,
)
from reviews.dedup.records import DEDUP_FIELDS
from reviews.errors import ReviewRuleError
from reviews.models import DuplicatePair, ImportBatch, Merge, Record, Review, SourceRecord
from reviews.parsers import ParsedRecord
from reviews.services.audit import audit_record
from reviews.services.display import records_refresh_display
from reviews.services.lifecycle import records_changed, records_started
from reviews.services.locks import review_records_lock

PAIR_ALREADY_DECIDED = "Someone already decided this pair ({status}); nothing was changed."
MERGE_ALREADY_UNDONE = "This merge was already undone."
PAIR_NOT_DECIDED = "This pair is not decided; there is nothing to undo."
PAIR_MERGE_NOT_FOUND = (
    "The merge this decision made was undone or changed since; see the record's page for its merges."
)
MERGE_BOTH_SCREENED = "Both records already have screening decisions, so they cannot be merged; remove the one screened in error."
MERGE_CHANGED_SINCE = "Records of this merge were merged again since; undo the later merge first."


def _new_key(position: int) -> int:
    # New source records have no id before they are written: negative keys keep them apart.
    return -position


@dataclass
class ImportPlan:
    """Where each new source record goes, decided before anything is written."""

    # position -> ("record", existing record id) or ("new", position whose home record is the target)
    targets: dict[int, tuple[str, int]] = field(default_factory=dict)
    # Existing records that a new record bridges into another existing record: (absorbed id, target id).
    absorbed_existing: list[tuple[int, int]] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)  # dedup keys, for the Merge rows
    reasons: dict[int, list[str]] = field(default_factory=dict)
    possible_pairs: list[PossiblePair] = field(default_factory=list)
    auto_merged: int = 0
    # position -> the detector's normalised form of the new record, stored with it (see SourceRecord)
    dedup_states: dict[int, str] = field(default_factory=dict)


def dedup_records_for_review(review: Review) -> tuple[list[DedupRecord], dict[int, int]]:
    """Every source record of the review as the detector sees it, and the study record each is in.

    A source record's fields never change after import (edits go to the study record), so records
    this process already holds are not read again: only which study each belongs to is. A process that
    holds none of them (a worker just started) reads their stored normalised form, not their fields.
    """
    cache = _ReviewCache.for_review(review)
    record_of = dict(SourceRecord.objects.filter(review=review).order_by("id").values_list("id", "record_id"))
    missing = [source_id for source_id in record_of if cache.known(source_id) is None]
    unrestored = _dedup_states_restore(review, cache, missing, total=len(record_of))
    fetched = _dedup_records_fetch(review, unrestored, total=len(record_of))
    records = [cache.known(source_id) or fetched[source_id] for source_id in record_of]
    return records, record_of


def _source_rows(review: Review, source_ids: list[int], columns: tuple[str, ...], *, total: int):
    """These source records' columns (the id first): the whole review in one pass when they are most of
    its ``total`` records, else by id in batches."""
    if len(source_ids) > total // 2:
        wanted = set(source_ids)
        rows = SourceRecord.objects.filter(review=review).values_list(*columns).iterator(chunk_size=5000)
        yield from (row for row in rows if row[0] in wanted)
        return
    for start in range(0, len(source_ids), 2000):
        yield from SourceRecord.objects.filter(pk__in=source_ids[start : start + 2000]).values_list(*columns)


def _dedup_states_restore(
    review: Review, cache: PreparedCache, source_ids: list[int], *, total: int
) -> list[int]:
    """Put the stored normalised form of these source records in the cache; return those without one."""
    unrestored = []
    for source_id, state in _source_rows(review, source_ids, ("id", "dedup_state"), total=total):
        prepared = prepared_from_state(source_id, state)
        if prepared is None:
            unrestored.append(source_id)
        else:
            cache.restore(source_id, prepared)
    return unrestored


def _dedup_records_fetch(review: Review, source_ids: list[int], *, total: int) -> dict[int, DedupRecord]:
    # Abstracts are left out: the detector does not match on them, and they are most of the bytes.
    return {
        source_id: DedupRecord(
            key=source_id, authors=tuple(authors or ()), **dict(zip(DEDUP_FIELDS, values, strict=True))
        )
        for source_id, authors, *values in _source_rows(
            review, source_ids, ("id", "authors", *DEDUP_FIELDS), total=total
        )
    }


class _ReviewCache:
    """The detector's normalised records of the review imported last, kept in this process.

    Imports into one review usually come one after another through the same worker, and most of an
    import's deduplication time would otherwise go on normalising records already imported.
    """

    review_id: int | None = None
    cache: PreparedCache | None = None

    @classmethod
    def forget(cls) -> None:
        cls.review_id, cls.cache = None, None

    @classmethod
    def for_review(cls, review: Review) -> PreparedCache:
        if cls.review_id != review.pk or cls.cache is None:
            cls.review_id, cls.cache = review.pk, PreparedCache()
        return cls.cache


def dedup_cache_forget() -> None:
    """After source records are deleted: SQLite may hand their ids to the next import's records."""
    _ReviewCache.forget()


def dedup_cache_adopt(*, review: Review, source_ids: dict[int, int]) -> None:
    """Re-key the just-imported records (known by file position during the job) by their source ids."""
    if _ReviewCache.review_id == review.pk and _ReviewCache.cache is not None:
        _ReviewCache.cache.adopt({-position: source_id for position, source_id in source_ids.items()})


def dedup_find(review: Review, records: list[DedupRecord], **links) -> DedupResult:
    cache = _ReviewCache.for_review(review)
    result = find_duplicates(records, cache=cache, **links)
    # New records keep their temporary keys until the import commits and dedup_cache_adopt renames them.
    cache.keep_only({record.key for record in records})
    return result


def _parsed_dedup_record(parsed: ParsedRecord) -> DedupRecord:
    return dedup_record_from(parsed, key=_new_key(parsed.position))


def dedup_must_links(record_of: dict[int, int]) -> list[tuple[int, int]]:
    first_source: dict[int, int] = {}
    links = []
    for source_id, record_id in record_of.items():
        if record_id in first_source:
            links.append((first_source[record_id], source_id))
        else:
            first_source[record_id] = source_id
    return links


def dedup_cannot_links(review: Review) -> list[tuple[int, int]]:
    return list(
        DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.DIFFERENT).values_list(
            "source_a_id", "source_b_id"
        )
    )


def duplicates_plan_for_import(
    *, review: Review, batch: ImportBatch, parsed: Sequence[ParsedRecord]
) -> ImportPlan:
    existing, record_of = dedup_records_for_review(review)
    new_records = [_parsed_dedup_record(record) for record in parsed]
    result = dedup_find(
        review,
        existing + new_records,
        cannot_link=dedup_cannot_links(review),
        must_link=dedup_must_links(record_of),
        only_involving={record.key for record in new_records},
    )
    plan = ImportPlan()
    screened = _screened_among_merges(result.groups, record_of)
    for group in result.groups:
        _plan_group(plan, group, record_of, screened)
    plan.possible_pairs = _one_pair_per_record_pair(
        plan, plan.possible_pairs + result.possible_pairs, record_of
    )
    cache = _ReviewCache.for_review(review)
    plan.dedup_states = {record.position: cache.state(_new_key(record.position)) for record in parsed}
    return plan


def _one_pair_per_record_pair(
    plan: ImportPlan, pairs: list[PossiblePair], record_of: dict[int, int]
) -> list[PossiblePair]:
    """A study found in three files would otherwise be offered several times; people decide once."""

    def record_key(key: int) -> tuple[str, int]:
        return ("record", record_of[key]) if key > 0 else plan.targets.get(-key, ("new", -key))

    best: dict[tuple, PossiblePair] = {}
    for pair in pairs:
        records = tuple(sorted((record_key(pair.a), record_key(pair.b))))
        if records[0] == records[1]:
            continue
        if records not in best or pair.score > best[records].score:
            best[records] = pair
    return list(best.values())


def _screened_among_merges(groups: list[list[int]], record_of: dict[int, int]) -> set[int]:
    """Existing records that screening has reached, among groups that would join two existing records."""
    candidates = set()
    for group in groups:
        existing = {record_of[key] for key in group if key > 0}
        if len(existing) > 1:
            candidates |= existing
    return records_started(record_ids=candidates)


def _plan_group(plan: ImportPlan, group: list[int], record_of: dict[int, int], screened: set[int]) -> None:
    existing_records = sorted({record_of[key] for key in group if key > 0})
    new_positions = sorted(-key for key in group if key < 0)
    if not new_positions:
        return
    # The oldest screened record wins, else the oldest: decisions already made stay with the study.
    screened_here = [record_id for record_id in existing_records if record_id in screened]
    target_id = (screened_here or existing_records or [None])[0]
    target = ("record", target_id) if target_id is not None else ("new", new_positions[0])
    for position in new_positions:
        plan.targets[position] = target
    for record_id in existing_records:
        if record_id == target_id:
            continue
        if record_id in screened:
            # Two records that both carry decisions are not merged behind anyone's back.
            keys = [key for key in group if key > 0]
            a = next(key for key in keys if record_of[key] == target_id)
            b = next(key for key in keys if record_of[key] == record_id)
            plan.possible_pairs.append(
                PossiblePair(a=a, b=b, score=1.0, reasons=["both records already screened"])
            )
            continue
        plan.absorbed_existing.append((record_id, target_id))
        plan.auto_merged += 1
    plan.groups.append(group)
    plan.auto_merged += len(new_positions) - (0 if existing_records else 1)


# --- People's decisions ----------------------------------------------------------------------------


def _lock_pair(pair: DuplicatePair) -> DuplicatePair:
    review_records_lock(pair.review_id, wait=False)
    # Lock the pair: two people deciding it at once must not both act on it.
    locked = DuplicatePair.objects.select_for_update().select_related("source_a", "source_b").get(pk=pair.pk)
    if locked.status != DuplicatePair.Status.OPEN:
        raise ReviewRuleError(PAIR_ALREADY_DECIDED.format(status=locked.get_status_display().lower()))
    return locked


def _pair_decide(pair: DuplicatePair, *, actor: AbstractBaseUser, status: str) -> None:
    """Decide the pair and the other open pairs between the same two records, at one time by one person
    (so the decided list shows the decision once and its undo finds them all)."""
    now = timezone.now()
    _pairs_between(pair).exclude(pk=pair.pk).update(status=status, decided_by=actor, decided_at=now)
    pair.status = status
    pair.decided_by = actor
    pair.decided_at = now
    pair.save(update_fields=["status", "decided_by", "decided_at"])


def _merge_order(records: list[Record]) -> list[Record]:
    """Target first: the screened record if one is, else the oldest. Two screened records stay apart."""
    screened = records_started(record_ids={record.pk for record in records})
    if len(screened) > 1:
        raise ReviewRuleError(MERGE_BOTH_SCREENED)
    return sorted(records, key=lambda record: (record.pk not in screened, record.pk))


def _pairs_between(pair: DuplicatePair, status: str = DuplicatePair.Status.OPEN) -> QuerySet[DuplicatePair]:
    """Pairs of this status between the two records the pair's sources are in (as last read)."""
    record_a, record_b = pair.source_a.record_id, pair.source_b.record_id
    return DuplicatePair.objects.filter(review=pair.review, status=status).filter(
        Q(source_a__record_id=record_a, source_b__record_id=record_b)
        | Q(source_a__record_id=record_b, source_b__record_id=record_a)
    )


@transaction.atomic
def duplicate_pair_mark_same(*, actor: AbstractBaseUser, pair: DuplicatePair) -> Merge | None:
    pair = _lock_pair(pair)
    # Other pairs between the same two records are answered by this decision too.
    _pair_decide(pair, actor=actor, status=DuplicatePair.Status.SAME)
    records = Record.objects.select_for_update().filter(
        pk__in=[pair.source_a.record_id, pair.source_b.record_id]
    )
    records = _merge_order(list(records))
    merge = None
    if len(records) == 2:
        merge = records_merge(actor=actor, target=records[0], absorbed=records[1:], kind=Merge.Kind.MANUAL)
    audit_record(
        actor=actor,
        review=pair.review,
        action="duplicates.same",
        target=pair,
        after={"sources": [pair.source_a_id, pair.source_b_id], "merge": merge.pk if merge else None},
    )
    return merge


@transaction.atomic
def duplicate_pair_mark_different(*, actor: AbstractBaseUser, pair: DuplicatePair) -> DuplicatePair:
    pair = _lock_pair(pair)
    _pair_decide(pair, actor=actor, status=DuplicatePair.Status.DIFFERENT)
    audit_record(
        actor=actor,
        review=pair.review,
        action="duplicates.different",
        target=pair,
        after={"sources": [pair.source_a_id, pair.source_b_id]},
    )
    return pair


@transaction.atomic
def duplicate_pair_undo(*, actor: AbstractBaseUser, pair: DuplicatePair) -> DuplicatePair:
    """Put a decided pair back in the queue, undecided, with the pairs its decision answered; undoing
    "same study" undoes the merge it made first (refused, as an undo from the record's page is, when its
    records were merged again since)."""
    review_records_lock(pair.review_id, wait=False)
    pair = DuplicatePair.objects.select_for_update().select_related("source_a", "source_b").get(pk=pair.pk)
    if pair.status == DuplicatePair.Status.OPEN:
        raise ReviewRuleError(PAIR_NOT_DECIDED)
    answered = DuplicatePair.objects.filter(
        review=pair.review, status=pair.status, decided_at=pair.decided_at, decided_by=pair.decided_by
    )
    reasons = dict(answered.values_list("pk", "reasons"))
    before = {"status": pair.status, "sources": [pair.source_a_id, pair.source_b_id]}
    if pair.status == DuplicatePair.Status.SAME and pair.source_a.record_id == pair.source_b.record_id:
        merge = _manual_merge_of(pair)
        if merge is None:
            raise ReviewRuleError(PAIR_MERGE_NOT_FOUND)
        merge_undo(actor=actor, merge=merge)
        before["merge"] = merge.pk
    # Undoing the merge remembers its split as "different studies": this undo means undecided instead.
    reopened = DuplicatePair.objects.filter(pk__in=list(reasons)) | _pairs_between_records(pair)
    for reopened_pair in reopened.distinct():
        reopened_pair.status, reopened_pair.decided_by, reopened_pair.decided_at = (
            DuplicatePair.Status.OPEN,
            None,
            None,
        )
        reopened_pair.reasons = reasons.get(reopened_pair.pk, reopened_pair.reasons)
        reopened_pair.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    pair.refresh_from_db()
    audit_record(actor=actor, review=pair.review, action="duplicates.undo", target=pair, before=before)
    return pair


def _manual_merge_of(pair: DuplicatePair) -> Merge | None:
    """The person's merge that joined the pair's two source records (the latest one not undone)."""
    sources = {pair.source_a_id, pair.source_b_id}
    merges = Merge.objects.filter(
        review=pair.review, kind=Merge.Kind.MANUAL, undone_at__isnull=True, created_at__gte=pair.decided_at
    ).order_by("-created_at", "-pk")
    for merge in merges:
        if sources & {move["source"] for move in merge.moves}:
            return merge
    return None


def _pairs_between_records(pair: DuplicatePair) -> QuerySet[DuplicatePair]:
    """Pairs between the two records the pair's sources are in now that a merge undo split them again,
    decided by that undo ("merge undone")."""
    pair.source_a.refresh_from_db(fields=["record"])
    pair.source_b.refresh_from_db(fields=["record"])
    return _pairs_between(pair, DuplicatePair.Status.DIFFERENT).filter(reasons=["merge undone"])


def records_merge(
    *,
    actor: AbstractBaseUser | None,
    target: Record,
    absorbed: Iterable[Record],
    kind: str,
    batch: ImportBatch | None = None,
    reasons: list[str] | None = None,
) -> Merge:
    """Move every source of the absorbed records into the target. Call inside a transaction."""
    absorbed = list(absorbed)
    moves = [
        {"source": source_id, "from_record": record_id}
        for source_id, record_id in SourceRecord.objects.filter(record__in=absorbed).values_list(
            "id", "record_id"
        )
    ]
    SourceRecord.objects.filter(record__in=absorbed).update(record=target)
    Record.objects.filter(pk__in=[record.pk for record in absorbed]).update(merged_into=target)
    records_changed(review_id=target.review_id, record_ids=[record.pk for record in absorbed])
    merge = Merge.objects.create(
        review=target.review,
        target=target,
        kind=kind,
        batch=batch,
        moves=moves,
        reasons=reasons or [],
        created_by=actor,
    )
    records_refresh_display(record_ids=[target.pk])
    audit_record(
        actor=actor,
        review=target.review,
        action="records.merge",
        target=merge,
        after={"target": target.pk, "absorbed": [record.pk for record in absorbed], "kind": kind},
    )
    return merge


@transaction.atomic
def merge_undo(*, actor: AbstractBaseUser, merge: Merge) -> Merge:
    review_records_lock(merge.review_id, wait=False)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ReviewRuleError(MERGE_ALREADY_UNDONE)
    source_ids = [move["source"] for move in merge.moves]
    still_there = SourceRecord.objects.filter(pk__in=source_ids, record_id=merge.target_id).count()
    if still_there != len(source_ids):
        raise ReviewRuleError(MERGE_CHANGED_SINCE)
    by_record: dict[int, list[int]] = defaultdict(list)
    for move in merge.moves:
        by_record[move["from_record"]].append(move["source"])
    for record_id, sources in by_record.items():
        SourceRecord.objects.filter(pk__in=sources).update(record_id=record_id)
    Record.objects.filter(pk__in=list(by_record)).update(merged_into=None)
    records_changed(review_id=merge.review_id, record_ids=list(by_record))
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    _remember_split(merge, by_record)
    merge.save(update_fields=["undone_at", "undone_by"])
    records_refresh_display(record_ids=[merge.target_id, *by_record])
    audit_record(
        actor=actor,
        review=merge.review,
        action="records.unmerge",
        target=merge,
        before={"target": merge.target_id, "absorbed": sorted(by_record)},
    )
    return merge


def _remember_split(merge: Merge, by_record: dict[int, list[int]]) -> None:
    """An undone merge is a person saying "different studies": later imports must not redo it."""
    target_first = (
        SourceRecord.objects.filter(record_id=merge.target_id).order_by("pk").values_list("pk", flat=True)
    )
    target_first = target_first.first()
    if target_first is None:
        return
    for sources in by_record.values():
        low, high = sorted((target_first, min(sources)))
        DuplicatePair.objects.update_or_create(
            source_a_id=low,
            source_b_id=high,
            defaults={
                "review": merge.review,
                "status": DuplicatePair.Status.DIFFERENT,
                "decided_by": merge.undone_by,
                "decided_at": timezone.now(),
                "reasons": ["merge undone"],
            },
        )
