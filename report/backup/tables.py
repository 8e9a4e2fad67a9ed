"""What a review archive holds: every table of a review, in the order a restore writes them, and how each
column is carried. The columns are read from the models, so a new field is archived without a change here;
a new model that belongs to a review must be added to ``TABLES``, or to ``NOT_ARCHIVED`` when it is a cache
rebuilt from the archived rows (``tests/report/test_backup_coverage.py`` fails until it is)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from coding.models import (
    Code,
    CodingAssignment,
    CodingSettings,
    CodingStudy,
    Domain,
    Excerpt,
    Framework,
    PerspectiveGroup,
    StudyText,
    StudyTextPage,
    Valence,
)
from extraction.models import Answer, Extraction, FormField, FormSection, ParticipantGroup, ReconciledValue
from report.models import OtherMethods
from reviews.models import (
    AuditEvent,
    DuplicatePair,
    ImportBatch,
    Membership,
    Merge,
    Record,
    Review,
    SourceRecord,
)
from screening.models import ConflictVote, Decision, FullText, RankingSettings, RecordStage


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    # The lookup from a row to its review ("pk" for the review itself).
    review_path: str = "review"
    # A table added after the first archives were written: an archive without its member has no rows of it.
    added_later: bool = False

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def has_ids(self) -> bool:
        """A many-to-many link table's rows are named by nobody: they are archived without ids."""
        return not self.model._meta.auto_created

    def rows(self, review: Review) -> models.QuerySet:
        lookup = {self.review_path: review.pk if self.review_path == "pk" else review}
        order = ["pk"] if self.has_ids else [column.attname for column in table_columns(self)]
        return self.model._default_manager.filter(**lookup).order_by(*order)


# Parents before children, so that a restore can write them in this order.
TABLES: tuple[Table, ...] = (
    Table(Review, review_path="pk"),
    Table(Membership),
    Table(ImportBatch),
    Table(Record),
    Table(SourceRecord),
    Table(DuplicatePair),
    Table(Merge),
    Table(RecordStage),
    Table(Decision),
    Table(ConflictVote, added_later=True),
    Table(FullText),
    Table(RankingSettings, added_later=True),
    Table(FormSection),
    Table(ParticipantGroup, added_later=True),
    Table(FormField),
    Table(Extraction),
    Table(Answer, review_path="extraction__review"),
    Table(ReconciledValue),
    Table(CodingSettings),
    Table(Framework),
    Table(Domain, review_path="framework__review"),
    Table(Valence),
    Table(PerspectiveGroup),
    Table(Code),
    Table(StudyText),
    Table(StudyTextPage, review_path="study_text__review"),
    Table(CodingStudy),
    Table(CodingAssignment),
    Table(Excerpt),
    Table(Excerpt.codes.through, review_path="excerpt__review"),
    Table(Excerpt.domains.through, review_path="excerpt__review"),
    Table(OtherMethods),
    Table(AuditEvent),
)
# Models of a review left out on purpose, with the reason: caches that are rebuilt from the archived rows
# (``tests/report/test_backup_coverage.py`` accepts them). Label -> why.
NOT_ARCHIVED: dict[str, str] = {
    "reviews.invitation": "one-time links to join: a restored review is a new one, whose owner invites afresh",
    "screening.rankingfeatures": "the records as the ranking reads them: built again when the ranking next needs them",
    "screening.reviewerranking": "a reviewer's ranked queue: retrained after their next decision (random order until then)",
}
TABLE_LABELS = tuple(table.label for table in TABLES)
TABLES_ADDED_LATER = frozenset(table.label for table in TABLES if table.added_later)
ID_TABLES = frozenset(table.label for table in TABLES if table.has_ids)


@dataclass(frozen=True)
class Column:
    name: str  # in the archive: the field's name ("record", "merged_into")
    attname: str  # in the database: "record_id"
    kind: str  # id, ref, user, review, file, datetime, date, json, value
    field: models.Field
    target: str = ""  # the table a ref points to


_VALUE_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
)


def _column(table: Table, field: models.Field) -> Column | None:
    def column(kind: str, target: str = "") -> Column:
        return Column(name=field.name, attname=field.attname, kind=kind, field=field, target=target)

    if field.primary_key:
        return column("id") if table.has_ids else None
    if field.is_relation:
        target = field.related_model
        if target is get_user_model():
            return column("user")
        if target is Review:
            return column("review")
        if target._meta.label_lower not in ID_TABLES:
            raise ImproperlyConfigured(
                f"{table.label}.{field.name} points to {target._meta.label}: archive it too"
            )
        return column("ref", target._meta.label_lower)
    for field_type, kind in (
        (models.FileField, "file"),
        (models.JSONField, "json"),
        (models.DateTimeField, "datetime"),
        (models.DateField, "date"),
        (_VALUE_FIELDS, "value"),
    ):
        if isinstance(field, field_type):
            return column(kind)
    raise ImproperlyConfigured(f"{table.label}.{field.name}: teach report/backup/tables.py its type")


@functools.cache
def table_columns(table: Table) -> tuple[Column, ...]:
    columns = (_column(table, field) for field in table.model._meta.concrete_fields)
    columns = tuple(column for column in columns if column is not None)
    if sum(column.kind == "file" for column in columns) > 1:
        raise ImproperlyConfigured(
            f"{table.label}: the archive names files by row, so one file column a table"
        )
    return columns


# --- Ids kept inside JSON ----------------------------------------------------------------------------
# A merge keeps its moves for undo, and the history's details name records, sources, merges, excerpts and
# sections by id. Those ids are carried like foreign keys; one that names something gone becomes empty.

Convert = Callable[[str, int], int | None]  # (table label, id) -> the id on the other side, or None

MERGE_MOVE_IDS = {"source": "reviews.sourcerecord", "from_record": "reviews.record"}
HISTORY_IDS = {
    "record": "reviews.record",
    "target": "reviews.record",
    "merge": "reviews.merge",
    "kept": "coding.excerpt",
    "section": "extraction.formsection",
}
HISTORY_ID_LISTS = {
    "absorbed": "reviews.record",
    "sources": "reviews.sourcerecord",
    "excerpts": "coding.excerpt",
}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids_convert(values: Any, label: str, convert: Convert) -> Any:
    if not isinstance(values, list):
        return values
    return [convert(label, value) if _is_id(value) else value for value in values]


def _details_convert(details: Any, convert: Convert) -> Any:
    if not isinstance(details, dict):
        return details
    converted = dict(details)
    for key, label in HISTORY_IDS.items():
        if _is_id(converted.get(key)):
            converted[key] = convert(label, converted[key])
    for key, label in HISTORY_ID_LISTS.items():
        if key in converted:
            converted[key] = _ids_convert(converted[key], label, convert)
    return converted


def _object_id_convert(object_type: Any, object_id: Any, convert: Convert) -> Any:
    if object_type not in ID_TABLES or not isinstance(object_id, str) or not object_id.isdigit():
        return object_id
    converted = convert(object_type, int(object_id))
    return "" if converted is None else str(converted)


def json_ids_convert(label: str, row: dict[str, Any], convert: Convert) -> None:
    """Rewrite in place the ids a row (keyed by archive names) keeps inside JSON or text."""
    if label == "reviews.merge" and isinstance(row.get("moves"), list):
        row["moves"] = [
            {
                **move,
                **{
                    key: convert(target, move[key])
                    for key, target in MERGE_MOVE_IDS.items()
                    if _is_id(move.get(key))
                },
            }
            if isinstance(move, dict)
            else move
            for move in row["moves"]
        ]
    elif label == "reviews.auditevent":
        row["object_id"] = _object_id_convert(row.get("object_type"), row.get("object_id"), convert)
        row["before"] = _details_convert(row.get("before"), convert)
        row["after"] = _details_convert(row.get("after"), convert)
