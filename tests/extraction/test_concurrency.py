"""Two leads reconciling one study at the same instant: one saves, the other is told, nobody overwrites."""

from __future__ import annotations

import pytest
from django.db import connection

from extraction import services
from extraction.models import Extraction, ReconciledValue
from reviews.errors import ReviewRuleError
from reviews.models import Membership, Role
from reviews.services import membership_change_roles
from tests.extraction.helpers import extract, included_studies, starter_form
from tests.screening.test_concurrency import _at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are exercised on PostgreSQL"),
]
ROUNDS = 30


@pytest.mark.django_db(transaction=True)
def test_two_leads_reconciling_at_once_do_not_overwrite_each_other(
    review, owner, lead, reviewer, second_reviewer
):
    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.LEAD},
    )
    studies = included_studies(review, owner, [reviewer, second_reviewer], count=ROUNDS)
    fields = starter_form(review, owner)
    country = fields["Country"].pk
    for study in studies:
        extract(review, study, reviewer, fields, {"Country": "Norway"}, submit=True)
        extract(review, study, second_reviewer, fields, {"Country": "Sweden"}, submit=True)
        errors = _at_once(
            lambda study=study: services.extraction_reconcile(
                review=review, record=study, lead=lead, choices={country: {"source": "first", "version": 0}}
            ),
            lambda study=study: services.extraction_reconcile(
                review=review, record=study, lead=owner, choices={country: {"source": "second", "version": 0}}
            ),
        )
        refused = [error for error in errors if error is not None]
        assert len(refused) == 1 and isinstance(refused[0], ReviewRuleError), errors
        assert "Someone else reconciled" in str(refused[0])
        value = ReconciledValue.objects.get(record=study, field_id=country)
        winner = lead if errors[0] is None else owner
        assert value.version == 1 and value.decided_by == winner
        assert value.value == ("Norway" if winner == lead else "Sweden")


@pytest.mark.django_db(transaction=True)
def test_a_reopen_and_the_first_reconciliation_do_not_cross(review, owner, lead, reviewer, second_reviewer):
    """Either the reopen wins (the lead is told the study is not ready) or the reconciliation does (the
    reviewer is told the lead has begun); never a reconciled value beside a reopened draft."""
    studies = included_studies(review, owner, [reviewer, second_reviewer], count=ROUNDS)
    fields = starter_form(review, owner)
    country = fields["Country"].pk
    outcomes = set()
    for study in studies:
        extract(review, study, reviewer, fields, {"Country": "Norway"}, submit=True)
        extract(review, study, second_reviewer, fields, {"Country": "Sweden"}, submit=True)
        errors = _at_once(
            lambda study=study: services.extraction_reopen(review=review, record=study, reviewer=reviewer),
            lambda study=study: services.extraction_reconcile(
                review=review, record=study, lead=lead, choices={country: {"source": "first", "version": 0}}
            ),
        )
        reopen_error, reconcile_error = (str(error) if error else None for error in errors)
        status = Extraction.objects.get(record=study, reviewer=reviewer).status
        reconciled = ReconciledValue.objects.filter(record=study).exists()
        if reopen_error is None:
            assert reconcile_error == services.RECONCILE_NOT_READY, errors
            assert status == "draft" and not reconciled
        else:
            assert (reopen_error, reconcile_error) == (services.REOPEN_RECONCILING, None), errors
            assert status == "submitted" and reconciled
        outcomes.add(reopen_error is None)
    assert outcomes, "no round ran"
