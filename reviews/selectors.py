"""Reads for reviews and members."""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Greatest, Least

from reviews.blinding import blinded_actions
from reviews.history import history_label, history_record_id
from reviews.models import (
    AuditEvent,
    DuplicatePair,
    ImportBatch,
    Invitation,
    Membership,
    Merge,
    Record,
    Review,
    SourceRecord,
)
from reviews.services.lifecycle import records_started

User = get_user_model()


def membership_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("review").order_by("review__title")


def user_list_for_site_admin(*, search: str = "") -> QuerySet:
    users = User.objects.annotate(review_count=Count("memberships")).order_by("username")
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(email__icontains=search) | Q(first_name__icontains=search)
        )
    return users


def membership_get(*, user: AbstractBaseUser, slug: str) -> Membership | None:
    # get(), not first(): one membership at most, and first() would order by the members' usernames (the
    # model's ordering), joining the users to every review page's first query.
    try:
        return Membership.objects.select_related("review").get(user=user, review__slug=slug)
    except Membership.DoesNotExist:
        return None


def membership_list_for_review(*, review: Review) -> QuerySet[Membership]:
    return Membership.objects.filter(review=review).select_related("user").order_by("user__username")


def invitation_list_pending_for_review(*, review: Review) -> QuerySet[Invitation]:
    return Invitation.objects.filter(review=review, status=Invitation.Status.PENDING).order_by("invitee")


def audit_event_list_for_review(
    *,
    review: Review,
    viewer: AbstractBaseUser | None = None,
    limit: int | None = 50,
    prefixes: tuple[str, ...] = (),
) -> QuerySet[AuditEvent]:
    """History, newest first (``prefixes``: only actions that start with one of them). With a blinded
    ``viewer``, other people's entries that would reveal unsettled work (the actions each stage registers in
    ``reviews.blinding``) are left out."""
    events = AuditEvent.objects.filter(review=review)
    if prefixes:
        events = events.filter(
            functools.reduce(operator.or_, (Q(action__startswith=prefix) for prefix in prefixes))
        )
    if viewer is not None:
        events = events.exclude(Q(action__in=blinded_actions()) & ~Q(actor=viewer))
    return events.select_related("actor")[:limit]


HISTORY_AREAS = {
    "": ("Everything", ()),
    "imports": ("Imports and records", ("import.", "records.", "record.", "merge", "duplicates.")),
    "title_abstract": ("Screening: titles and abstracts", ("screening.",)),
    "full_text": ("Screening: full texts", ("screening.", "fulltext.")),
    "extraction": ("Extraction", ("extraction.",)),
    "coding": ("Coding", ("coding.",)),
    "team": ("Team and settings", ("review.", "membership.", "invitation.", "account.", "admin.", "report.")),
}


def history_page(
    *,
    review: Review,
    viewer: AbstractBaseUser | None,
    person: str = "",
    area: str = "",
    record_id: int | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """The History page's entries, filtered by person, area and record, each with ``record`` set to the
    record it is about (title and all) when it is about one."""
    events = audit_event_list_for_review(
        review=review, viewer=viewer, limit=None, prefixes=HISTORY_AREAS.get(area, HISTORY_AREAS[""])[1]
    )
    if area in ("title_abstract", "full_text"):
        events = events.filter(
            Q(action__startswith="fulltext.") | Q(after__stage=area) | Q(before__stage=area)
        )
    if person:
        events = events.filter(actor_username=person)
    if record_id is not None:
        events = events.filter(
            Q(after__record=record_id)
            | Q(before__record=record_id)
            | Q(object_type="reviews.record", object_id=str(record_id))
        )
    page = list(events[:limit])
    ids = {history_record_id(event) for event in page} - {None}
    records = (
        Record.objects.filter(review=review, pk__in=ids)
        .only("pk", "title", "merged_into_id", "is_removed")
        .in_bulk()
    )
    for event in page:
        event.record = records.get(history_record_id(event))
        event.label = history_label(event.action)
    return page


def review_stage_counts(*, review: Review) -> list[dict]:
    """The overview's per-stage figures; each stage's app adds its own as it arrives."""
    counts = import_counts(review=review)
    return [
        {
            "stage": "Identification",
            "figures": [
                ("records imported", counts["imported"]),
                ("duplicates merged", counts["duplicates_removed"]),
                ("possible duplicates to check", counts["possible_duplicates"]),
                ("removed by hand", counts["removed"]),
                ("study records after deduplication", counts["records"]),
            ],
        },
        {"stage": "Team", "figures": [("members", Membership.objects.filter(review=review).count())]},
    ]


# --- Imports and records ----------------------------------------------------------------------

COMMON_DATABASES = (
    "MEDLINE (Ovid)",
    "PubMed",
    "Embase (Ovid)",
    "Embase.com",
    "CINAHL (EBSCO)",
    "PsycINFO (Ovid)",
    "PsycINFO (EBSCO)",
    "Cochrane Library (CENTRAL)",
    "Scopus",
    "Web of Science",
    "ProQuest",
    "Google Scholar",
    "Other",
)


def import_batch_list(*, review: Review) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(review=review).select_related("created_by")


# How many records of each file are asked about first, spread over it: screening has started on most files of
# a review at once, and one record of the sample is enough to tell. Asking about every record of every file
# instead reads back each one screening has touched (half a second at 100,000 records).
STARTED_SAMPLE_SIZE = 64


def import_batches_started(*, batches: Iterable[ImportBatch]) -> set[int]:
    """The files among these with records a later stage has worked on (screened, say). Such a file cannot be
    deleted (``import_batch_delete`` refuses), so the Import page does not offer to."""
    done = [batch for batch in batches if batch.status == ImportBatch.Status.DONE and batch.records_count]
    if not done:
        return set()
    sample = functools.reduce(
        operator.or_,
        (
            Q(batch=batch, position__in=range(1, batch.records_count + 1, _sample_step(batch)))
            for batch in done
        ),
    )
    batches_of_record: dict[int, set[int]] = defaultdict(set)
    for batch_id, record_id in SourceRecord.objects.filter(sample).values_list("batch_id", "record_id"):
        batches_of_record[record_id].add(batch_id)  # a record merged from several files is in each
    started = set()
    for record_id in records_started(record_ids=set(batches_of_record)):
        started |= batches_of_record[record_id]
    # The rest are asked about whole, in one subquery: before screening, every file, which then finds none.
    unsure = [batch.pk for batch in done if batch.pk not in started]
    if unsure:
        found = records_started(
            record_ids=SourceRecord.objects.filter(batch_id__in=unsure).values_list("record_id", flat=True)
        )
        if found:
            among = SourceRecord.objects.filter(batch_id__in=unsure, record_id__in=found)
            started |= set(among.values_list("batch_id", flat=True).distinct())
    return started


def _sample_step(batch: ImportBatch) -> int:
    return max(1, batch.records_count // STARTED_SAMPLE_SIZE)


def import_source_names(*, review: Review) -> list[str]:
    return list(
        ImportBatch.objects.filter(review=review, status=ImportBatch.Status.DONE)
        .order_by("source_name")
        .values_list("source_name", flat=True)
        .distinct()
    )


RECORD_STATUSES = {
    "": "Records in the review",
    "merged": "Merged from several sources",
    "possible": "With a possible duplicate",
    "removed": "Removed",
}


def record_list(*, review: Review, query: str = "", source: str = "", status: str = "") -> QuerySet[Record]:
    records = Record.objects.filter(review=review, merged_into__isnull=True)
    records = records.filter(is_removed=True) if status == "removed" else records.filter(is_removed=False)
    if query:
        records = records.filter(search_text__contains=query.strip().lower())
    if source:
        # A semi-join on the database's own source records: one pass over them, not a probe per record.
        batches = ImportBatch.objects.filter(review=review, source_name=source).values("pk")
        records = records.filter(pk__in=SourceRecord.objects.filter(batch__in=batches).values("record_id"))
    if status == "merged":
        records = records.filter(Exists(Merge.objects.filter(target=OuterRef("pk"), undone_at__isnull=True)))
    if status == "possible":
        records = records.filter(pk__in=_records_with_open_pair(review=review))
    return records.only("id", "title", "authors", "year", "journal", "doi", "is_removed").order_by("id")


def _records_with_open_pair(*, review: Review) -> set[int]:
    """The records on either side of the open pairs. The open pairs are few, so the records are then looked up
    by id: testing each record of the review for a pair on either side took a second at 100,000 records,
    and a subquery that joins the two sides is planned in parallel, which costs more than it does."""
    pairs = DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.OPEN).values_list(
        "source_a__record_id", "source_b__record_id"
    )
    return {record_id for pair in pairs for record_id in pair}


def record_source_names(*, record_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Per record, each database it came from with how many of its source records came from there."""
    names: dict[int, list[tuple[str, int]]] = {}
    rows = (
        SourceRecord.objects.filter(record_id__in=record_ids)
        .values_list("record_id", "batch__source_name")
        .annotate(n=Count("id"))
        .order_by("record_id", "batch__source_name")
    )
    for record_id, source_name, count in rows:
        names.setdefault(record_id, []).append((source_name, count))
    return names


def record_get_for_review(*, review: Review, record_id: int) -> Record | None:
    return Record.objects.filter(review=review, pk=record_id).first()


def record_sources(*, record: Record) -> QuerySet[SourceRecord]:
    return SourceRecord.objects.filter(record=record).select_related("batch").order_by("batch_id", "position")


def record_merges(*, record: Record) -> QuerySet[Merge]:
    return Merge.objects.filter(target=record).select_related("created_by", "undone_by", "batch")


def _with_record_pair(pairs: QuerySet[DuplicatePair]) -> QuerySet[DuplicatePair]:
    """The two study records a pair of source records stands for, lower id first."""
    return pairs.annotate(
        record_low=Least("source_a__record_id", "source_b__record_id"),
        record_high=Greatest("source_a__record_id", "source_b__record_id"),
    )


def duplicate_pair_queue(*, review: Review) -> QuerySet[DuplicatePair]:
    """Open pairs, one per pair of study records: when the same two studies arrived in several files, the
    best-scored pair of their source records stands for them all (deciding it decides the others)."""
    open_pairs = _with_record_pair(
        DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.OPEN).exclude(
            source_a__record_id=F("source_b__record_id")
        )
    )
    better = open_pairs.filter(record_low=OuterRef("record_low"), record_high=OuterRef("record_high")).filter(
        Q(score__gt=OuterRef("score")) | Q(score=OuterRef("score"), pk__lt=OuterRef("pk"))
    )
    return (
        open_pairs.exclude(Exists(better))
        .select_related("source_a__batch", "source_b__batch")
        .order_by("-score", "id")
    )


def duplicate_pairs_decided(*, review: Review) -> QuerySet[DuplicatePair]:
    """Pairs a person decided, latest first, one per decision (the other pairs between the same two
    records, answered by it, carry its time and person and are left out)."""
    decided = DuplicatePair.objects.filter(review=review).exclude(status=DuplicatePair.Status.OPEN)
    answered_by_another = decided.filter(
        decided_at=OuterRef("decided_at"),
        decided_by=OuterRef("decided_by"),
        status=OuterRef("status"),
        pk__lt=OuterRef("pk"),
    )
    return (
        decided.exclude(decided_at__isnull=True)
        .exclude(Exists(answered_by_another))
        .select_related("source_a__batch", "source_b__batch", "decided_by")
        .order_by("-decided_at", "-id")
    )


def record_totals(*, review: Review) -> dict[str, int]:
    """Study records not merged away ("total"), and how many of them were removed by hand ("removed")."""
    # One pass over the index of the records that were not merged away (record_review_active), never over
    # the rows: counted over its columns, not the ids (200 ms at 100,000 records when it read the rows).
    return Record.objects.filter(review=review, merged_into__isnull=True).aggregate(
        total=Count("*"), removed=Count("is_removed", filter=Q(is_removed=True))
    )


def import_counts(*, review: Review) -> dict[str, int]:
    imported = sum(count for _, count in import_counts_by_source(review=review))
    records = record_totals(review=review)
    return {
        "imported": imported,
        "duplicates_removed": imported - records["total"],
        "records": records["total"] - records["removed"],
        "removed": records["removed"],
        "possible_duplicates": duplicate_pair_queue(review=review).count(),
    }


def import_counts_by_source(*, review: Review) -> list[tuple[str, int]]:
    """Source records per database. A file's source records are written in the job that finishes it and
    leave only with the file, so its ``records_count`` is their number (counting the rows took 90 ms at
    100,000 records)."""
    return list(
        ImportBatch.objects.filter(review=review, status=ImportBatch.Status.DONE, records_count__gt=0)
        .values_list("source_name")
        .annotate(n=Sum("records_count"))
        .order_by("source_name")
    )
