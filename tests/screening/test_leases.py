"""A team larger than a record needs is served different records; a team of two is served as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.errors import ReviewRuleError
from reviews.models import Role
from reviews.services import membership_add
from screening import services
from screening.models import RecordStage, Stage
from screening.services.decisions import DECISION_FULL
from screening.services.leases import LEASE_SECONDS
from tests.factories import UserFactory
from tests.screening.helpers import decide, records_to_screen

TA = Stage.TITLE_ABSTRACT


def _next(review, reviewer, **options):
    return services.screening_lease_next(review=review, reviewer=reviewer, stage=TA, **options)


@pytest.fixture
def team_of_four(review, owner, reviewer, second_reviewer):
    third, fourth = UserFactory(username="dina"), UserFactory(username="emil")
    for user in (third, fourth):
        membership_add(actor=owner, review=review, user=user, roles={Role.REVIEWER})
    return [reviewer, second_reviewer, third, fourth]


def test_a_team_of_two_is_served_the_same_record_and_nothing_is_leased(
    review, owner, reviewer, second_reviewer
):
    records_to_screen(review, owner, count=6)
    first, second = _next(review, reviewer), _next(review, second_reviewer)
    assert first.pk == second.pk
    assert not RecordStage.objects.filter(review=review, leased_to__isnull=False).exists()


def test_each_reviewer_of_a_larger_team_is_served_a_record_nobody_else_holds(review, owner, team_of_four):
    records_to_screen(review, owner, count=8)
    served = [_next(review, member) for member in team_of_four]
    assert len({record_stage.pk for record_stage in served}) == 4
    for member, record_stage in zip(team_of_four, served, strict=True):
        record_stage.refresh_from_db()
        assert record_stage.leased_to_id == member.pk
        assert record_stage.leased_until > timezone.now() + timedelta(seconds=LEASE_SECONDS[TA] - 60)


def test_coming_back_serves_the_record_already_held_and_deciding_it_ends_the_lease(
    review, owner, team_of_four
):
    records_to_screen(review, owner, count=8)
    bob = team_of_four[0]
    held = _next(review, bob)
    assert _next(review, bob, resume=True).pk == held.pk
    decide(review, held.record, bob, "exclude")
    held.refresh_from_db()
    assert held.leased_to_id is None and held.decision_count == 1
    # The record still needs a second decision: the next reviewer is served it, now nobody holds it.
    assert _next(review, team_of_four[1]).pk == held.pk


def test_a_lease_that_ran_out_goes_back_to_the_team(review, owner, team_of_four):
    records_to_screen(review, owner, count=8)
    bob, carol = team_of_four[:2]
    held = _next(review, bob)
    RecordStage.objects.filter(pk=held.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    assert _next(review, carol).pk == held.pk


def test_when_everything_left_is_held_a_reviewer_is_still_served_it(review, owner, team_of_four):
    records_to_screen(review, owner, count=2)
    bob, carol, dina = team_of_four[:3]
    held = {_next(review, bob).pk, _next(review, carol).pk}
    # Both records are held by someone else: dina still sees work left rather than an empty queue.
    assert _next(review, dina).pk in held


def test_a_record_with_all_its_decisions_is_served_to_nobody_else(review, owner, team_of_four):
    records_to_screen(review, owner, count=3)
    bob, carol, dina, emil = team_of_four
    record_stage = _next(review, bob)
    decide(review, record_stage.record, bob, "include")
    decide(review, record_stage.record, carol, "exclude")  # a conflict, the lead's to settle
    served = {_next(review, member).pk for member in (dina, emil)}
    assert record_stage.pk not in served


def test_an_undone_vote_in_a_conflict_is_no_opening_for_a_third_reviewer(review, owner, team_of_four):
    """Only the reviewer who took their vote back may fill its place: were the record served to a third,
    a record they had seen full coming back would tell them its reviewers disagreed."""
    records_to_screen(review, owner, count=1)
    bob, carol, dina = team_of_four[:3]
    record = _next(review, bob).record
    decide(review, record, bob, "include")
    decide(review, record, carol, "exclude")
    services.screening_decision_undo(review=review, record=record, reviewer=bob, stage=TA)
    assert _next(review, dina) is None
    with pytest.raises(ReviewRuleError, match=DECISION_FULL[:30]):
        decide(review, record, dina, "include")
    assert _next(review, bob).record_id == record.pk
    decide(review, record, bob, "exclude")
    assert RecordStage.objects.get(record=record, stage=TA).decision_count == 2


def test_the_screening_page_serves_two_reviewers_of_a_larger_team_different_records(
    review, owner, team_of_four, client_for
):
    records_to_screen(review, owner, count=8)
    urls = [
        client_for(member).get(f"/r/{review.slug}/screen/title-abstract/")["Location"]
        for member in team_of_four[:2]
    ]
    assert urls[0] != urls[1]
    assert all(f"/r/{review.slug}/screen/title-abstract/" in url for url in urls)
