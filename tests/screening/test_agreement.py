"""Agreement counted by the database matches the formula applied to the decisions one by one."""

from __future__ import annotations

import random
from collections import defaultdict

from lib.agreement import binary_agreement as agreement
from reviews.models import Record
from screening.models import Decision, Stage
from screening.rules import ADVANCE
from screening.selectors import screening_agreement, screening_agreement_combined
from tests.factories import UserFactory
from tests.screening.helpers import records_to_screen


def _expected(review, stage):
    """Pairs of judgements per pair of reviewers, straight from the rows (the definition)."""
    by_record = defaultdict(list)
    for decision in Decision.objects.filter(review=review, stage=stage).select_related("record", "reviewer"):
        if decision.record.merged_into_id is None and not decision.record.is_removed:
            by_record[decision.record_id].append((decision.reviewer.username, decision.choice in ADVANCE))
    pairs = defaultdict(list)
    for decisions in by_record.values():
        if len(decisions) == 2:
            (first, a), (second, b) = sorted(decisions)
            pairs[(first, second)].append((a, b))
    return pairs


def test_agreement_per_pair_and_combined_equals_the_formula_on_each_decision(review, owner):
    records = records_to_screen(review, owner, count=40)
    reviewers = [UserFactory(username=name) for name in ("dora", "ed", "fay")]
    rng = random.Random(7)
    for record in records:
        # Mostly two reviewers; some one (not counted), some three (not a pair: left out).
        for reviewer in rng.sample(reviewers, rng.choice([1, 2, 2, 2, 3])):
            choice = rng.choice(["include", "maybe", "exclude", "exclude"])
            Decision.objects.create(
                review=review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer, choice=choice
            )
    Record.objects.filter(pk=records[0].pk).update(is_removed=True)
    Record.objects.filter(pk=records[1].pk).update(merged_into=records[2])

    expected = _expected(review, Stage.TITLE_ABSTRACT)
    assert len(expected) == 3  # every pair of the three reviewers decided some records together

    measured = screening_agreement(review=review, stage=Stage.TITLE_ABSTRACT)
    assert measured == [(names, agreement(values)) for names, values in sorted(expected.items())]
    combined = screening_agreement_combined(review=review, stage=Stage.TITLE_ABSTRACT)
    assert combined == agreement([pair for values in expected.values() for pair in values])
    assert screening_agreement(review=review, stage=Stage.FULL_TEXT) == []
    assert screening_agreement_combined(review=review, stage=Stage.FULL_TEXT).pairs == 0


def test_agreement_kept_between_requests_follows_every_change_it_is_counted_from(
    review,
    owner,
    reviewer,
    second_reviewer,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    """The count is kept while nothing changes and counted again after any change: a decision added, a
    vote changed back by an undo, a record merged away."""
    from reviews.models import Merge
    from reviews.services.duplicates import records_merge
    from screening.services import screening_decision_undo
    from tests.screening.helpers import decide

    first, second, third = records_to_screen(review, owner, count=3)
    for record in (first, second):
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")

    def combined():
        return screening_agreement_combined(review=review, stage=Stage.TITLE_ABSTRACT)

    assert (combined().pairs, combined().percent) == (2, 100)
    with django_assert_max_num_queries(1) as captured:  # the key only: the count is kept
        assert combined().pairs == 2
    assert "WITH decided" not in captured.captured_queries[0]["sql"]
    decide(review, third, reviewer, "include")
    assert combined().pairs == 2  # one decision is no pair
    screening_decision_undo(review=review, record=third, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT)
    decide(review, third, reviewer, "exclude")
    decide(review, third, second_reviewer, "include")  # a conflict, counted with its first votes
    assert (combined().pairs, combined().percent) == (3, round(100 * 2 / 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        records_merge(actor=owner, target=third, absorbed=[first], kind=Merge.Kind.MANUAL)
    assert combined().pairs == 2  # the merged-away record's decisions no longer count
