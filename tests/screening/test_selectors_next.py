"""The record a reviewer is served next is the first of their queue as ``screening_queue`` states the rule.

The screening loop finds it with a query of its own, written out for speed; these tests hold it to the rule
in every state a record can be in: decided by me or by others, settled, a conflict an undo left short (with
and without my vote), removed, leased to a colleague, to me, or with the lease run out.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db.models import Q
from django.utils import timezone

from reviews.models import Role
from reviews.services import membership_add
from reviews.services.records import record_remove
from screening import services
from screening.models import RecordStage, Stage
from screening.selectors import screening_next, screening_queue
from tests.factories import UserFactory
from tests.screening.helpers import decide, records_to_screen

TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def team(review, owner, reviewer, second_reviewer):
    dina = UserFactory(username="dina")
    membership_add(actor=owner, review=review, user=dina, roles={Role.REVIEWER})
    return [reviewer, second_reviewer, dina]


@pytest.fixture
def every_state(review, owner, team):
    bob, carol, dina = team
    records = records_to_screen(review, owner, count=14)
    decide(review, records[0], bob, "include")
    decide(review, records[1], carol, "exclude")
    for person in (carol, dina):
        decide(review, records[2], person, "exclude")  # settled
    decide(review, records[3], bob, "include")
    decide(review, records[3], carol, "exclude")  # a conflict bob voted in...
    services.screening_decision_undo(
        review=review, record=records[3], reviewer=bob, stage=TA
    )  # ...left short
    decide(review, records[4], carol, "include")
    decide(review, records[4], dina, "exclude")
    services.screening_decision_undo(review=review, record=records[4], reviewer=dina, stage=TA)
    record_remove(actor=owner, record=records[5], reason="Not a study")
    now = timezone.now()
    for record, holder, until in (
        (records[6], dina, now + timedelta(minutes=5)),
        (records[7], bob, now + timedelta(minutes=5)),
        (records[8], dina, now - timedelta(minutes=1)),
        (records[9], carol, now + timedelta(minutes=5)),
    ):
        RecordStage.objects.filter(record=record, stage=TA).update(leased_to=holder, leased_until=until)
    return records


def _lease_free(person) -> Q:
    """The rule the served record's query writes out: never leased, leased to this person, or run out."""
    return Q(leased_to__isnull=True) | Q(leased_to=person) | Q(leased_until__lte=timezone.now())


def _queue(review, person, *, lease_free: bool) -> list[int]:
    queue = screening_queue(review=review, reviewer=person, stage=TA)
    if lease_free:
        queue = queue.filter(_lease_free(person))
    return list(queue.values_list("record_id", flat=True))


def _served_in_turn(review, person, order: dict) -> list[int]:
    """The records served one after another, each passed over once served."""
    served, passing_over = [], []
    while (
        record_stage := screening_next(
            review=review, reviewer=person, stage=TA, order=order, passing_over=passing_over
        )
    ) is not None:
        assert record_stage.record.pk == record_stage.record_id  # served with its record
        served.append(record_stage.record_id)
        passing_over.append(record_stage.pk)
    return served


@pytest.mark.parametrize("lease_free", [True, False])
def test_the_records_served_are_the_queue_in_its_order_in_every_state(review, team, every_state, lease_free):
    order = {"mode": "random", "ranking_on": False, "is_spread": lease_free}
    for person in team:
        expected = _queue(review, person, lease_free=lease_free)
        assert _served_in_turn(review, person, order) == expected, person.username
    bob = team[0]
    records = every_state
    served = set(_served_in_turn(review, bob, order))
    assert records[3].pk in served and records[4].pk not in served  # the short conflicts: his, and not his
    assert records[7].pk in served and records[8].pk in served  # his lease, and one run out
    assert (records[6].pk in served) is not lease_free  # a colleague's lease


def test_a_ranked_order_serves_its_best_record_still_in_the_queue(review, team, every_state):
    bob = team[0]
    waiting = set(_queue(review, bob, lease_free=True))
    ranking = [record.pk for record in reversed(every_state)]
    best = next(record_id for record_id in ranking if record_id in waiting)
    order = {
        "mode": "ranked",
        "ranking_on": True,
        "is_spread": True,
        "ranking": SimpleNamespace(record_ids=ranking),
    }
    assert screening_next(review=review, reviewer=bob, stage=TA, order=order).record_id == best
    worked_through = {**order, "ranking": SimpleNamespace(record_ids=[every_state[0].pk])}  # decided already
    assert screening_next(review=review, reviewer=bob, stage=TA, order=worked_through).record_id == min(
        waiting, key=lambda record_id: RecordStage.objects.get(record_id=record_id, stage=TA).order_key
    )
