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
