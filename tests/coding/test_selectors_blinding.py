"""Blind coding at the selector level: a coder who does not see everything sees only their own excerpts and
the final set, and the study list does not give away what the other coder did."""

from __future__ import annotations

import pytest

from coding import selectors
from coding.services.excerpts import coding_mark_done
from coding.services.reconcile import coding_reconciliation_open, coding_unit_reconcile
from tests.coding.helpers import code_excerpt

PASSAGE = "Time pressure was the main barrier for nurses."
TRAINING = "Training in pain assessment helped nurses feel confident."
ROOM = "Patients said the waiting room had no space to talk."


@pytest.fixture
def dual_coded(review, reviewer, second_reviewer, study):
    bobs = [
        code_excerpt(review, study, reviewer, passage=PASSAGE, domains=("Knowledge",)),
        code_excerpt(review, study, reviewer, passage=TRAINING, valence_name="Facilitator"),
        code_excerpt(review, study, reviewer, passage=ROOM, group_name="Patient"),
    ]
    carols = [code_excerpt(review, study, second_reviewer, passage=PASSAGE, domains=("Knowledge",))]
    return bobs, carols


def _visible(review, study, viewer, sees_all=False) -> set[int]:
    return {
        each.pk
        for each in selectors.excerpts_visible(review=review, record=study, viewer=viewer, sees_all=sees_all)
    }


def test_the_other_coder_sees_none_of_bobs_excerpts_in_a_dual_coded_study(
    review, reviewer, second_reviewer, study, dual_coded
):
    bobs, carols = dual_coded

    assert _visible(review, study, second_reviewer) == {each.pk for each in carols}
    assert _visible(review, study, reviewer) == {each.pk for each in bobs}


def test_a_viewer_who_sees_all_sees_both_coders_excerpts(review, lead, study, dual_coded):
    bobs, carols = dual_coded

    assert _visible(review, study, lead, sees_all=True) == {each.pk for each in bobs + carols}
    assert _visible(review, study, lead) == set()


def test_once_reconciled_the_final_set_is_visible_to_both_coders_but_not_each_others_own(
    review, lead, reviewer, second_reviewer, study, dual_coded
):
    bobs, carols = dual_coded
    coding_mark_done(review=review, record=study, coder=reviewer)
    coding_mark_done(review=review, record=study, coder=second_reviewer)
    coding_reconciliation_open(review=review, record=study, lead=lead)
    final = coding_unit_reconcile(
        review=review,
        record=study,
        lead=lead,
        excerpt_ids=[bobs[0].pk, carols[0].pk],
        action="accept",
        keep_id=bobs[0].pk,
    )

    assert _visible(review, study, second_reviewer) == {carols[0].pk, final.pk}
    assert _visible(review, study, reviewer) == {each.pk for each in bobs} | {final.pk}


def test_the_study_list_does_not_tell_carol_what_bob_coded(
    review, reviewer, second_reviewer, studies, study, dual_coded
):
    rows = {
        row.record.pk: row
        for row in selectors.coding_study_rows(review=review, viewer=second_reviewer, sees_all=False)
    }

    row = rows[study.pk]
    assert (row.my_excerpts, row.excerpts, row.final_excerpts) == (1, 0, 0)
    assert row.coders == []
    assert row.mine.coder == second_reviewer
    assert row.text_status == "ready"
    # A study Bob codes alone looks to Carol like a study nobody has coded.
    code_excerpt(review, studies[1], reviewer, quote="Bob's quote of the second study.")
    rows = selectors.coding_study_rows(review=review, viewer=second_reviewer, sees_all=False)
    bob_alone, untouched = rows[1], rows[2]
    assert bob_alone.record == studies[1] and untouched.record == studies[2]
    seen = ("my_excerpts", "excerpts", "final_excerpts", "coders", "mine", "may_claim", "is_reconciling")
    assert [getattr(bob_alone, name) for name in seen] == [getattr(untouched, name) for name in seen]


def test_the_study_list_for_someone_who_sees_all_counts_both_coders(review, lead, study, dual_coded):
    rows = {
        row.record.pk: row for row in selectors.coding_study_rows(review=review, viewer=lead, sees_all=True)
    }

    row = rows[study.pk]
    assert row.excerpts == 4
    assert sorted(each.coder.username for each in row.coders) == ["bob", "carol"]
    assert row.may_claim is False
