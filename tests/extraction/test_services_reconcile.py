"""The lead reconciles two submitted extractions field by field; the result is the study's final data."""

from __future__ import annotations

import pytest

from extraction import selectors, services
from extraction.models import ReconciledValue
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.extraction.helpers import HCP, PATIENTS, counting_fields, extract


@pytest.fixture
def both_submitted(review, reviewer, second_reviewer, studies, fields):
    extract(
        review,
        studies[0],
        reviewer,
        fields,
        {"Country": "Norway", "Number of participants": "12"},
        submit=True,
    )
    extract(
        review,
        studies[0],
        second_reviewer,
        fields,
        {"Country": "Sweden", "Number of participants": "12"},
        submit=True,
    )
    return studies[0]


def _choice(source, version=0, consensus=""):
    return {"source": source, "version": version, "consensus": consensus}


def test_agreed_picked_and_consensus_values_become_the_final_data(review, lead, both_submitted, fields):
    services.extraction_reconcile(
        review=review,
        record=both_submitted,
        lead=lead,
        choices={
            fields["Study design"].pk: _choice("agreed"),
            fields["Country"].pk: _choice("second"),
            fields["Number of participants"].pk: _choice("agreed"),
            fields["Aims"].pk: _choice("consensus", consensus="To explore views of nurses."),
        },
    )
    final = {value.field.label: value.value for value in ReconciledValue.objects.select_related("field")}
    assert final == {
        "Study design": "Phenomenology",
        "Country": "Sweden",
        "Number of participants": 12,
        "Aims": "To explore views of nurses.",
    }
    event = AuditEvent.objects.get(action="extraction.reconcile")
    assert event.actor == lead and event.after["fields"]["Country"] == {"value": "Sweden", "source": "second"}


def test_a_disagreement_cannot_be_kept_as_agreed(review, lead, both_submitted, fields):
    with pytest.raises(ReviewRuleError, match="did not agree"):
        services.extraction_reconcile(
            review=review, record=both_submitted, lead=lead, choices={fields["Country"].pk: _choice("agreed")}
        )


def test_a_consensus_value_is_checked_like_an_answer(review, lead, both_submitted, fields):
    with pytest.raises(services.AnswersInvalid):
        services.extraction_reconcile(
            review=review,
            record=both_submitted,
            lead=lead,
            choices={fields["Number of participants"].pk: _choice("consensus", consensus="twelve")},
        )
    assert not ReconciledValue.objects.exists()


def test_a_stale_version_is_refused_and_nothing_is_overwritten(review, lead, owner, both_submitted, fields):
    country = fields["Country"].pk
    services.extraction_reconcile(
        review=review, record=both_submitted, lead=lead, choices={country: _choice("first")}
    )
    with pytest.raises(ReviewRuleError, match="Someone else reconciled “Country”"):
        services.extraction_reconcile(
            review=review, record=both_submitted, lead=owner, choices={country: _choice("second", version=0)}
        )
    value = ReconciledValue.objects.get(field_id=country)
    assert (value.value, value.version, value.decided_by) == ("Norway", 1, lead)
    services.extraction_reconcile(
        review=review, record=both_submitted, lead=lead, choices={country: _choice("second", 1)}
    )
    assert ReconciledValue.objects.get(field_id=country).version == 2


def test_reconciling_waits_for_both_submissions(review, lead, reviewer, studies, fields):
    extract(review, studies[1], reviewer, fields, submit=True)
    with pytest.raises(ReviewRuleError, match="Both extractions"):
        services.extraction_reconcile(
            review=review, record=studies[1], lead=lead, choices={fields["Aims"].pk: _choice("first")}
        )


def test_totals_add_up_the_reconciled_numbers_of_each_participant_group(
    review, owner, lead, reviewer, second_reviewer, studies, fields
):
    fields = counting_fields(review, owner, fields)
    # By hand: studies 1 and 2 are reconciled, study 3 is not (its 30 HCPs and 9 patients do not count).
    # HCPs 12 + 7 = 19; patients 4 + blank = 4. "Number of participants" counts no group: never added.
    for study, numbers in zip(studies, [("12", "4", "16"), ("7", "", "7"), ("30", "9", "39")], strict=True):
        for person in (reviewer, second_reviewer):
            extract(
                review,
                study,
                person,
                fields,
                {HCP: numbers[0], PATIENTS: numbers[1], "Number of participants": numbers[2]},
                submit=True,
            )
    for study in studies[:2]:
        choices = {field.pk: _choice("agreed") for field in fields.values()}
        services.extraction_reconcile(review=review, record=study, lead=lead, choices=choices)
    assert selectors.extraction_totals(review) == {
        "studies": 3,
        "groups": [("HCPs", 19), ("patients", 4)],
        "studies_reconciled": 2,
    }


def test_agreement_per_field_counts_submitted_pairs(review, lead, both_submitted, fields):
    results = {field.label: result for field, result in selectors.extraction_agreement(review=review)}
    assert results["Country"].percent == 0.0 and results["Country"].pairs == 1
    assert results["Aims"].percent == 100.0
    assert results["Aims"].kappa is None  # text fields get percent agreement only
