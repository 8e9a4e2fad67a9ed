"""The methods a paper reports (PRISMA 2020 items 8–9, PRISMA-S), written from the review's data and kept
current: how records were selected and data collected, and a table of the searches as they were imported."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from coding.models import CodingSettings, Excerpt, Framework
from coding.selectors import coding_agreement
from extraction.models import Extraction, FormField
from lib.agreement import Agreement
from report.prisma import PrismaFlow
from reviews.models import ImportBatch, Review
from screening.models import RecordStage, Stage
from screening.selectors import (
    screening_agreement_combined,
    screening_decision_span,
    screening_last_stop,
    screening_ranking_periods,
)


@dataclass
class Search:
    database: str
    searched_on: str
    search_string: str
    records: int
    file: str


def searches(*, review: Review) -> list[Search]:
    """One row per imported search export: the database, when it was searched, the search as entered at
    import, and the records it gave."""
    batches = ImportBatch.objects.filter(review=review, status=ImportBatch.Status.DONE).order_by(
        "created_at", "pk"
    )
    return [
        Search(
            database=batch.source_name,
            searched_on=batch.search_date.isoformat() if batch.search_date else "not recorded",
            search_string=batch.search_string or "not recorded",
            records=batch.records_count,
            file=batch.original_filename,
        )
        for batch in batches
    ]


def _number(n: int) -> str:
    return f"{n:,}"


def _agreement(result: Agreement, what: str = "") -> str:
    if not result.pairs:
        return ""
    parts = [f"agreement {result.percent}%"]
    if result.kappa is not None:
        parts.append(f"Cohen's κ {result.kappa}")
    return f" ({what + ': ' if what else ''}{', '.join(parts)})"


def _people(count: int) -> str:
    return {1: "One reviewer", 2: "Two reviewers"}.get(count, f"{count} reviewers")


EVERY_RECORD = "every record was screened by the number of reviewers set for the review."
RANDOM_ORDER = (
    "Records were presented to each reviewer in a random order, the same for every reviewer, with no ranking by "
    f"relevance; {EVERY_RECORD}"
)
RANKING_MODEL = (
    "ordered by relevance by active learning (a linear support vector machine on TF-IDF features of the words "
    "and word pairs of titles, abstracts and keywords, retrained as the reviewer screened on their own decisions "
    "and settled records only, never on another reviewer's pending decisions), in a random order until the "
    "reviewer had included and excluded at least one record"
)


def _counted(number: int, singular: str, plural: str) -> str:
    return f"{_number(number)} {singular if number == 1 else plural}"


def _date(moment) -> str:
    moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%B %Y}"


def _order(review: Review) -> str:
    """How records were ordered for title/abstract screening, as the ranking setting's history says: a
    methods section must not say "random" of a review that ranked, nor "ranked" of one that did not."""
    periods = screening_ranking_periods(review=review)
    if not periods:  # most reviews: no need to read when screening began and ended
        return RANDOM_ORDER
    first, last = screening_decision_span(review=review, stage=Stage.TITLE_ABSTRACT)
    periods = [
        (on, off) for on, off in periods if first is not None and on <= last and (off is None or off >= first)
    ]
    if not periods:
        return RANDOM_ORDER
    if len(periods) == 1 and periods[0][0] <= first and (periods[0][1] is None or periods[0][1] >= last):
        return f"Each reviewer's records were {RANKING_MODEL}; {EVERY_RECORD}"
    spans = ", ".join(f"from {_date(on)}" + (f" to {_date(off)}" if off else "") for on, off in periods)
    return (
        f"For part of the screening ({spans}) each reviewer's records were {RANKING_MODEL}; otherwise records "
        f"were presented in a random order, the same for every reviewer; {EVERY_RECORD}"
    )


def _stop(review: Review, flow: PrismaFlow) -> str:
    """When the team stopped title/abstract screening, and what the stopping test said then."""
    stop = screening_last_stop(review=review)
    if not flow.not_screened or stop is None:
        return ""
    figures = stop.after or {}
    sentence = f"Title and abstract screening was stopped on {_date(stop.created_at)}"
    if figures.get("screened") is not None:
        sentence += f", after {_number(figures['screened'])} records had been screened"
    p_value, target = figures.get("p_value"), round(100 * figures.get("recall_target", 0.95))
    test = "the hypergeometric stopping test (Callaghan and Müller-Hansen, 2020)"
    if p_value is not None and figures.get("may_stop"):  # the test's own verdict at its own threshold
        sentence += f", when {test} rejected a recall below {target}% (p = {p_value})"
    elif p_value is not None:
        sentence += f"; {test} did not then reject a recall below {target}% (p = {p_value})"
    return sentence + f"; the remaining {_number(flow.not_screened)} records were not screened."


def _selection(review: Review, flow: PrismaFlow) -> list[str]:
    people = _people(review.reviewers_per_record)
    how = "independently and blind to each other's decisions" if review.reviewers_per_record > 1 else ""
    title = screening_agreement_combined(review=review, stage=Stage.TITLE_ABSTRACT)
    full = screening_agreement_combined(review=review, stage=Stage.FULL_TEXT)
    # While screening goes on, what has been screened to a decision; the rest is said to be under way below.
    titles_screened = flow.screened - flow.awaiting_screening
    full_texts_screened = flow.assessed - flow.awaiting_full_text
    sentences = [
        f"{people} {how} screened {_number(titles_screened)} titles and abstracts{_agreement(title)}".replace(
            "  ", " "
        )
        + (f" and {_number(full_texts_screened)} full texts{_agreement(full)}" if full_texts_screened else "")
        + ".",
        _order(review),
    ]
    if stop := _stop(review, flow):
        sentences.append(stop)
    conflicts = RecordStage.objects.filter(review=review, resolved_by__isnull=False).count()
    if review.reviewers_per_record > 1:
        sentences.append(
            "Disagreements were resolved by the lead author"
            + (f" ({_counted(conflicts, 'record', 'records')})." if conflicts else ".")
        )
    if flow.awaiting_screening or flow.awaiting_full_text:
        sentences.append(
            "At the time of writing "
            f"{_counted(flow.awaiting_screening, 'title and abstract', 'titles and abstracts')} and "
            f"{_counted(flow.awaiting_full_text, 'full text', 'full texts')} were still being screened."
        )
    return sentences


def _extraction(review: Review, flow: PrismaFlow) -> list[str]:
    extractors = Extraction.objects.filter(review=review).values("reviewer_id").distinct().count()
    if not extractors:
        return []
    fields = FormField.objects.filter(review=review, is_archived=False).count()
    if extractors > 1:
        return [
            f"Two reviewers extracted data independently from the {_number(flow.included_studies)} included "
            f"{'sources of evidence' if flow.is_scoping else 'studies'} with a form of {fields} fields, and "
            "the lead author reconciled their extractions field by field; the data as each reviewer extracted "
            "them are kept beside the reconciled values."
        ]
    return [f"One reviewer extracted data with a form of {fields} fields."]


def _coding(review: Review) -> list[str]:
    settings = CodingSettings.objects.filter(review=review).first()
    if settings is None or not Excerpt.objects.filter(review=review).exists():
        return []
    frameworks = list(Framework.objects.filter(review=review))
    names = " and ".join(
        f"the {framework.domains.count()} domains of the {framework.name}" for framework in frameworks
    )
    if settings.is_dual:
        _, overall = coding_agreement(review=review)
        agreement = _agreement(overall.domains, "domain mapping") if overall else ""
        return [
            "Quotes were coded inductively into themes and sub-themes, each coded item mapped to "
            f"{names} and marked as a barrier or facilitator and by perspective, by two coders "
            f"independently{agreement}; the lead author reconciled their coding unit by unit."
        ]
    return [
        "Quotes were coded inductively into themes and sub-themes, each coded item mapped to "
        f"{names} and marked as a barrier or facilitator and by perspective, by one coder."
    ]


def methods_text(*, review: Review, flow: PrismaFlow) -> list[str]:
    """The methods paragraphs: selection of sources, then data collection (extraction and coding)."""
    paragraphs = [" ".join(_selection(review, flow))]
    collection = _extraction(review, flow) + _coding(review)
    if collection:
        paragraphs.append(" ".join(collection))
    return paragraphs
