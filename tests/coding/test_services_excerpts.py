"""Coders and their excerpts: claiming a study, the places on it, own excerpts only, done and reopened, the
quote taken from the stored text, and which excerpts count for the synthesis in single and dual coding."""

from __future__ import annotations

import pytest

from coding.models import CodingAssignment, CodingSettings, Excerpt
from coding.services.excerpts import (
    ExcerptInput,
    coding_assign,
    coding_mark_done,
    coding_settings_update,
    excerpt_delete,
    excerpt_save,
)
from reviews import services as review_services
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.coding.helpers import code, code_excerpt, span, text_of
from tests.factories import UserFactory

PASSAGE = "Time pressure was the main barrier for nurses."
OTHER = "Training in pain assessment helped nurses feel confident."


def _single_coding(review, owner):
    coding_settings_update(review=review, actor=owner, coders_per_study=1)


def test_a_coders_first_excerpt_claims_the_study(review, reviewer, study):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE, domains=("Knowledge",))

    assignment = CodingAssignment.objects.get(study__record=study)
    assert (assignment.coder, assignment.assigned_by, assignment.is_done) == (reviewer, None, False)
    assert excerpt.coder == reviewer and excerpt.created_by == reviewer
    assert AuditEvent.objects.get(action="coding.claim").actor == reviewer
    assert AuditEvent.objects.get(action="coding.excerpt_add").after["domains"] == ["Knowledge"]


def test_a_third_coder_is_refused_on_a_dual_coded_study(review, owner, reviewer, second_reviewer, study):
    erin = UserFactory(username="erin")
    review_services.membership_add(actor=owner, review=review, user=erin, roles={"reviewer"})
    code_excerpt(review, study, reviewer, passage=PASSAGE)
    code_excerpt(review, study, second_reviewer, passage=PASSAGE)

    with pytest.raises(ReviewRuleError, match="already has the coders it needs"):
        code_excerpt(review, study, erin, passage=OTHER)
    assert not Excerpt.objects.filter(coder=erin).exists()
    assert CodingAssignment.objects.filter(study__record=study).count() == 2


def test_only_the_reviews_reviewers_code(review, lead, outsider, study):
    for person in (lead, outsider):
        with pytest.raises(ReviewRuleError, match="Only the review's reviewers code"):
            code_excerpt(review, study, person, passage=PASSAGE)
    assert not Excerpt.objects.exists()


def test_the_lead_may_assign_a_coder(review, lead, second_reviewer, study):
    assignment = coding_assign(review=review, record=study, coder=second_reviewer, actor=lead)

    assert assignment.assigned_by == lead
    assert AuditEvent.objects.get(action="coding.assign").after == {"record": study.pk, "coder": "carol"}


def test_a_coder_cannot_change_or_delete_another_coders_excerpt(review, reviewer, second_reviewer, study):
    bobs = code_excerpt(review, study, reviewer, passage=PASSAGE)

    with pytest.raises(ReviewRuleError, match="not yours"):
        code_excerpt(review, study, second_reviewer, excerpt=bobs, passage=OTHER)
    with pytest.raises(ReviewRuleError, match="not yours"):
        excerpt_delete(review=review, excerpt=bobs, actor=second_reviewer)
    bobs.refresh_from_db()
    assert bobs.quote == PASSAGE


def test_a_coder_who_marked_the_study_done_cannot_change_excerpts_until_reopening(review, reviewer, study):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)
    coding_mark_done(review=review, record=study, coder=reviewer)

    with pytest.raises(ReviewRuleError, match="marked this study done"):
        code_excerpt(review, study, reviewer, passage=OTHER)
    with pytest.raises(ReviewRuleError, match="marked this study done"):
        code_excerpt(review, study, reviewer, excerpt=excerpt, passage=PASSAGE, valence_name="Facilitator")
    with pytest.raises(ReviewRuleError, match="marked this study done"):
        excerpt_delete(review=review, excerpt=excerpt, actor=reviewer)

    coding_mark_done(review=review, record=study, coder=reviewer, done=False)
    changed = code_excerpt(
        review, study, reviewer, excerpt=excerpt, passage=PASSAGE, valence_name="Facilitator"
    )

    assert changed.valence.name == "Facilitator"
    assert [
        event.action for event in AuditEvent.objects.filter(action__in=["coding.done", "coding.reopen"])
    ] == [
        "coding.reopen",
        "coding.done",
    ]


def test_a_study_not_yet_marked_done_cannot_be_reopened_and_a_non_coder_cannot_mark_it(
    review, reviewer, second_reviewer, study
):
    code_excerpt(review, study, reviewer, passage=PASSAGE)
    with pytest.raises(ReviewRuleError, match="not marked this study done"):
        coding_mark_done(review=review, record=study, coder=reviewer, done=False)
    with pytest.raises(ReviewRuleError, match="not one of this study's coders"):
        coding_mark_done(review=review, record=study, coder=second_reviewer)


def test_the_quote_is_taken_from_the_stored_text_by_its_offsets_not_from_what_was_sent(
    review, reviewer, study
):
    start, end = span(study, PASSAGE)
    sent = ExcerptInput(start=start, end=end, quote="Something the browser made up.")

    excerpt = excerpt_save(review=review, record=study, actor=reviewer, data=sent)

    assert (excerpt.start, excerpt.end, excerpt.quote) == (start, end, PASSAGE)
    assert text_of(study)[excerpt.start : excerpt.end] == excerpt.quote
    assert (excerpt.page, excerpt.anchor) == (2, Excerpt.Anchor.ANCHORED)


def test_offsets_past_the_end_of_the_text_are_refused(review, reviewer, study):
    length = len(text_of(study))
    with pytest.raises(ReviewRuleError, match="not in the study's text"):
        excerpt_save(
            review=review, record=study, actor=reviewer, data=ExcerptInput(start=length - 5, end=length + 5)
        )
    assert not Excerpt.objects.exists()


def test_offsets_before_the_start_of_the_text_are_refused(review, reviewer, study):
    with pytest.raises(ReviewRuleError, match="not in the study's text"):
        excerpt_save(review=review, record=study, actor=reviewer, data=ExcerptInput(start=-5, end=10))
    assert not Excerpt.objects.exists()


def test_an_excerpt_needs_a_passage_or_a_typed_quote(review, reviewer, study):
    with pytest.raises(ReviewRuleError, match="Select a passage"):
        code_excerpt(review, study, reviewer, quote="   ")


def test_a_passage_of_only_blank_space_is_refused(review, reviewer, study):
    line_break = text_of(study).index("\n")

    with pytest.raises(ReviewRuleError, match="only blank space"):
        excerpt_save(
            review=review,
            record=study,
            actor=reviewer,
            data=ExcerptInput(start=line_break, end=line_break + 1),
        )
    assert not Excerpt.objects.exists()


def test_a_typed_in_excerpt_keeps_its_quote_and_page_without_offsets(review, reviewer, studies):
    # No text at all for this study: a typed quote is all there is.
    excerpt = code_excerpt(review, studies[1], reviewer, quote="  Nurses lacked private rooms.  ", page=7)

    assert (excerpt.quote, excerpt.page, excerpt.start, excerpt.end) == (
        "Nurses lacked private rooms.",
        7,
        None,
        None,
    )
    assert excerpt.anchor == Excerpt.Anchor.TYPED


def test_codes_named_on_the_fly_are_made_and_linked(review, reviewer, study):
    excerpt = code_excerpt(
        review, study, reviewer, passage=PASSAGE, new_code="Time pressure", new_code_theme="Workload"
    )

    assert list(excerpt.codes.all()) == [code(review, "Time pressure")]
    assert code(review, "Time pressure").parent == code(review, "Workload")


def test_labels_of_another_review_are_refused(review, reviewer, study):
    with pytest.raises(ReviewRuleError, match="Unknown code or domain"):
        excerpt_save(
            review=review, record=study, actor=reviewer, data=ExcerptInput(quote="q", domain_ids=[10**6])
        )
    with pytest.raises(ReviewRuleError, match="Unknown valence or group"):
        excerpt_save(
            review=review, record=study, actor=reviewer, data=ExcerptInput(quote="q", valence_id=10**6)
        )


def test_a_record_that_is_not_an_included_study_cannot_be_coded(review, owner, reviewer, studies):
    from tests.screening.helpers import records_to_screen

    screened_only = records_to_screen(review, owner, count=1, prefix="Later")[-1]
    with pytest.raises(ReviewRuleError, match="is not an included study"):
        code_excerpt(review, screened_only, reviewer, quote="Anything.")


def test_in_dual_coding_a_coders_excerpts_are_not_final(review, reviewer, study):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)

    assert CodingSettings.objects.get(review=review).is_dual
    assert excerpt.is_final is False


def test_in_single_coding_a_coders_excerpts_are_final(review, owner, reviewer, study):
    _single_coding(review, owner)

    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)

    assert excerpt.is_final is True


def test_switching_between_single_and_dual_coding_refreshes_which_excerpts_are_final(
    review, owner, reviewer, second_reviewer, studies
):
    _single_coding(review, owner)
    bobs = code_excerpt(review, studies[0], reviewer, quote="Bob's quote.")
    carols = code_excerpt(review, studies[1], second_reviewer, quote="Carol's quote.")

    coding_settings_update(review=review, actor=owner, coders_per_study=2)
    assert [each.is_final for each in Excerpt.objects.filter(pk__in=[bobs.pk, carols.pk])] == [False, False]

    _single_coding(review, owner)
    assert [each.is_final for each in Excerpt.objects.filter(pk__in=[bobs.pk, carols.pk])] == [True, True]
    event = AuditEvent.objects.filter(action="coding.settings").first()
    assert (event.before, event.after) == ({"coders_per_study": 2}, {"coders_per_study": 1})


def test_switching_to_single_coding_is_refused_while_a_study_has_two_coders_unreconciled(
    review, owner, reviewer, second_reviewer, study
):
    bobs = code_excerpt(review, study, reviewer, passage=PASSAGE)
    code_excerpt(review, study, second_reviewer, passage=PASSAGE)

    with pytest.raises(ReviewRuleError, match="1 study has two coders and no reconciled set"):
        _single_coding(review, owner)

    assert CodingSettings.objects.get(review=review).coders_per_study == 2
    bobs.refresh_from_db()
    assert bobs.is_final is False
    assert not AuditEvent.objects.filter(action="coding.settings").exists()


def test_after_switching_to_single_coding_a_study_never_has_two_coders_final_excerpts(
    review, owner, lead, reviewer, second_reviewer, study
):
    code_excerpt(review, study, reviewer, passage=PASSAGE)
    coding_assign(review=review, record=study, coder=second_reviewer, actor=lead)

    try:
        _single_coding(review, owner)
        code_excerpt(review, study, second_reviewer, passage=OTHER)
    except ReviewRuleError:
        pass

    final_coders = set(Excerpt.objects.filter(record=study, is_final=True).values_list("coder", flat=True))
    assert len(final_coders) <= 1
