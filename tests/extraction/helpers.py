"""Setting up included studies and extractions, through the real screening and extraction services."""

from __future__ import annotations

from extraction import services
from extraction.models import FormField
from reviews.models import Record
from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen


def included_studies(review, owner, reviewers, count: int = 3, prefix: str = "Study") -> list[Record]:
    """``count`` records imported and included at both stages by the two reviewers."""
    records = records_to_screen(review, owner, count=count, prefix=prefix)
    for record in records:
        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
            for reviewer in reviewers:
                decide(review, record, reviewer, "include", stage=stage)
    return records


def starter_form(review, actor) -> dict[str, FormField]:
    """The built-in starting form, loaded; fields keyed by label."""
    services.form_starter_load(review=review, actor=actor)
    return {field.label: field for field in FormField.objects.filter(review=review)}


COMPLETE = {
    "Author": "Smith et al.",
    "Year": "2019",
    "Country": "Norway",
    "Study design": "Phenomenology",
    "Aims": "To explore nurses' views.",
    "Key findings": "Time pressure matters.",
}


def extract(review, record, reviewer, fields, values=None, *, submit=False):
    """A reviewer's extraction with the required answers filled in, changed by ``values`` (by label)."""
    raw = {fields[label].pk: value for label, value in {**COMPLETE, **(values or {})}.items()}
    return services.extraction_save(
        review=review, record=record, reviewer=reviewer, raw_answers=raw, submit=submit
    )
