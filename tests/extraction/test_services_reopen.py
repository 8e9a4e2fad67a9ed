"""A reviewer reopens their own submitted extraction, until the lead begins reconciling the study."""

from __future__ import annotations

import pytest

from extraction import selectors, services
from extraction.models import Answer, Extraction
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from reviews.selectors import audit_event_list_for_review
from tests.extraction.helpers import extract


def _reopen(review, record, reviewer):
    return services.extraction_reopen(review=review, record=record, reviewer=reviewer)


def _answers(extraction) -> dict[int, object]:
    return dict(Answer.objects.filter(extraction=extraction).values_list("field_id", "value"))


def test_it_turns_a_submitted_extraction_back_into_a_draft_with_every_answer_kept(
    review, reviewer, studies, fields
):
    submitted = extract(review, studies[0], reviewer, fields, {"Country": "Norway"}, submit=True)
    answers = _answers(submitted)
    reopened = _reopen(review, studies[0], reviewer)
    assert reopened.pk == submitted.pk
    stored = Extraction.objects.get(pk=submitted.pk)
    assert (stored.status, stored.submitted_at) == (Extraction.Status.DRAFT, None)
    assert _answers(stored) == answers and answers[fields["Country"].pk] == "Norway"


def test_it_is_audited_without_the_answers(review, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Key findings": "SECRET-FINDING"}, submit=True)
    extraction = _reopen(review, studies[0], reviewer)
    event = AuditEvent.objects.get(action="extraction.reopen")
    assert event.actor == reviewer and event.object_id == str(extraction.pk)
    assert event.after == {"record": studies[0].pk, "status": "draft"}
    assert "SECRET-FINDING" not in str(event.before) + str(event.after)


def test_the_other_reviewer_does_not_see_the_reopen_in_the_history(
    review, reviewer, second_reviewer, studies, fields
):
    extract(review, studies[0], reviewer, fields, submit=True)
    _reopen(review, studies[0], reviewer)
    actions = {event.action for event in audit_event_list_for_review(review=review, viewer=second_reviewer)}
    assert "extraction.reopen" not in actions and "extraction.submit" not in actions
    mine = {event.action for event in audit_event_list_for_review(review=review, viewer=reviewer)}
    assert {"extraction.submit", "extraction.reopen"} <= mine


def test_a_reopened_extraction_is_edited_and_submitted_again(review, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Country": "Norway"}, submit=True)
    _reopen(review, studies[0], reviewer)
    extract(review, studies[0], reviewer, fields, {"Country": "Denmark"})
    again = extract(review, studies[0], reviewer, fields, {"Country": "Denmark"}, submit=True)
    assert again.status == Extraction.Status.SUBMITTED and again.submitted_at is not None
    assert Answer.objects.get(extraction=again, field=fields["Country"]).value == "Denmark"
    assert Extraction.objects.filter(record=studies[0]).count() == 1


@pytest.mark.parametrize("state", ["nothing", "draft"])
def test_only_a_submitted_extraction_of_ones_own_reopens(review, reviewer, studies, fields, state):
    if state == "draft":
        extract(review, studies[0], reviewer, fields)
    with pytest.raises(ReviewRuleError) as raised:
        _reopen(review, studies[0], reviewer)
    assert str(raised.value) == services.REOPEN_NOT_SUBMITTED
    assert not AuditEvent.objects.filter(action="extraction.reopen").exists()


@pytest.mark.parametrize("bobs_state", ["nothing", "draft", "submitted"])
@pytest.mark.parametrize("carols_state", ["nothing", "draft"])
def test_the_other_reviewer_cannot_reopen_and_learns_nothing_from_the_refusal(
    review, reviewer, second_reviewer, studies, fields, bobs_state, carols_state
):
    if bobs_state != "nothing":
        extract(review, studies[0], reviewer, fields, submit=bobs_state == "submitted")
    if carols_state == "draft":
        extract(review, studies[0], second_reviewer, fields)
    with pytest.raises(ReviewRuleError) as raised:
        _reopen(review, studies[0], second_reviewer)
    # One message whatever bob has done: the refusal depends on carol's own extraction only.
    assert str(raised.value) == services.REOPEN_NOT_SUBMITTED
    if bobs_state == "submitted":
        assert Extraction.objects.get(reviewer=reviewer).status == Extraction.Status.SUBMITTED


def test_it_is_refused_once_the_lead_has_begun_reconciling(
    review, lead, reviewer, second_reviewer, studies, fields
):
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, submit=True)
    services.extraction_reconcile(
        review=review,
        record=studies[0],
        lead=lead,
        choices={fields["Aims"].pk: {"source": "agreed", "version": 0}},
    )
    with pytest.raises(ReviewRuleError) as raised:
        _reopen(review, studies[0], reviewer)
    assert str(raised.value) == services.REOPEN_RECONCILING
    assert Extraction.objects.get(reviewer=reviewer).status == Extraction.Status.SUBMITTED
    assert not AuditEvent.objects.filter(action="extraction.reopen").exists()
    # Another study of the same review, not yet reconciled, still reopens.
    extract(review, studies[1], reviewer, fields, submit=True)
    assert _reopen(review, studies[1], reviewer).status == Extraction.Status.DRAFT


def test_a_lead_who_does_not_extract_cannot_reopen(review, lead, studies, fields):
    with pytest.raises(ReviewRuleError, match="reviewers extract"):
        _reopen(review, studies[0], lead)


def test_a_reopened_study_is_not_ready_to_reconcile_until_submitted_again(
    review, lead, reviewer, second_reviewer, studies, fields
):
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, submit=True)
    _reopen(review, studies[0], reviewer)
    row = selectors.study_rows(review=review, viewer=lead, sees_all=True)[0]
    assert row["record"] == studies[0] and row["is_ready"] is False
    assert studies[0].pk not in selectors.submitted_pairs(review=review)
    with pytest.raises(ReviewRuleError) as raised:
        services.extraction_reconcile(
            review=review,
            record=studies[0],
            lead=lead,
            choices={fields["Aims"].pk: {"source": "agreed", "version": 0}},
        )
    assert str(raised.value) == services.RECONCILE_NOT_READY
    extract(review, studies[0], reviewer, fields, submit=True)
    assert selectors.study_rows(review=review, viewer=lead, sees_all=True)[0]["is_ready"] is True
