"""Setting up included studies and extractions, through the real screening and extraction services."""

from __future__ import annotations

from extraction import services
from extraction.models import FormField
from reviews.models import Record
from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen

# The fields ``counting_fields`` adds to the qualitative starter, counting the groups HCPs and patients.
HCP = "Number of HCP participants"
PATIENTS = "Number of patient participants"


def included_studies(review, owner, reviewers, count: int = 3, prefix: str = "Study") -> list[Record]:
    """``count`` records imported and included at both stages by the two reviewers."""
    records = records_to_screen(review, owner, count=count, prefix=prefix)
    for record in records:
        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
            for reviewer in reviewers:
                decide(review, record, reviewer, "include", stage=stage)
    return records


def fields_by_label(review) -> dict[str, FormField]:
    return {field.label: field for field in FormField.objects.filter(review=review)}


def starter_form(review, actor, starter: str = "qualitative") -> dict[str, FormField]:
    """A built-in starting form, loaded; fields keyed by label."""
    services.form_starter_load(review=review, actor=actor, starter=starter)
    return fields_by_label(review)


def counting_fields(review, actor, fields: dict[str, FormField]) -> dict[str, FormField]:
    """The participant groups HCPs and patients, each counted by a new whole-number field of the
    Participants section; all the form's fields keyed by label."""
    section = fields["Number of participants"].section
    for name, label in (("HCPs", HCP), ("patients", PATIENTS)):
        group = services.participant_group_create(review=review, actor=actor, name=name)
        services.form_field_create(
            section=section, actor=actor, label=label, field_type="integer", group=group
        )
    return fields_by_label(review)


# The qualitative starter's required fields, filled. No author or year: those come from the record.
COMPLETE = {
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
