"""Migration 0003: reviews that used the old fixed totals (HCPs, patients, other participants) get them as
participant groups, and the others get none. Run on the schema as it was before 0004 dropped the totals."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from extraction import selectors
from extraction.models import FormField, ParticipantGroup
from tests.factories import review_with_team

BEFORE = ("extraction", "0002_participant_groups")
MIGRATION = importlib.import_module("extraction.migrations.0003_participant_groups_from_totals")


@pytest.fixture
def old_schema(transactional_db):
    """The historical models with ``FormField.total``; the schema is migrated forward again afterwards."""
    call_command("migrate", *BEFORE, verbosity=0)
    try:
        yield MigrationLoader(connection).project_state(BEFORE).apps
    finally:
        call_command("migrate", "extraction", verbosity=0)


def _form(apps, review, fields: list[tuple[str, str, bool]]) -> None:
    """Fields as (label, total, is_archived) in one section, written with the historical models."""
    FormSection = apps.get_model("extraction", "FormSection")
    OldField = apps.get_model("extraction", "FormField")
    section = FormSection.objects.create(review_id=review.pk, title="Participants", position=1)
    for position, (label, total, is_archived) in enumerate(fields, start=1):
        OldField.objects.create(
            review_id=review.pk,
            section=section,
            label=label,
            field_type="integer",
            total=total,
            is_archived=is_archived,
            position=position,
        )


def _groups(review) -> list[tuple[str, list[str]]]:
    return [
        (group.name, sorted(group.fields.values_list("label", flat=True)))
        for group in ParticipantGroup.objects.filter(review=review)
    ]


def test_the_old_totals_become_groups_of_the_reviews_that_used_them(old_schema):
    reviews = {
        name: review_with_team(slug=name)
        for name in ("both", "everyone", "hcp-and-others", "archived-only", "none")
    }
    _form(
        old_schema,
        reviews["both"],
        [
            ("Number of HCP participants", "hcp", False),
            ("Number of patient participants", "patients", False),
            ("HCPs in the pilot", "hcp", True),  # archived: counts HCPs again if restored
            ("Sample size", "", False),
        ],
    )
    _form(old_schema, reviews["everyone"], [("Sample size", "participants", False)])
    _form(
        old_schema,
        reviews["hcp-and-others"],
        [("Nurses", "hcp", False), ("Managers", "participants", False)],
    )
    _form(old_schema, reviews["archived-only"], [("Patients", "patients", True), ("Sites", "", False)])
    _form(old_schema, reviews["none"], [("Sample size", "", False)])

    MIGRATION.groups_from_totals(old_schema, None)
    MIGRATION.groups_from_totals(old_schema, None)  # again: nothing more

    assert _groups(reviews["both"]) == [
        ("HCPs", ["HCPs in the pilot", "Number of HCP participants"]),
        ("patients", ["Number of patient participants"]),
    ]
    # "Other participants" were everyone in a review that counted neither HCPs nor patients.
    assert _groups(reviews["everyone"]) == [("participants", ["Sample size"])]
    assert _groups(reviews["hcp-and-others"]) == [("HCPs", ["Nurses"]), ("other participants", ["Managers"])]
    # An archived field counted nothing on the overview, so it makes no group.
    assert _groups(reviews["archived-only"]) == []
    assert _groups(reviews["none"]) == []
    positions = ParticipantGroup.objects.filter(review=reviews["both"]).values_list("position", flat=True)
    assert list(positions) == [1, 2]
    assert FormField.objects.filter(group__isnull=False).count() == 3 + 1 + 2
    # And the overview's sentence names only the groups each review used.
    assert selectors.extraction_totals(reviews["both"])["groups"] == [("HCPs", 0), ("patients", 0)]
    assert selectors.extraction_totals(reviews["none"])["groups"] == []
