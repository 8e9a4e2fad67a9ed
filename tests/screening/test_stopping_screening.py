"""Stopping title/abstract screening: records nobody screened are set aside, reported as not screened, and
come back when screening resumes."""

import pytest
from django.urls import reverse

from report.methods import methods_text
from report.prisma import prisma_flow
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from screening.models import RecordStage, Stage
from screening.selectors import screening_records_started, screening_stage_counts
from screening.services.decisions import DECISION_SET_ASIDE
from screening.services.ranking import ranking_settings_update
from screening.services.stopping import (
    RESUME_NOTHING_SET_ASIDE,
    STOP_NOTHING_LEFT,
    screening_resume,
    screening_stop,
)
from tests.screening.helpers import decide, records_to_screen


@pytest.fixture
def half_screened(review, owner, reviewer, second_reviewer):
    """Six records: two decided by both (one included, one excluded), one by bob alone, three by nobody."""
    records = records_to_screen(review, owner, 6)
    for reviewer_ in (reviewer, second_reviewer):
        decide(review, records[0], reviewer_, "include")
        decide(review, records[1], reviewer_, "exclude")
    decide(review, records[2], reviewer, "exclude")
    return records


def _status(record) -> str:
    return RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT).status


def test_stopping_sets_aside_only_the_records_nobody_screened(review, owner, half_screened):
    assert screening_stop(review=review, actor=owner) == 3
    assert [_status(record) for record in half_screened] == [
        "included",
        "excluded",
        "open",  # bob decided it: it stays open for carol
        "set_aside",
        "set_aside",
        "set_aside",
    ]
    counts = screening_stage_counts(review=review, stage=Stage.TITLE_ABSTRACT)
    assert (counts["set_aside"], counts["to_screen"], counts["awaiting_second"]) == (3, 0, 1)
    event = AuditEvent.objects.get(review=review, action="screening.stop")
    assert (
        event.after["set_aside"] == 3 and event.after["screened"] == 3 and event.after["relevant_found"] == 1
    )
    assert event.after["recall_target"] == 0.95


def test_a_set_aside_record_refuses_decisions_until_screening_resumes(
    review, owner, second_reviewer, half_screened
):
    screening_stop(review=review, actor=owner)
    with pytest.raises(ReviewRuleError, match=DECISION_SET_ASIDE):
        decide(review, half_screened[4], second_reviewer, "include")
    decide(review, half_screened[2], second_reviewer, "exclude")  # carol may still finish what bob began
    assert _status(half_screened[2]) == "excluded"
    assert screening_resume(review=review, actor=owner) == 3
    decide(review, half_screened[4], second_reviewer, "include")
    assert [_status(record) for record in half_screened[3:]] == ["open", "open", "open"]
    assert AuditEvent.objects.get(review=review, action="screening.resume").after == {"returned": 3}


def test_nothing_to_stop_or_resume_is_said_and_changes_nothing(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, 1)
    with pytest.raises(ReviewRuleError, match=RESUME_NOTHING_SET_ASIDE):
        screening_resume(review=review, actor=owner)
    decide(review, records[0], reviewer, "exclude")
    with pytest.raises(ReviewRuleError, match=STOP_NOTHING_LEFT):
        screening_stop(review=review, actor=owner)
    assert not AuditEvent.objects.filter(review=review, action__in=["screening.stop", "screening.resume"])


def test_set_aside_records_were_not_screened_for_the_records_lifecycle(review, owner, half_screened):
    screening_stop(review=review, actor=owner)
    ids = {record.pk for record in half_screened}
    assert screening_records_started(record_ids=ids) == {record.pk for record in half_screened[:3]}


def test_the_prisma_flow_and_the_methods_report_them_as_not_screened(review, owner, half_screened):
    ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.95)
    screening_stop(review=review, actor=owner)
    flow = prisma_flow(review=review)
    assert (flow.not_screened, flow.screened, flow.excluded_screening, flow.awaiting_screening) == (
        3,
        3,
        1,
        1,
    )
    assert flow.errors == []
    text = methods_text(review=review, flow=flow)[0]
    assert "Title and abstract screening was stopped on" in text
    assert "after 3 records had been screened" in text and "the remaining 3 records were not screened" in text
    assert "did not then reject a recall below 95%" in text  # three records are no evidence of recall
    screening_resume(review=review, actor=owner)
    flow = prisma_flow(review=review)
    assert (flow.not_screened, flow.screened) == (0, 6)
    assert "was stopped" not in methods_text(review=review, flow=flow)[0]


def test_only_the_owner_stops_and_resumes_and_the_overview_says_so(
    review, owner, lead, reviewer, half_screened, client_for
):
    stop = reverse("report:screening_stop", args=[review.slug])
    resume = reverse("report:screening_resume", args=[review.slug])
    for member in (lead, reviewer):
        assert client_for(member).post(stop).status_code == 403
        assert client_for(member).post(resume).status_code == 403
    assert _status(half_screened[5]) == "open"
    owner_client = client_for(owner)
    ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.95)
    overview = reverse("report:overview", args=[review.slug])
    assert "Stop screening here" in owner_client.get(overview).content.decode()
    response = owner_client.post(stop, follow=True)
    page = response.content.decode()
    assert "Screening stopped: 3 records nobody had screened set aside." in page
    assert "3 set aside, not screened" in page and "Resume screening" in page
    assert "Stop screening here" not in page
    assert "The stopping test then gave p =" in page
    reviewer_page = client_for(reviewer).get(overview).content.decode()
    assert "Screening stopped" in reviewer_page and "Resume screening" not in reviewer_page
    # The team's test is counted from every vote, the other reviewer's pending ones too: not for a reviewer.
    assert "The stopping test then gave" not in reviewer_page
    history = reverse("reviews:audit_log", args=[review.slug])
    assert "stopped title/abstract screening" in owner_client.get(history).content.decode()
    assert "stopped title/abstract screening" not in client_for(reviewer).get(history).content.decode()
    page = owner_client.post(resume, follow=True).content.decode()
    assert (
        "Screening resumed: 3 records back in the queues." in page and "set aside, not screened" not in page
    )


def test_the_aid_appears_with_the_first_decision_not_half_a_minute_later(review, owner, reviewer, client_for):
    records = records_to_screen(review, owner, 3)
    ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.95)
    overview = reverse("report:overview", args=[review.slug])
    owner_client = client_for(owner)
    assert "When to stop" not in owner_client.get(overview).content.decode()
    decide(review, records[0], reviewer, "include")
    assert "When to stop" in owner_client.get(overview).content.decode()
