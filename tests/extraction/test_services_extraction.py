"""Reviewers extract included studies: drafts, submission, and who may extract what."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import Answer, Extraction
from extraction.values import ANSWER_NOT_INTEGER, ANSWER_NOT_YEAR, ANSWER_REQUIRED
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from screening.models import Stage
from tests.extraction.helpers import extract, fields_by_label
from tests.screening.helpers import decide, records_to_screen


def test_a_draft_saves_without_the_required_fields(review, reviewer, studies, fields):
    extraction = services.extraction_save(
        review=review, record=studies[0], reviewer=reviewer, raw_answers={fields["Participants"].pk: "Nurses"}
    )
    assert extraction.status == Extraction.Status.DRAFT
    assert Answer.objects.get(extraction=extraction, field=fields["Participants"]).value == "Nurses"
    assert Answer.objects.get(extraction=extraction, field=fields["Aims"]).value is None


def test_coming_back_to_a_draft_updates_it_in_place(review, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Participants": "Nurses"})
    extract(review, studies[0], reviewer, fields, {"Participants": "Ward nurses"})
    assert Extraction.objects.filter(record=studies[0], reviewer=reviewer).count() == 1
    assert (
        Answer.objects.get(field=fields["Participants"], extraction__reviewer=reviewer).value == "Ward nurses"
    )


def test_submitting_enforces_the_required_fields(review, reviewer, studies, fields):
    with pytest.raises(services.AnswersInvalid) as raised:
        services.extraction_save(
            review=review,
            record=studies[0],
            reviewer=reviewer,
            raw_answers={fields["Participants"].pk: "Nurses"},
            submit=True,
        )
    assert raised.value.errors[fields["Aims"].pk] == ANSWER_REQUIRED
    assert not Extraction.objects.filter(record=studies[0]).exists()


def test_types_are_checked_even_on_a_draft_and_nothing_is_saved(review, owner, reviewer, studies, fields):
    services.form_field_create(
        section=fields["Country"].section, actor=owner, label="Year of data collection", field_type="year"
    )
    fields = fields_by_label(review)
    with pytest.raises(services.AnswersInvalid) as raised:
        extract(
            review,
            studies[0],
            reviewer,
            fields,
            {"Year of data collection": "999", "Number of participants": "twelve"},
        )
    assert raised.value.errors[fields["Year of data collection"].pk] == ANSWER_NOT_YEAR
    assert raised.value.errors[fields["Number of participants"].pk] == ANSWER_NOT_INTEGER
    assert not Answer.objects.exists()


def test_a_submitted_extraction_no_longer_changes(review, reviewer, studies, fields):
    extraction = extract(review, studies[0], reviewer, fields, submit=True)
    assert extraction.status == "submitted" and extraction.submitted_at is not None
    with pytest.raises(ReviewRuleError, match="submitted"):
        extract(review, studies[0], reviewer, fields, {"Aims": "Changed"})
    assert AuditEvent.objects.filter(action="extraction.submit").count() == 1


def test_the_history_does_not_carry_the_answers(review, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Key findings": "SECRET-FINDING"})
    event = AuditEvent.objects.get(action="extraction.draft")
    assert "SECRET-FINDING" not in str(event.after) and event.actor == reviewer


def test_only_studies_included_at_full_text_are_extracted(review, owner, reviewer, second_reviewer, fields):
    record = records_to_screen(review, owner, count=1, prefix="Pending")[-1]
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")  # now open at full text, not included yet
    with pytest.raises(ReviewRuleError, match="not included"):
        extract(review, record, reviewer, fields)
    decide(review, record, reviewer, "include", stage=Stage.FULL_TEXT)
    decide(review, record, second_reviewer, "include", stage=Stage.FULL_TEXT)
    assert extract(review, record, reviewer, fields).pk


def test_a_study_takes_two_extractors(review, owner, reviewer, second_reviewer, studies, fields):
    from reviews.models import Membership, Role
    from reviews.services import membership_change_roles

    extract(review, studies[0], reviewer, fields)
    extract(review, studies[0], second_reviewer, fields)
    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.REVIEWER},
    )
    with pytest.raises(ReviewRuleError, match="two extractors"):
        extract(review, studies[0], owner, fields)


def test_a_lead_does_not_extract_unless_the_review_lets_leads_screen(review, lead, studies, fields):
    with pytest.raises(ReviewRuleError, match="reviewers extract"):
        extract(review, studies[0], lead, fields)
