"""The PRISMA 2020 flow of a review, counted from its data (reads only).

Every box comes from the records themselves: records identified per database are the source records of its
import batches (before deduplication); duplicates removed are source records folded into another study
record; records removed for other reasons are study records an owner removed; the rest is what screening
settled at each stage. Boxes must add up. Where they do not, the flow carries an error naming the records
behind it, never a quietly corrected number. Records still waiting for a decision are not an error: they
are shown as such, so an unfinished review has an honest diagram.

Wording follows PRISMA 2020 for systematic reviews and PRISMA-ScR for scoping reviews ("sources of
evidence" rather than "studies").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from django.db.models import Count

from reviews.models import Record, Review
from reviews.selectors import import_counts_by_source, record_totals
from screening.models import RecordStage, Stage

ERROR_RECORDS_SHOWN = 20


@dataclass
class FlowError:
    message: str
    record_ids: list[int]


@dataclass
class PrismaFlow:
    review_type: str
    identified: dict[str, int]
    identified_total: int
    duplicates_removed: int
    removed_other: int
    not_screened: int  # set aside unscreened when the team stopped screening (a stopping rule met)
    screened: int
    excluded_screening: int
    awaiting_screening: int
    sought: int
    not_retrieved: int
    assessed: int
    excluded_full_text: dict[str, int]
    awaiting_full_text: int
    included_studies: int
    included_reports: int
    other_methods: dict[str, int] = field(default_factory=dict)
    errors: list[FlowError] = field(default_factory=list)

    @property
    def is_scoping(self) -> bool:
        return self.review_type == Review.ReviewType.SCOPING

    @property
    def excluded_full_text_total(self) -> int:
        return sum(self.excluded_full_text.values())

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("review_type")
        data["errors"] = [asdict(error) for error in self.errors]
        return data


def _stage_counts(review: Review, stage: str) -> Counter:
    # Counted over a column of the stage counts' index (record_stage_counts), which is then read alone.
    rows = (
        RecordStage.objects.filter(review=review, stage=stage, is_active=True)
        .values_list("status")
        .annotate(n=Count("status"))
    )
    return Counter(dict(rows))


def _exclusion_reasons(review: Review) -> dict[str, int]:
    rows = (
        RecordStage.objects.filter(
            review=review, stage=Stage.FULL_TEXT, is_active=True, status=RecordStage.Status.EXCLUDED
        )
        .values_list("exclusion_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "exclusion_reason")
    )
    return {reason or "No reason recorded": n for reason, n in rows}


def _records_without_screening(review: Review) -> list[int]:
    """Active study records with no title/abstract row: they would be identified but never screened."""
    staged = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, is_active=True).values(
        "record_id"
    )
    active = Record.objects.filter(review=review, merged_into__isnull=True, is_removed=False)
    return list(active.exclude(pk__in=staged).values_list("pk", flat=True)[:ERROR_RECORDS_SHOWN])


def _full_text_without_title_stage(review: Review) -> list[int]:
    """Records at full text that title/abstract screening never included."""
    advanced = RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status=RecordStage.Status.INCLUDED
    ).values("record_id")
    at_full_text = RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT, is_active=True)
    return list(
        at_full_text.exclude(record_id__in=advanced).values_list("record_id", flat=True)[:ERROR_RECORDS_SHOWN]
    )


def prisma_flow(*, review: Review, other_methods: dict[str, int] | None = None) -> PrismaFlow:
    # Per database from the imports' own counts, not by counting every source record (180 ms at 100,000).
    by_source = import_counts_by_source(review=review)
    identified = dict(sorted(by_source, key=lambda row: (-row[1], row[0])))
    identified_total = sum(identified.values())
    kept = record_totals(review=review)
    title = _stage_counts(review, Stage.TITLE_ABSTRACT)
    full = _stage_counts(review, Stage.FULL_TEXT)
    Status = RecordStage.Status
    flow = PrismaFlow(
        review_type=review.review_type,
        identified=identified,
        identified_total=identified_total,
        duplicates_removed=identified_total - kept["total"],
        removed_other=kept["removed"],
        not_screened=title[Status.SET_ASIDE],
        screened=kept["total"] - kept["removed"] - title[Status.SET_ASIDE],
        excluded_screening=title[Status.EXCLUDED],
        awaiting_screening=title[Status.OPEN] + title[Status.CONFLICT],
        sought=title[Status.INCLUDED],
        not_retrieved=full[Status.NOT_RETRIEVABLE],
        assessed=sum(full.values()) - full[Status.NOT_RETRIEVABLE],
        excluded_full_text=_exclusion_reasons(review),
        awaiting_full_text=full[Status.OPEN] + full[Status.CONFLICT],
        included_studies=full[Status.INCLUDED],
        # Each study record is one report: reports that deduplication joined are one record.
        included_reports=full[Status.INCLUDED],
        other_methods=dict(other_methods or {}),
    )
    flow.errors = _check(review, flow, title, full)
    return flow


def _check(review: Review, flow: PrismaFlow, title: Counter, full: Counter) -> list[FlowError]:
    errors = []
    screened_rows = sum(title.values()) - flow.not_screened
    if screened_rows != flow.screened:
        errors.append(
            FlowError(
                f"{flow.screened} records remain after deduplication and removal, but {screened_rows} are in "
                "title/abstract screening.",
                _records_without_screening(review),
            )
        )
    if sum(full.values()) != flow.sought:
        errors.append(
            FlowError(
                f"{flow.sought} records were included at title/abstract, but {sum(full.values())} are at "
                "full text.",
                _full_text_without_title_stage(review),
            )
        )
    decided = flow.excluded_full_text_total + flow.included_studies + flow.awaiting_full_text
    if decided != flow.assessed:
        errors.append(
            FlowError(
                f"{flow.assessed} reports were assessed, but {decided} are excluded, included or waiting.", []
            )
        )
    return errors
