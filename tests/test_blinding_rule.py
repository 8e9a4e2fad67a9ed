"""One blinding rule for every stage: a lead, or an owner who does not review, sees unsettled work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.access import ReviewAccess
from reviews.blinding import blinded_actions
from reviews.models import Membership, Role
from reviews.services import membership_change_roles
from tests.extraction.helpers import extract, included_studies, starter_form


@pytest.mark.parametrize(
    ("roles", "sees"),
    [
        ({Role.LEAD}, True),
        ({Role.LEAD, Role.REVIEWER}, True),
        ({Role.OWNER}, True),
        ({Role.OWNER, Role.LEAD}, True),
        ({Role.OWNER, Role.REVIEWER}, False),
        ({Role.REVIEWER}, False),
    ],
)
def test_the_rule(review, owner, reviewer, roles, sees):
    membership = Membership.objects.get(review=review, user=reviewer)
    membership_change_roles(actor=owner, membership=membership, roles=roles)
    membership.refresh_from_db()
    assert ReviewAccess(review=review, membership=membership).sees_unsettled is sees


def test_every_stage_registers_the_history_entries_it_blinds():
    assert {
        "screening.decide",
        "screening.conflict",
        "extraction.submit",
        "extraction.reopen",
    } <= blinded_actions()
    assert "screening.resolve" not in blinded_actions()


def test_extraction_follows_the_same_rule_as_screening(
    review, owner, lead, reviewer, second_reviewer, client_for
):
    """An owner who does not review sees both extractions (as on the screening overview); one who reviews
    sees their own; only the lead is offered the reconciliation."""
    fields = starter_form(review, owner)
    study = included_studies(review, owner, [reviewer, second_reviewer], count=1)[0]
    extract(review, study, reviewer, fields, {"Country": "Uruguay"}, submit=True)
    extract(review, study, second_reviewer, fields, {"Country": "Paraguay"}, submit=True)
    url = reverse("extraction:studies", args=[review.slug])
    page = client_for(owner).get(url).content.decode()
    assert "bob: submitted" in page and "carol: submitted" in page and "Agreement between extractors" in page
    assert reverse("extraction:reconcile", args=[review.slug, study.pk]) not in page
    assert (
        reverse("extraction:reconcile", args=[review.slug, study.pk])
        in client_for(lead).get(url).content.decode()
    )
    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.REVIEWER},
    )
    page = client_for(owner).get(url).content.decode()
    assert "bob: submitted" not in page and "carol" not in page
