"""carol walks every URL of the project, page and htmx, while bob has a draft with a secret value."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import FormField, FormSection
from reviews.models import Membership, Role
from reviews.services import membership_change_roles
from tests.extraction.helpers import HCP, counting_fields, extract, included_studies, starter_form
from tests.url_sweep import SWEEP_ARGUMENTS, review_urls

SECRET = "BOB-SECRET-FINDING-91c2"
SECRET_NUMBER = "4817"


@pytest.fixture
def bobs_draft(review_with_records, owner, reviewer, second_reviewer):
    review = review_with_records
    studies = included_studies(review, owner, [reviewer, second_reviewer], count=2, prefix="Included")
    # A number counting a group, so that the totals are swept too.
    fields = counting_fields(review, owner, starter_form(review, owner))
    # The sweep's record is the review's first record: include it too, so its pages are real ones.
    first = review.records.filter(merged_into__isnull=True).order_by("pk").first()
    if first not in studies:
        from screening.models import Stage
        from tests.screening.helpers import decide

        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
            for person in (reviewer, second_reviewer):
                decide(review, first, person, "include", stage=stage)
    for study in {first, *studies}:
        extract(
            review,
            study,
            reviewer,
            fields,
            {"Key findings": SECRET, HCP: SECRET_NUMBER},
            submit=study == first,
        )
    # bob submitted the swept study and reopened it: a draft again, with a submit and a reopen in the history.
    services.extraction_reopen(review=review, record=first, reviewer=reviewer)
    return first


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("also_owner", [False, True], ids=["reviewer", "reviewer-and-owner"])
def test_the_other_reviewer_sees_nothing_of_a_draft(
    review_with_records, bobs_draft, owner, second_reviewer, client_for, htmx, also_owner
):
    review = review_with_records
    assert (
        SWEEP_ARGUMENTS["field_id"](review)
        == FormField.objects.filter(review=review).order_by("pk").first().pk
    )
    assert (
        SWEEP_ARGUMENTS["section_id"](review)
        == FormSection.objects.filter(review=review).order_by("pk").first().pk
    )
    if also_owner:
        membership = Membership.objects.get(review=review, user=second_reviewer)
        membership_change_roles(actor=owner, membership=membership, roles={Role.REVIEWER, Role.OWNER})
    client = client_for(second_reviewer)
    headers = {"HX-Request": "true"} if htmx else {}
    swept = 0
    for url in [each.url for each in review_urls(review) if each.name != "logout"] + [
        f"/r/{review.slug}/extraction/export.csv?table=raw",
        f"/r/{review.slug}/extraction/export.xlsx?table=raw",
        f"/r/{review.slug}/extraction/export.csv?table=raw&reviewer=bob",
        f"/r/{review.slug}/extraction/export.csv?archived=1",
    ]:
        response = client.get(url, headers=headers)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="replace")
        assert SECRET not in body, f"{url} shows bob's answer"
        assert SECRET_NUMBER not in body, f"{url} shows bob's number"
        assert "bob: draft" not in body, f"{url} shows bob's status"
        for action in ("extraction.submit", "extraction.reopen"):
            assert action not in body, f"{url} shows bob's {action}"
        swept += 1
    assert swept > 20
    # carol trying the reopen button on the study bob reopened is told only about her own extraction.
    reopen = next(each.url for each in review_urls(review) if each.name == "extraction:reopen")
    assert reopen == f"/r/{review.slug}/extraction/{bobs_draft.pk}/reopen/"
    body = client.post(reopen, headers=headers).content.decode()
    assert services.REOPEN_NOT_SUBMITTED in body
    assert SECRET not in body and SECRET_NUMBER not in body and "bob" not in body
    page = client.get(f"/r/{review.slug}/extraction/{bobs_draft.pk}/").content.decode()
    assert "Submit extraction" in page and "Draft saved" not in page


def test_the_lead_sees_both_statuses_and_the_raw_answers(review_with_records, bobs_draft, lead, client_for):
    client = client_for(lead)
    page = client.get(f"/r/{review_with_records.slug}/extraction/").content.decode()
    assert "bob: draft" in page
    export = client.get(f"/r/{review_with_records.slug}/extraction/export.csv?table=raw").content.decode()
    assert SECRET in export
