"""Every model that belongs to a review is in the archive: one that points to a review, directly or through
a record or any other model of the review, fails here until report/backup/tables.py lists it."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from report.backup.tables import NOT_ARCHIVED, TABLES, table_columns
from reviews.models import Record, Review


def _belonging_to_a_review(candidates: list[type[models.Model]]) -> set[type[models.Model]]:
    """The review, and every model with a foreign key to a model already in the set, until none is added."""
    belonging: set[type[models.Model]] = {Review}
    added = True
    while added:
        added = False
        for model in candidates:
            if model in belonging:
                continue
            if any(
                field.related_model in belonging for field in model._meta.concrete_fields if field.is_relation
            ):
                belonging.add(model)
                added = True
    return belonging


def _uncovered(candidates: list[type[models.Model]]) -> set[str]:
    archived = {table.model for table in TABLES}
    belonging = _belonging_to_a_review(candidates) - archived
    return {model._meta.label for model in belonging if model._meta.label_lower not in NOT_ARCHIVED}


def test_every_model_of_a_review_is_archived():
    uncovered = _uncovered(apps.get_models(include_auto_created=True))
    assert uncovered == set(), (
        f"add these to TABLES in report/backup/tables.py (or, if they are caches rebuilt from the archived "
        f"rows, to NOT_ARCHIVED with the reason): {sorted(uncovered)}"
    )


def test_what_is_not_archived_is_a_model_and_says_why():
    labels = {model._meta.label_lower for model in apps.get_models(include_auto_created=True)}
    for label, reason in NOT_ARCHIVED.items():
        assert label in labels and reason, label


def test_every_column_of_every_archived_table_can_be_carried():
    for table in TABLES:
        assert table_columns(table), table.label


def test_the_archive_lists_parents_before_children():
    position = {table.model: index for index, table in enumerate(TABLES)}
    for index, table in enumerate(TABLES):
        for field in table.model._meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model in position
                and field.related_model is not table.model
            ):
                assert position[field.related_model] < index, f"{table.label}.{field.name}"


@isolate_apps("report")
def test_a_new_model_pointing_at_a_record_is_caught():
    class ReadingNote(models.Model):
        record = models.ForeignKey(Record, on_delete=models.CASCADE)

        class Meta:
            app_label = "report"

    class NoteReply(models.Model):
        note = models.ForeignKey(ReadingNote, on_delete=models.CASCADE)

        class Meta:
            app_label = "report"

    known = apps.get_models(include_auto_created=True)
    uncovered = _uncovered([*known, ReadingNote, NoteReply]) - _uncovered(known)
    assert uncovered == {"report.ReadingNote", "report.NoteReply"}
