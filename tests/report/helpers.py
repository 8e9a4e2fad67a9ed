"""A review whose PRISMA flow is worked out by hand, built through the real services."""

from __future__ import annotations

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
    "not_screened": 0,
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


def build_flow_review(review, owner, lead, reviewer, second_reviewer):
    """Two databases with duplicates, a record removed by hand, both screening stages with a resolved
    conflict, a full text not retrievable, exclusions with reasons and an open conflict (see HAND)."""
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
