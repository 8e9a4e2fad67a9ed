"""The lead's reconciliation of a dual-coded study, unit by unit; the reconciled set is what is counted."""

from __future__ import annotations

import pytest

from coding import synthesis
from coding.models import CodingStudy, Excerpt
from coding.services.excerpts import coding_mark_done, excerpt_delete
from coding.services.reconcile import (
    coding_reconciliation_finish,
    coding_reconciliation_open,
    coding_unit_reconcile,
    coding_unit_reopen,
)
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.coding.helpers import code_excerpt, domain, group, span, valence

PASSAGE = "Time pressure was the main barrier for nurses."
TRAINING = "Training in pain assessment helped nurses feel confident."
ROOM = "Patients said the waiting room had no space to talk."
MANAGERS = "Managers who protected time for training made change possible."


@pytest.fixture
def coded(review, reviewer, second_reviewer, study):
    """Bob and Carol coded the study; the units are (b1, c1), (b2, c2), (b3 alone), (c4 alone)."""
    b1 = code_excerpt(review, study, reviewer, passage=PASSAGE, domains=("Knowledge",))
    b2 = code_excerpt(
        review,
        study,
        reviewer,
        passage=TRAINING,
        valence_name="Facilitator",
        domains=("Skills",),
        new_code="Training",
        new_code_theme="Skills and training",
    )
    b3 = code_excerpt(
        review,
        study,
        reviewer,
        passage=ROOM,
        group_name="Patient",
        domains=("Environmental Context and Resources",),
    )
    c1 = code_excerpt(review, study, second_reviewer, passage=PASSAGE, domains=("Knowledge",))
    c2 = code_excerpt(
        review,
        study,
        second_reviewer,
        passage="Training in pain assessment helped nurses",
        valence_name="Facilitator",
        group_name="Patient",
        domains=("Beliefs about Capabilities",),
        new_code="Confidence",
    )
    c4 = code_excerpt(
        review,
        study,
        second_reviewer,
        passage=MANAGERS,
        valence_name="Facilitator",
        domains=("Environmental Context and Resources",),
    )
    return {"b1": b1, "b2": b2, "b3": b3, "c1": c1, "c2": c2, "c4": c4}


def _both_done(review, study, reviewer, second_reviewer):
    coding_mark_done(review=review, record=study, coder=reviewer)
    coding_mark_done(review=review, record=study, coder=second_reviewer)


@pytest.fixture
def reconciling(review, lead, reviewer, second_reviewer, study, coded):
    _both_done(review, study, reviewer, second_reviewer)
    coding_reconciliation_open(review=review, record=study, lead=lead)
    return coded


def _settle(review, lead, study, members, action, keep=None):
    return coding_unit_reconcile(
        review=review,
        record=study,
        lead=lead,
        excerpt_ids=[member.pk for member in members],
        action=action,
        keep_id=keep.pk if keep else None,
    )


def _state(*excerpts) -> list[str]:
    return [Excerpt.objects.get(pk=excerpt.pk).reconcile_state for excerpt in excerpts]


def test_reconciliation_opens_only_when_both_coders_are_done(
    review, lead, reviewer, second_reviewer, study, coded
):
    coding_mark_done(review=review, record=study, coder=reviewer)
    with pytest.raises(ReviewRuleError, match="Both coders must mark this study done"):
        coding_reconciliation_open(review=review, record=study, lead=lead)

    coding_mark_done(review=review, record=study, coder=second_reviewer)
    state = coding_reconciliation_open(review=review, record=study, lead=lead)

    assert state.is_reconciling and state.reconciliation_opened_by == lead
    assert AuditEvent.objects.get(action="coding.reconcile_open").actor == lead


def test_a_study_with_one_coder_cannot_be_reconciled(review, lead, reviewer, study):
    code_excerpt(review, study, reviewer, passage=PASSAGE)
    coding_mark_done(review=review, record=study, coder=reviewer)

    with pytest.raises(ReviewRuleError, match="Both coders must mark this study done"):
        coding_reconciliation_open(review=review, record=study, lead=lead)


def test_units_cannot_be_settled_before_the_reconciliation_is_open(review, lead, study, coded):
    with pytest.raises(ReviewRuleError, match="Open the reconciliation"):
        _settle(review, lead, study, [coded["b1"], coded["c1"]], "accept", keep=coded["c1"])


def test_while_the_lead_reconciles_the_coders_excerpts_cannot_change(review, reviewer, study, reconciling):
    with pytest.raises(ReviewRuleError, match="The lead is reconciling"):
        code_excerpt(review, study, reviewer, excerpt=reconciling["b1"], passage=PASSAGE)
    with pytest.raises(ReviewRuleError, match="The lead is reconciling"):
        coding_mark_done(review=review, record=study, coder=reviewer, done=False)


def test_accepting_a_unit_copies_the_chosen_excerpt_into_the_reconciled_set(review, lead, study, reconciling):
    b1, c1 = reconciling["b1"], reconciling["c1"]

    final = _settle(review, lead, study, [b1, c1], "accept", keep=c1)

    assert (final.coder, final.is_final, final.created_by) == (None, True, lead)
    assert (final.quote, final.start, final.end, final.page) == (c1.quote, c1.start, c1.end, c1.page)
    assert list(final.domains.all()) == [domain(review, "Knowledge")]
    assert _state(b1, c1) == ["kept", "kept"]
    assert {each.reconciled_into_id for each in Excerpt.objects.filter(pk__in=[b1.pk, c1.pk])} == {final.pk}
    assert AuditEvent.objects.get(action="coding.unit_accept").after["kept"] == c1.pk


def test_merging_a_unit_joins_both_passages_codes_and_domains(review, lead, study, reconciling):
    b2, c2 = reconciling["b2"], reconciling["c2"]

    final = _settle(review, lead, study, [c2, b2], "merge")

    # b2 spans the whole sentence, c2 its first words: the span of both is b2's.
    assert (final.start, final.end) == span(study, TRAINING)
    assert (final.quote, final.page) == (TRAINING, 2)
    assert sorted(each.name for each in final.domains.all()) == ["Beliefs about Capabilities", "Skills"]
    assert sorted(each.name for each in final.codes.all()) == ["Confidence", "Training"]
    # Where the coders differ, the first coder's label stays (for the lead to change).
    assert (final.valence, final.group) == (valence(review, "Facilitator"), group(review, "HCP"))
    assert _state(b2, c2) == ["kept", "kept"]


def test_dropping_a_unit_keeps_nothing_of_it(review, lead, study, reconciling):
    b3 = reconciling["b3"]

    assert _settle(review, lead, study, [b3], "drop") is None

    assert _state(b3) == ["dropped"]
    assert not Excerpt.objects.filter(coder__isnull=True).exists()


def test_a_unit_settled_a_moment_ago_is_not_settled_twice(review, lead, study, reconciling):
    b1, c1 = reconciling["b1"], reconciling["c1"]
    _settle(review, lead, study, [b1, c1], "accept", keep=b1)

    with pytest.raises(ReviewRuleError, match="reconciled a moment ago"):
        _settle(review, lead, study, [b1, c1], "merge")
    assert Excerpt.objects.filter(coder__isnull=True).count() == 1


def test_accepting_needs_one_of_the_units_excerpts_and_an_action_it_knows(review, lead, study, reconciling):
    b1, c1, c4 = reconciling["b1"], reconciling["c1"], reconciling["c4"]
    with pytest.raises(ReviewRuleError, match="not one unit"):
        _settle(review, lead, study, [b1, c1], "accept", keep=c4)
    with pytest.raises(ReviewRuleError, match="not one unit"):
        _settle(review, lead, study, [b1, c1], "keep-both")
    assert _state(b1, c1) == ["pending", "pending"]


def test_reopening_a_unit_removes_its_reconciled_excerpt_and_lets_it_be_settled_again(
    review, lead, study, reconciling
):
    b1, c1 = reconciling["b1"], reconciling["c1"]
    final = _settle(review, lead, study, [b1, c1], "accept", keep=b1)

    coding_unit_reopen(review=review, record=study, lead=lead, excerpt_ids=[b1.pk, c1.pk])

    assert not Excerpt.objects.filter(pk=final.pk).exists()
    assert _state(b1, c1) == ["pending", "pending"]
    assert _settle(review, lead, study, [b1, c1], "drop") is None


def test_finishing_is_refused_while_units_are_pending_then_records_who_finished(
    review, lead, study, reconciling
):
    units = reconciling
    _settle(review, lead, study, [units["b1"], units["c1"]], "accept", keep=units["b1"])
    _settle(review, lead, study, [units["b2"], units["c2"]], "merge")
    _settle(review, lead, study, [units["b3"]], "drop")

    with pytest.raises(ReviewRuleError, match="1 coded excerpt still to reconcile"):
        coding_reconciliation_finish(review=review, record=study, lead=lead)

    _settle(review, lead, study, [units["c4"]], "accept", keep=units["c4"])
    state = coding_reconciliation_finish(review=review, record=study, lead=lead)
    assert state.reconciled_by == lead and state.reconciled_at is not None

    coding_unit_reopen(review=review, record=study, lead=lead, excerpt_ids=[units["c4"].pk])
    assert CodingStudy.objects.get(pk=state.pk).reconciled_at is None


def test_the_lead_edits_and_adds_to_the_reconciled_set_and_deleting_one_sends_its_unit_back(
    review, lead, reviewer, study, reconciling
):
    b1, c1 = reconciling["b1"], reconciling["c1"]
    final = _settle(review, lead, study, [b1, c1], "accept", keep=b1)

    edited = code_excerpt(
        review, study, lead, excerpt=final, passage=PASSAGE, domains=("Knowledge", "Skills")
    )
    added = code_excerpt(review, study, lead, passage=ROOM, group_name="Patient")

    assert sorted(each.name for each in edited.domains.all()) == ["Knowledge", "Skills"]
    assert (added.coder, added.is_final) == (None, True)
    with pytest.raises(ReviewRuleError, match="The lead is reconciling"):
        excerpt_delete(review=review, excerpt=final, actor=reviewer)
    excerpt_delete(review=review, excerpt=final, actor=lead)
    assert _state(b1, c1) == ["pending", "pending"]


def test_a_unit_both_coders_coded_counts_once_in_the_domain_table_after_reconciliation(
    review, lead, study, reconciling
):
    knowledge = domain(review, "Knowledge")
    barrier, hcp = valence(review, "Barrier"), group(review, "HCP")

    def knowledge_barriers_from_hcp() -> int:
        table = synthesis.domain_table(review=review)
        row = next(row for row in table.rows if row.domain == knowledge)
        return row.cells[(barrier.pk, hcp.pk)].n

    # Two coders' excerpts of one passage, both barrier / HCP / Knowledge; neither is counted yet.
    assert knowledge_barriers_from_hcp() == 0
    units = reconciling
    _settle(review, lead, study, [units["b1"], units["c1"]], "accept", keep=units["c1"])
    _settle(review, lead, study, [units["b2"], units["c2"]], "merge")
    _settle(review, lead, study, [units["b3"]], "drop")
    _settle(review, lead, study, [units["c4"]], "accept", keep=units["c4"])
    coding_reconciliation_finish(review=review, record=study, lead=lead)

    assert knowledge_barriers_from_hcp() == 1
    table = synthesis.domain_table(review=review)
    # Reconciled: (b1, c1) Knowledge; merged (b2, c2) Skills + Beliefs about Capabilities; c4 Resources.
    assert (table.excerpts, table.items) == (3, 4)
    assert [table.totals.get(valence(review, name).pk) for name in ("Barrier", "Facilitator")] == [1, 3]
    assert set(Excerpt.objects.filter(is_final=True).values_list("coder", flat=True)) == {None}


def test_the_final_set_holds_only_the_reconciled_excerpts(review, lead, study, reconciling):
    _settle(review, lead, study, [reconciling["b1"], reconciling["c1"]], "accept", keep=reconciling["b1"])

    final = Excerpt.objects.filter(record=study, is_final=True)
    assert [(each.coder_id, each.quote) for each in final] == [(None, PASSAGE)]
    assert (final.get().start, final.get().end) == span(study, PASSAGE)


def test_reopening_a_unit_by_one_of_its_excerpts_sends_the_whole_unit_back(review, lead, study, reconciling):
    b2, c2 = reconciling["b2"], reconciling["c2"]
    _settle(review, lead, study, [b2, c2], "merge")

    coding_unit_reopen(review=review, record=study, lead=lead, excerpt_ids=[c2.pk])

    assert _state(b2, c2) == ["pending", "pending"]
    assert not Excerpt.objects.filter(coder__isnull=True).exists()
    _settle(review, lead, study, [reconciling["b1"], reconciling["c1"]], "drop")
    _settle(review, lead, study, [reconciling["b3"]], "drop")
    _settle(review, lead, study, [reconciling["c4"]], "drop")
    with pytest.raises(ReviewRuleError, match="2 coded excerpts still to reconcile"):
        coding_reconciliation_finish(review=review, record=study, lead=lead)
