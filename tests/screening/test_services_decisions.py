import pytest

from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from reviews.services import review_update_settings
from screening import services
from screening.models import Decision, RecordStage, Stage
from tests.screening.helpers import decide, records_to_screen, status


@pytest.fixture
def records(review, owner):
    return records_to_screen(review, owner)


def test_an_import_puts_every_new_record_in_the_title_abstract_queue(review, records):
    assert RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).count() == len(records) == 4


def test_two_includes_advance_the_record_to_full_text(review, records, reviewer, second_reviewer):
    record = records[0]
    decide(review, record, reviewer, "include")
    assert status(record) == "open"
    decide(review, record, second_reviewer, "maybe")
    assert status(record) == "included"
    assert status(record, Stage.FULL_TEXT) == "open"


def test_two_excludes_exclude_and_disagreement_is_a_conflict(review, records, reviewer, second_reviewer):
    decide(review, records[0], reviewer, "exclude")
    decide(review, records[0], second_reviewer, "exclude")
    decide(review, records[1], reviewer, "include")
    decide(review, records[1], second_reviewer, "exclude")
    assert (status(records[0]), status(records[1])) == ("excluded", "conflict")
    assert not RecordStage.objects.filter(record=records[1], stage=Stage.FULL_TEXT).exists()


def test_a_reviewer_changes_their_decision_until_the_record_locks(review, records, reviewer, second_reviewer):
    decide(review, records[0], reviewer, "exclude", note="first thought")
    decide(review, records[0], reviewer, "include")
    assert Decision.objects.get(record=records[0], reviewer=reviewer).choice == "include"
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision_count == 1
    actions = list(
        AuditEvent.objects.filter(action__startswith="screening.").values_list("action", flat=True)
    )
    assert actions.count("screening.decide") == 1 and actions.count("screening.change") == 1
    decide(review, records[0], second_reviewer, "include")
    with pytest.raises(ReviewRuleError, match="already settled"):
        decide(review, records[0], reviewer, "exclude")


def test_a_double_submit_is_harmless(review, records, reviewer):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], reviewer, "include")
    assert Decision.objects.filter(record=records[0]).count() == 1
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision_count == 1


def test_undo_removes_the_decision_and_is_audited(review, records, reviewer):
    decide(review, records[0], reviewer, "include")
    services.screening_decision_undo(
        review=review, record=records[0], reviewer=reviewer, stage=Stage.TITLE_ABSTRACT
    )
    assert not Decision.objects.filter(record=records[0]).exists()
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision_count == 0
    assert AuditEvent.objects.filter(action="screening.undo").get().before["choice"] == "include"
    with pytest.raises(ReviewRuleError, match="no decision of yours"):
        services.screening_decision_undo(
            review=review, record=records[0], reviewer=reviewer, stage="title_abstract"
        )


def _undo(review, record, reviewer):
    services.screening_decision_undo(
        review=review, record=record, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT
    )


def test_undo_after_a_change_gives_back_the_decision_before_it_then_removes_it(review, records, reviewer):
    decide(review, records[0], reviewer, "maybe", note="check the design")
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], reviewer, "exclude")

    _undo(review, records[0], reviewer)
    decision = Decision.objects.get(record=records[0], reviewer=reviewer)
    assert decision.choice == "include" and decision.note == ""
    _undo(review, records[0], reviewer)
    decision = Decision.objects.get(record=records[0], reviewer=reviewer)
    assert (decision.choice, decision.note) == ("maybe", "check the design")
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision_count == 1
    _undo(review, records[0], reviewer)
    assert not Decision.objects.filter(record=records[0]).exists()
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision_count == 0
    undos = AuditEvent.objects.filter(action="screening.undo").order_by("pk")
    assert [(event.before["choice"], (event.after or {}).get("choice")) for event in undos] == [
        ("exclude", "include"),
        ("include", "maybe"),
        ("maybe", None),
    ]


def test_a_decision_made_again_after_an_undo_undoes_on_its_own(review, records, reviewer):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], reviewer, "exclude")
    _undo(review, records[0], reviewer)
    _undo(review, records[0], reviewer)
    decide(review, records[0], reviewer, "maybe")

    _undo(review, records[0], reviewer)

    assert not Decision.objects.filter(record=records[0]).exists()


def test_single_screening_settles_with_one_decision(review, records, reviewer):
    review.reviewers_per_record = 1
    review.save()
    decide(review, records[0], reviewer, "exclude")
    assert status(records[0]) == "excluded"


def test_leads_and_outsiders_do_not_screen_unless_allowed(review, records, lead, outsider, owner):
    with pytest.raises(ReviewRuleError, match="reviewers screen"):
        decide(review, records[0], lead, "include")
    with pytest.raises(ReviewRuleError, match="reviewers screen"):
        decide(review, records[0], outsider, "include")
    from reviews.models import Membership, Role
    from reviews.services import membership_change_roles

    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=lead),
        roles={Role.LEAD, Role.REVIEWER},
    )
    with pytest.raises(ReviewRuleError, match="does not let a lead"):
        decide(review, records[0], lead, "include")
    review.lead_may_screen = True
    review.save()
    decide(review, records[0], lead, "include")


def _at_full_text(review, record, reviewer, second_reviewer):
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")


def test_full_text_exclusion_needs_a_reason_from_the_list(review, records, reviewer, second_reviewer):
    _at_full_text(review, records[0], reviewer, second_reviewer)
    with pytest.raises(ReviewRuleError, match="Choose the reason"):
        decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT)
    with pytest.raises(ReviewRuleError, match="not one of this review's"):
        decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Too long")
    with pytest.raises(ReviewRuleError, match="Include or Exclude"):
        decide(review, records[0], reviewer, "maybe", stage=Stage.FULL_TEXT)
    decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    decide(review, records[0], second_reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    record_stage = RecordStage.objects.get(record=records[0], stage=Stage.FULL_TEXT)
    assert (record_stage.status, record_stage.exclusion_reason) == ("excluded", "Wrong population")


def test_the_lead_resolves_a_conflict_once(review, records, reviewer, second_reviewer, lead, owner):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    record_stage = RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT)
    services.screening_conflict_resolve(
        review=review, record_stage=record_stage, lead=lead, choice="include", note="Fits"
    )
    record_stage.refresh_from_db()
    assert record_stage.status == "included" and record_stage.resolved_by == lead
    assert status(records[0], Stage.FULL_TEXT) == "open"
    with pytest.raises(ReviewRuleError, match="settled a moment ago"):
        services.screening_conflict_resolve(
            review=review, record_stage=record_stage, lead=owner, choice="exclude"
        )
    assert AuditEvent.objects.filter(action="screening.resolve").count() == 1


def test_a_full_text_pdf_is_checked_and_stored_under_a_random_name(
    review, records, reviewer, second_reviewer
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _at_full_text(review, records[0], reviewer, second_reviewer)
    with pytest.raises(ReviewRuleError, match="is not a PDF"):
        services.full_text_upload(
            review=review, record=records[0], actor=reviewer, uploaded=SimpleUploadedFile("x.pdf", b"<html>")
        )
    full_text = services.full_text_upload(
        review=review,
        record=records[0],
        actor=reviewer,
        uploaded=SimpleUploadedFile("paper.pdf", b"%PDF-1.4\n%%EOF"),
    )
    assert full_text.original_filename == "paper.pdf" and "paper" not in full_text.file.name
    assert full_text.file.name.endswith(".pdf")


def test_not_retrievable_counts_and_an_upload_reopens_it(review, records, reviewer, second_reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _at_full_text(review, records[0], reviewer, second_reviewer)
    services.full_text_mark_not_retrievable(
        review=review, record=records[0], actor=reviewer, note="Library said no"
    )
    assert status(records[0], Stage.FULL_TEXT) == "not_retrievable"
    services.full_text_upload(
        review=review, record=records[0], actor=reviewer, uploaded=SimpleUploadedFile("p.pdf", b"%PDF-1.7\n")
    )
    assert status(records[0], Stage.FULL_TEXT) == "open"


def test_a_conflict_can_be_marked_not_retrievable_and_comes_back_with_the_pdf(
    review, records, reviewer, second_reviewer, owner
):
    """Refusing the mark in a conflict would tell a reviewer the other had decided, and differently."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    review_update_settings(actor=owner, review=review, fulltext_exclusion_reasons=["Wrong setting"])
    _at_full_text(review, records[0], reviewer, second_reviewer)
    decide(review, records[0], reviewer, "include", stage=Stage.FULL_TEXT)
    decide(review, records[0], second_reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong setting")
    assert status(records[0], Stage.FULL_TEXT) == "conflict"
    services.full_text_mark_not_retrievable(review=review, record=records[0], actor=reviewer)
    assert status(records[0], Stage.FULL_TEXT) == "not_retrievable"
    # The PDF found after all: both decisions count again, so it is the conflict it was.
    services.full_text_upload(
        review=review,
        record=records[0],
        actor=second_reviewer,
        uploaded=SimpleUploadedFile("p.pdf", b"%PDF-1.7\n"),
    )
    assert status(records[0], Stage.FULL_TEXT) == "conflict"


def test_exclusion_reasons_come_from_the_review(review, records, reviewer, second_reviewer, owner):
    review_update_settings(actor=owner, review=review, fulltext_exclusion_reasons=["No qualitative data"])
    _at_full_text(review, records[0], reviewer, second_reviewer)
    # A reason of the default list is no longer one of this review's.
    with pytest.raises(ReviewRuleError, match="not one of this review's"):
        decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="No qualitative data")
    decision = Decision.objects.get(record=records[0], reviewer=reviewer, stage=Stage.FULL_TEXT)
    assert (decision.choice, decision.reason) == ("exclude", "No qualitative data")


def test_removed_and_merged_records_leave_the_queue_and_come_back(review, records, reviewer, owner):
    from reviews.models import Merge
    from reviews.services.duplicates import merge_undo, records_merge
    from reviews.services.records import record_remove, record_restore
    from screening.selectors import screening_progress_count

    def left():
        return screening_progress_count(review=review, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT)["left"]

    assert left() == 4
    record_remove(actor=owner, record=records[0], reason="Retracted")
    assert left() == 3
    record_restore(actor=owner, record=records[0])
    merge = records_merge(actor=owner, target=records[1], absorbed=[records[2]], kind=Merge.Kind.MANUAL)
    assert left() == 3
    merge_undo(actor=owner, merge=merge)
    assert left() == 4


def test_a_reviewer_may_change_their_mind_while_the_record_is_a_conflict_but_only_the_lead_settles_it(
    review, records, reviewer, second_reviewer
):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    assert status(records[0]) == "conflict"
    # bob now agrees with carol: the lead sees his new vote, but the record stays the lead's (settling it
    # would tell bob how carol had voted).
    decide(review, records[0], reviewer, "exclude")
    assert status(records[0]) == "conflict"
    assert Decision.objects.get(record=records[0], reviewer=reviewer).choice == "exclude"


def test_sending_the_same_decision_again_on_a_conflict_records_nothing(
    review, records, reviewer, second_reviewer
):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    for _ in range(5):
        decide(review, records[0], reviewer, "include")
    actions = list(
        AuditEvent.objects.filter(action__startswith="screening.").values_list("action", flat=True)
    )
    assert actions.count("screening.conflict") == 1 and actions.count("screening.change") == 0


def test_undo_on_a_conflict_gives_the_record_back_to_the_reviewer_and_leaves_it_with_the_lead(
    review, records, reviewer, second_reviewer
):
    from screening.selectors import screening_queue

    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    services.screening_decision_undo(
        review=review, record=records[0], reviewer=second_reviewer, stage="title_abstract"
    )
    record_stage = RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT)
    assert (record_stage.status, record_stage.decision_count) == ("conflict", 1)
    # Back in carol's queue, as an open record would be: its absence would tell her it is a conflict.
    assert records[0].pk in screening_queue(
        review=review, reviewer=second_reviewer, stage=Stage.TITLE_ABSTRACT
    ).values_list("record_id", flat=True)
    decide(review, records[0], second_reviewer, "include")
    assert status(records[0]) == "conflict"


def test_agreement_counts_the_votes_as_first_cast_in_the_conflict(review, records, reviewer, second_reviewer):
    from screening.selectors import screening_agreement_combined

    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    before = screening_agreement_combined(review=review, stage=Stage.TITLE_ABSTRACT)
    decide(review, records[0], reviewer, "exclude")
    after = screening_agreement_combined(review=review, stage=Stage.TITLE_ABSTRACT)
    assert before == after and (after.pairs, after.agreed) == (1, 0)


def test_a_third_reviewer_cannot_tell_a_conflict_from_an_agreement(
    review, records, owner, reviewer, second_reviewer, client_for
):
    from django.urls import reverse

    from reviews.models import Role
    from reviews.services import membership_add
    from tests.factories import UserFactory

    dora = UserFactory(username="dora")
    membership_add(actor=owner, review=review, user=dora, roles={Role.REVIEWER})
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")  # a conflict
    decide(review, records[1], reviewer, "exclude")
    decide(review, records[1], second_reviewer, "exclude")  # settled: excluded
    client = client_for(dora)
    pages = [
        client.get(
            reverse("screening:record", args=[review.slug, "title-abstract", record.pk])
        ).content.decode()
        for record in records[:2]
    ]
    for page in pages:
        assert "every decision it needs at this stage, from other reviewers" in page
        assert "Settled at this stage" not in page
    messages = []
    for record in records[:2]:
        with pytest.raises(ReviewRuleError) as refused:
            decide(review, record, dora, "include")
        messages.append(str(refused.value))
    assert messages[0] == messages[1]


@pytest.mark.django_db(transaction=True)  # the figures are forgotten when the change commits
def test_a_reviewers_figures_follow_records_joining_or_leaving_the_queue_at_once(review, owner, reviewer):
    from reviews.services.records import record_remove
    from screening.selectors import screening_progress

    records = records_to_screen(review, owner, count=3)

    def left() -> int:
        return screening_progress(review=review, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT)["left"]

    assert left() == 3  # counted, then kept for a while
    records_to_screen(review, owner, count=2, prefix="Later")
    assert left() == 5  # an import is seen at once, not when the kept figure expires
    record_remove(actor=owner, record=records[0], reason="not a study")
    assert left() == 4


def test_what_is_left_is_counted_as_the_queue_holds_it_in_every_state(
    review, records, reviewer, second_reviewer
):
    # The overview counts a reviewer's records left from the stage's figures and two short lists; the queue
    # itself is the reference, for both reviewers, through decisions, a conflict and an undo in it.
    from screening.selectors import screening_progress_count, screening_queue

    def check():
        for person in (reviewer, second_reviewer):
            counted = screening_progress_count(review=review, reviewer=person, stage=Stage.TITLE_ABSTRACT)
            queue = screening_queue(review=review, reviewer=person, stage=Stage.TITLE_ABSTRACT)
            done = Decision.objects.filter(reviewer=person, stage=Stage.TITLE_ABSTRACT).count()
            assert (counted["left"], counted["done"]) == (queue.count(), done)

    check()
    decide(review, records[0], reviewer, "include")  # waiting for a second reviewer
    check()
    decide(review, records[1], reviewer, "include")
    decide(review, records[1], second_reviewer, "exclude")  # a conflict
    check()
    services.screening_decision_undo(
        review=review, record=records[1], reviewer=second_reviewer, stage="title_abstract"
    )  # a conflict short of a decision: back in the second reviewer's queue only
    check()
    decide(review, records[2], reviewer, "exclude")
    decide(review, records[2], second_reviewer, "exclude")  # settled
    check()
