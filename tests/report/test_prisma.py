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
from reviews.services.records import record_remove
from screening.models import RecordStage, Stage
from screening.services import full_text_mark_not_retrievable, screening_conflict_resolve
from tests.reviews.importing import import_file
from tests.screening.helpers import decide, ris_records

# By hand:
#   MEDLINE gives Study 1–10; Embase gives Study 1–6 again (same DOIs: merged) and Other 1–4.
#   identified 10 + 10 = 20; duplicates removed 6; 14 study records; 1 removed by hand; 13 screened.
#   Title/abstract: 5 excluded by both, 6 included by both, 1 conflict the lead includes, 1 not decided:
#   excluded 5, sought 7, still being screened 1.
#   Full text (7): 1 not retrievable, so 6 assessed; 2 excluded for "Wrong population", 1 for "Wrong study
#   design", 2 included, 1 conflict not yet resolved (still being assessed).
HAND = {
    "identified": {"MEDLINE": 10, "Embase": 10},
    "identified_total": 20,
    "duplicates_removed": 6,
    "removed_other": 1,
    "screened": 13,
    "excluded_screening": 5,
    "awaiting_screening": 1,
    "sought": 7,
    "not_retrieved": 1,
    "assessed": 6,
    "excluded_full_text": {"Wrong population": 2, "Wrong study design": 1},
    "awaiting_full_text": 1,
    "included_studies": 2,
    "included_reports": 2,
    "other_methods": {},
    "errors": [],
}


@pytest.fixture
def flow_review(review, owner, lead, reviewer, second_reviewer):
    import_file(review, owner, "medline.ris", ris_records(10, "Study"), source="MEDLINE")
    embase = ris_records(6, "Study") + b"\n" + ris_records(4, "Other")
    import_file(review, owner, "embase.ris", embase, source="Embase")
    records = list(Record.objects.filter(review=review, merged_into__isnull=True).order_by("pk"))
    assert len(records) == 14
    record_remove(actor=owner, record=records[-1], reason="A protocol, not a study")
    records = records[:-1]
    both = (reviewer, second_reviewer)
    for record in records[:5]:
        for person in both:
            decide(review, record, person, "exclude")
    for record in records[5:11]:
        for person in both:
            decide(review, record, person, "include")
    decide(review, records[11], reviewer, "include")
    decide(review, records[11], second_reviewer, "exclude")
    conflict = RecordStage.objects.get(record=records[11], stage=Stage.TITLE_ABSTRACT)
    screening_conflict_resolve(review=review, record_stage=conflict, lead=lead, choice="include")
    at_full_text = records[5:12]
    full_text_mark_not_retrievable(review=review, record=at_full_text[0], actor=reviewer)
    for record, reason in zip(
        at_full_text[1:4], ["Wrong population", "Wrong population", "Wrong study design"], strict=True
    ):
        for person in both:
            decide(review, record, person, "exclude", stage=Stage.FULL_TEXT, reason=reason)
    for record in at_full_text[4:6]:
        for person in both:
            decide(review, record, person, "include", stage=Stage.FULL_TEXT)
    decide(review, at_full_text[6], reviewer, "include", stage=Stage.FULL_TEXT)
    decide(
        review, at_full_text[6], second_reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population"
    )
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
    assert "Studies included in review (n = 2)" in systematic and "Reports of included studies (n = 2)" in systematic


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
