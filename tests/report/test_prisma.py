"""The PRISMA flow counted from a review built through the real services, against numbers worked by hand."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from report.prisma import prisma_flow
from report.selectors import prisma_svg, review_prisma
from report.services import other_methods_save
from reviews.models import Record
from screening.models import RecordStage, Stage
from tests.report.helpers import HAND, build_flow_review


@pytest.fixture
def flow_review(review, owner, lead, reviewer, second_reviewer):
    build_flow_review(review, owner, lead, reviewer, second_reviewer)
    return review


def test_the_flow_equals_the_numbers_worked_by_hand(flow_review):
    assert prisma_flow(review=flow_review).as_json() == HAND


def test_the_command_prints_the_same_json(flow_review):
    out = StringIO()
    call_command("prisma", flow_review.slug, "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == HAND


def test_every_number_of_the_diagram_is_the_jsons(flow_review):
    flow = review_prisma(review=flow_review)
    svg = prisma_svg(review=flow_review, flow=flow)
    text = _words(svg)
    for phrase in (
        "MEDLINE (n = 10)",
        "Embase (n = 10)",
        "Total (n = 20)",
        "Duplicate records removed (n = 6)",
        "Records removed for other reasons (n = 1)",
        "Records screened (n = 13)",
        "Still being screened (n = 1)",
        "Records excluded (n = 5)",
        "Reports sought for retrieval (n = 7)",
        "Reports not retrieved (n = 1)",
        "Reports assessed for eligibility (n = 6)",
        "Reports excluded (n = 3):",
        "Wrong population (n = 2)",
        "Wrong study design (n = 1)",
        "Still being assessed (n = 1)",
        "(n = 2)",
    ):
        assert phrase in text, phrase
    assert svg.startswith('<?xml version="1.0"') and 'role="img"' in svg


def _words(svg: str) -> str:
    """The diagram's text, its wrapped lines joined as one."""
    return " ".join(" ".join(re.findall(r">([^<>]+)</text>", svg)).split())


def test_scoping_and_systematic_reviews_are_worded_for_their_guideline(flow_review, owner):
    scoping = _words(prisma_svg(review=flow_review, flow=review_prisma(review=flow_review)))
    assert "Sources of evidence included in the review (n = 2)" in scoping
    flow_review.review_type = "systematic"
    flow_review.save(update_fields=["review_type"])
    systematic = _words(prisma_svg(review=flow_review, flow=review_prisma(review=flow_review)))
    assert (
        "Studies included in review (n = 2)" in systematic
        and "Reports of included studies (n = 2)" in systematic
    )


def test_other_methods_add_a_column_and_join_the_included_box(flow_review, owner):
    other_methods_save(
        review=flow_review,
        actor=owner,
        identified={"Citation searching": 12, "Websites": 3},
        sought=15,
        not_retrieved=2,
        assessed=13,
        excluded={"Wrong population": 12},
        included=1,
    )
    flow = review_prisma(review=flow_review)
    assert flow.other_methods["identified"] == {"Citation searching": 12, "Websites": 3}
    words = _words(prisma_svg(review=flow_review, flow=flow))
    assert "Identification via other methods" in words and "Citation searching (n = 12)" in words
    assert "Sources of evidence included in the review (n = 3)" in words


def test_other_methods_that_do_not_add_up_are_refused(flow_review, owner):
    from reviews.errors import ReviewRuleError

    with pytest.raises(ReviewRuleError, match="less those not retrieved"):
        other_methods_save(
            review=flow_review,
            actor=owner,
            identified={"Websites": 3},
            sought=3,
            not_retrieved=1,
            assessed=3,
            excluded={},
            included=0,
        )


def test_a_mismatch_is_shown_with_its_records_and_not_corrected(flow_review):
    record = (
        Record.objects.filter(review=flow_review, merged_into__isnull=True, is_removed=False)
        .order_by("pk")
        .first()
    )
    RecordStage.objects.filter(record=record, stage=Stage.TITLE_ABSTRACT).delete()
    flow = prisma_flow(review=flow_review)
    assert flow.screened == 13  # what deduplication left, as it is
    assert len(flow.errors) == 1 and flow.errors[0].record_ids == [record.pk]
    assert (
        "13 records remain" in flow.errors[0].message
        and "12 are in title/abstract screening" in flow.errors[0].message
    )


def test_the_report_page_and_its_downloads(flow_review, owner, reviewer, client_for):
    client = client_for(owner)
    page = client.get(reverse("report:report", args=[flow_review.slug])).content.decode()
    assert "Records screened (n = 13)" in page and "Two reviewers independently" in page
    for fmt, start in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")):
        response = client.get(reverse("report:prisma", args=[flow_review.slug, fmt]))
        assert response.status_code == 200 and response.content.startswith(start), fmt
    assert client_for(reviewer).get(reverse("report:report", args=[flow_review.slug])).status_code == 403
