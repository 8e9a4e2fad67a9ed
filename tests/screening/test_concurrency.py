"""Two reviewers deciding one record at the same instant, and two leads resolving one conflict."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections

from reviews.errors import ReviewRuleError
from screening import services
from screening.models import Decision, RecordStage, Stage
from screening.rules import stage_outcome
from screening.services.decisions import DECISION_FULL
from tests.screening.helpers import decide, records_to_screen

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are exercised on PostgreSQL"),
]
ROUNDS = 200


def _at_once(*actions):
    """Run the actions in threads released together; return what each raised (or None)."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException | None] = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_always_settle_correctly(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, count=ROUNDS)
    rng = random.Random(2026)
    expected = {}
    for record in records:
        choices = (rng.choice(["include", "maybe", "exclude"]), rng.choice(["include", "maybe", "exclude"]))
        expected[record.pk] = stage_outcome(Stage.TITLE_ABSTRACT, [(choice, "") for choice in choices]).status
        errors = _at_once(
            lambda record=record, choice=choices[0]: decide(review, record, reviewer, choice),
            lambda record=record, choice=choices[1]: decide(review, record, second_reviewer, choice),
        )
        assert errors == [None, None], errors
    stages = {
        rs.record_id: rs for rs in RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    }
    for record in records:
        assert stages[record.pk].decision_count == 2
        assert stages[record.pk].status == expected[record.pk]
    assert Decision.objects.filter(review=review).count() == 2 * ROUNDS
    advanced = sum(1 for status in expected.values() if status == "included")
    assert RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT).count() == advanced


@pytest.mark.django_db(transaction=True)
def test_two_leads_resolving_one_conflict_at_once_do_not_overwrite_each_other(
    review, owner, lead, reviewer, second_reviewer
):
    from reviews.models import Membership, Role
    from reviews.services import membership_change_roles

    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.LEAD},
    )
    records = records_to_screen(review, owner, count=50)
    for record in records:
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "exclude")
        record_stage = RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT)
        errors = _at_once(
            lambda rs=record_stage: services.screening_conflict_resolve(
                review=review, record_stage=rs, lead=lead, choice="include"
            ),
            lambda rs=record_stage: services.screening_conflict_resolve(
                review=review, record_stage=rs, lead=owner, choice="exclude"
            ),
        )
        refused = [error for error in errors if error is not None]
        assert len(refused) == 1 and isinstance(refused[0], ReviewRuleError), errors
        assert "settled a moment ago" in str(refused[0])
        record_stage.refresh_from_db()
        winner = lead if errors[0] is None else owner
        assert record_stage.resolved_by == winner
        assert record_stage.status == ("included" if winner == lead else "excluded")


@pytest.mark.django_db(transaction=True)
def test_six_reviewers_screening_at_once_each_decide_different_records_and_every_decision_holds(
    review, owner, reviewer, second_reviewer
):
    """Six reviewers, two decisions a record, each taking their next record and deciding it as fast as the
    database lets them: every record ends with exactly two decisions, each stored once, and settles as its
    two decisions say; the leases keep reviewers apart, so hardly any decision is refused as too late."""
    from reviews.models import Role
    from reviews.services import membership_add
    from tests.factories import UserFactory

    team = [reviewer, second_reviewer]
    for name in ("dina", "emil", "fay", "gus"):
        user = UserFactory(username=name)
        membership_add(actor=owner, review=review, user=user, roles={Role.REVIEWER})
        team.append(user)
    records = records_to_screen(review, owner, count=120)
    accepted: list[tuple[int, int, str]] = []
    refused: list[ReviewRuleError] = []
    lock = threading.Lock()

    def screen(member, seed):
        rng = random.Random(seed)
        while (
            record_stage := services.screening_lease_next(
                review=review, reviewer=member, stage=Stage.TITLE_ABSTRACT
            )
        ) is not None:
            choice = rng.choice(["include", "maybe", "exclude"])
            try:
                decide(review, record_stage.record, member, choice)
            except ReviewRuleError as error:
                with lock:
                    refused.append(error)
                continue
            with lock:
                accepted.append((record_stage.record_id, member.pk, choice))

    errors = _at_once(
        *(lambda member=member, seed=seed: screen(member, seed) for seed, member in enumerate(team))
    )
    assert errors == [None] * len(team), errors
    stored = list(Decision.objects.filter(review=review).values_list("record_id", "reviewer_id", "choice"))
    assert sorted(stored) == sorted(accepted)  # every accepted decision stored, once
    by_record: dict[int, list[str]] = {}
    for record_id, _, choice in stored:
        by_record.setdefault(record_id, []).append(choice)
    assert set(by_record) == {record.pk for record in records}
    for record_stage in RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT):
        choices = by_record[record_stage.record_id]
        assert record_stage.decision_count == len(choices) == 2
        assert record_stage.status == stage_outcome(Stage.TITLE_ABSTRACT, [(c, "") for c in choices]).status
    assert len({reviewer_id for _, reviewer_id, _ in stored}) == len(team)  # the work was shared
    assert all(str(error) == DECISION_FULL for error in refused)
    assert len(refused) <= len(accepted) // 10, f"{len(refused)} of {len(accepted) + len(refused)} refused"


@pytest.mark.django_db(transaction=True)
def test_a_decision_and_a_stop_at_once_never_set_aside_a_decided_record(review, owner, reviewer):
    from screening.services.decisions import DECISION_SET_ASIDE
    from screening.services.stopping import screening_resume, screening_stop

    records = records_to_screen(review, owner, count=40)
    for record in records:
        errors = _at_once(
            lambda record=record: decide(review, record, reviewer, "exclude"),
            lambda: screening_stop(review=review, actor=owner),
        )
        stage = RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT)
        decided = Decision.objects.filter(record=record).exists()
        # Either the decision came first (the record is decided, never set aside) or the stop did (the
        # decision was refused with the reason); never a decision on a set-aside record.
        assert decided == (stage.status != "set_aside"), (errors, stage.status)
        assert decided or DECISION_SET_ASIDE in str(errors[0])
        if RecordStage.objects.filter(review=review, status="set_aside").exists():
            screening_resume(review=review, actor=owner)
