"""Reading an archive into a new review: every member checked first, then every row written in one
transaction with new ids, so that a damaged archive writes nothing."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import Storage
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from report.backup.format import (
    ARCHIVE_NOT_A_ZIP,
    HASH_BLOCK,
    USERS,
    ArchiveError,
    Manifest,
    manifest_read,
    members_verify,
    table_member,
)
from report.backup.rows import ids_allocate, rows_insert
from report.backup.tables import (
    TABLE_LABELS,
    TABLES,
    TABLES_ADDED_LATER,
    Column,
    Table,
    json_ids_convert,
    table_columns,
)
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record
from reviews.services.reviews import REVIEW_SLUG_TAKEN

RESTORE_NEEDS_SLUG = "Give the new review a short name (letters, digits and hyphens)."
ARCHIVE_NOT_ONE_REVIEW = "The archive is damaged: tables/reviews.review.jsonl must hold exactly one review."
LINE_NOT_JSON = "{member}, line {line}: not valid JSON ({problem})."
LINE_NOT_OBJECT = "{member}, line {line}: a row must be a JSON object."
LINE_UNKNOWN_COLUMN = "{member}, line {line}: unknown column {name!r}."
LINE_MISSING_COLUMN = "{member}, line {line}: column {name!r} is missing."
LINE_BAD_ID = "{member}, line {line}: the row's id must be {line}, not {value!r}."
LINE_BAD_REFERENCE = (
    "{member}, line {line}: {column} names row {value!r} of {target}, which the archive does not have."
)
LINE_BAD_VALUE = "{member}, line {line}: {column} is not a valid {kind} ({value!r})."
LINE_BAD_FILE = "{member}, line {line}: {column} names {value!r}, which is not a file of this archive."
LINE_BAD_USERNAME = "{member}, line {line}: a person needs a username (of at most 150 characters)."
MEMBER_ROW_COUNT = "The archive is damaged: {member} has {rows} rows; the manifest says {expected}."
ROWS_REFUSED = "{member}, line {line}: the database refused the row ({problem})."
ROWS_REFUSED_BY = "{member}, at or before line {line}: the database refused a row ({problem})."


@dataclass
class RestoreResult:
    review: Review
    counts: dict[str, int]
    users_created: list[str]
    files: int


def review_archive_restore(
    *, source: str | BinaryIO, slug: str, actor: AbstractBaseUser | None = None, archive_name: str = ""
) -> RestoreResult:
    """Restore the archive ``source`` (a path or binary file) as a new review named ``slug``.

    Every member is checked against the manifest before anything is written; the rows are then written in
    one transaction, and the files stored are deleted again if it fails.
    """
    slug = slugify(slug)
    if not slug:
        raise ReviewRuleError(RESTORE_NEEDS_SLUG)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError):
        raise ArchiveError(ARCHIVE_NOT_A_ZIP) from None
    with archive:
        manifest = manifest_read(archive, [USERS, *TABLE_LABELS], TABLES_ADDED_LATER)
        if manifest.counts["reviews.review"] != 1:
            raise ArchiveError(ARCHIVE_NOT_ONE_REVIEW)
        members_verify(archive, manifest)
        restore = _Restore(archive=archive, manifest=manifest, slug=slug)
        try:
            with transaction.atomic():
                result = restore.run(actor=actor, archive_name=archive_name)
        except BaseException:
            restore.files_forget()
            raise
    return result


def _rows(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[int, Any]]:
    with archive.open(member) as stream:
        for line, text in enumerate(io.BufferedReader(stream, HASH_BLOCK), start=1):
            try:
                yield line, json.loads(text)
            except ValueError as error:
                raise ArchiveError(LINE_NOT_JSON.format(member=member, line=line, problem=error)) from None


@dataclass
class _Restore:
    archive: zipfile.ZipFile
    manifest: Manifest
    slug: str
    new_ids: dict[str, list[int]] = field(default_factory=dict)  # table -> new id of archive row n at [n - 1]
    user_ids: list[int] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    stored_files: list[tuple[Storage, str]] = field(default_factory=list)

    def run(self, *, actor: AbstractBaseUser | None, archive_name: str) -> RestoreResult:
        if Review.objects.filter(slug=self.slug).exists():
            raise ReviewRuleError(REVIEW_SLUG_TAKEN.format(slug=self.slug))
        self._users_restore()
        for table in TABLES:
            if table.has_ids:
                self.new_ids[table.label] = ids_allocate(table.model, self.manifest.counts[table.label])
        for table in TABLES:
            self._table_restore(table)
        review = Review.objects.get(pk=self.new_ids["reviews.review"][0])
        audit_record(
            actor=actor,
            review=review,
            action="review.restore",
            target=review,
            after={
                "archive": archive_name,
                "from": self.manifest.review_slug,
                "people_created": self.users_created,
            },
        )
        return RestoreResult(
            review=review,
            counts=dict(self.manifest.counts),
            users_created=self.users_created,
            files=len(self.stored_files),
        )

    def files_forget(self) -> None:
        for storage, name in self.stored_files:
            storage.delete(name)

    def convert(self, label: str, number: int) -> int | None:
        ids = self.new_ids[label]
        return ids[number - 1] if 0 < number <= len(ids) else None

    # --- People -------------------------------------------------------------------------------------

    def _users_restore(self) -> None:
        """People are matched by username; one this site does not know is created, unable to log in."""
        member = table_member(USERS)
        User = get_user_model()
        longest = User._meta.get_field(User.USERNAME_FIELD).max_length or 150
        usernames = []
        for line, row in _rows(self.archive, member):
            if not isinstance(row, dict):
                raise ArchiveError(LINE_NOT_OBJECT.format(member=member, line=line))
            if row.get("id") != line:
                raise ArchiveError(LINE_BAD_ID.format(member=member, line=line, value=row.get("id")))
            username = row.get("username")
            if not isinstance(username, str) or not 0 < len(username) <= longest:
                raise ArchiveError(LINE_BAD_USERNAME.format(member=member, line=line))
            usernames.append(username)
        self._count_check(member, len(usernames), self.manifest.counts[USERS])
        known = dict(
            User._default_manager.filter(**{f"{User.USERNAME_FIELD}__in": usernames}).values_list(
                User.USERNAME_FIELD, "pk"
            )
        )
        for username in usernames:
            if username not in known:
                user = User(**{User.USERNAME_FIELD: username})
                user.set_unusable_password()
                user.save()
                known[username] = user.pk
                self.users_created.append(username)
            self.user_ids.append(known[username])

    # --- Tables -------------------------------------------------------------------------------------

    def _table_restore(self, table: Table) -> None:
        member = table_member(table.label)
        if member not in self.manifest.members:  # a table added since this archive was written
            return
        columns = table_columns(table)
        plan = [(column.name, self._value_decoder(table, column, member)) for column in columns]
        read = 0

        def rows() -> Iterator[list]:
            nonlocal read
            for line, row in _rows(self.archive, member):
                read = line
                defaults = self._row_prepare(table, columns, member, row, line)
                values = [
                    value if convert is None or value is None else convert(value, line)
                    for value, convert in ((row[name], convert) for name, convert in plan)
                ]
                for index, value in defaults.items():
                    values[index] = value
                yield values

        try:
            with transaction.atomic():
                rows_insert(table.model, [column.field for column in columns], rows())
        except (DatabaseError, connection.Database.Error) as error:
            raise ArchiveError(_refused(member, error, read)) from None
        self._count_check(member, read, self.manifest.counts[table.label])

    def _row_prepare(
        self, table: Table, columns: tuple[Column, ...], member: str, row: Any, line: int
    ) -> dict[int, Any]:
        """Check a row and put in its new id and review and its remapped JSON ids; return the defaults of the
        columns it lacks, by position."""
        if not isinstance(row, dict):
            raise ArchiveError(LINE_NOT_OBJECT.format(member=member, line=line))
        names = _archive_names(columns)
        if len(row) != len(names) or row.keys() != names:
            unknown = sorted(row.keys() - names)
            if unknown:
                raise ArchiveError(LINE_UNKNOWN_COLUMN.format(member=member, line=line, name=unknown[0]))
        if table.has_ids:
            if row.get("id") != line:
                raise ArchiveError(LINE_BAD_ID.format(member=member, line=line, value=row.get("id")))
            row["id"] = self.new_ids[table.label][line - 1]
        if table.label == "reviews.review":
            row["slug"] = self.slug
        json_ids_convert(table.label, row, self.convert)
        defaults = {}
        for index, column in enumerate(columns):
            if column.kind == "review":
                row[column.name] = self.new_ids["reviews.review"][0]
            elif column.name not in row:
                row[column.name] = None
                defaults[index] = _missing(column, member, line)
        return defaults

    def _count_check(self, member: str, rows: int, expected: int) -> None:
        if rows != expected:
            raise ArchiveError(MEMBER_ROW_COUNT.format(member=member, rows=rows, expected=expected))

    def _value_decoder(self, table: Table, column: Column, member: str) -> Callable[[Any, int], Any] | None:
        """A function taking (value, line) to the column's value in the new review; None to take it as it is."""
        if column.kind in ("ref", "user"):
            ids = self.user_ids if column.kind == "user" else self.new_ids[column.target]
            target = USERS if column.kind == "user" else column.target

            def reference(value: Any, line: int) -> int:
                if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= len(ids):
                    raise ArchiveError(
                        LINE_BAD_REFERENCE.format(
                            member=member, line=line, column=column.name, value=value, target=target
                        )
                    )
                return ids[value - 1]

            return reference
        if column.kind in ("datetime", "date"):
            parse = dt.datetime.fromisoformat if column.kind == "datetime" else dt.date.fromisoformat

            def moment(value: Any, line: int) -> Any:
                try:
                    return parse(value)
                except (TypeError, ValueError):
                    raise ArchiveError(
                        LINE_BAD_VALUE.format(
                            member=member, line=line, column=column.name, kind=column.kind, value=value
                        )
                    ) from None

            return moment
        if column.kind == "file":
            return lambda value, line: self._file_restore(table, column, member, value, line)
        return None

    def _file_restore(self, table: Table, column: Column, member: str, value: Any, line: int) -> str:
        if value == "":
            return ""
        if not isinstance(value, str) or not value.startswith("files/") or value not in self.manifest.members:
            raise ArchiveError(
                LINE_BAD_FILE.format(member=member, line=line, column=column.name, value=value)
            )
        file_field: models.FileField = column.field
        # The model's own upload path, under the new review: the same place an upload would take.
        instance = table.model(review_id=self.new_ids["reviews.review"][0])
        name = file_field.generate_filename(instance, PurePosixPath(value).name)
        with self.archive.open(value) as stream:
            stored = file_field.storage.save(name, File(stream, name=name))
        self.stored_files.append((file_field.storage, stored))
        return stored


def _refused(member: str, error: Exception, read: int) -> str:
    """Which line the database refused: PostgreSQL names the COPY's line; SQLite fails within the last chunk."""
    problem = (str(error).strip().splitlines() or [type(error).__name__])[0]
    context = getattr(getattr(error, "diag", None), "context", None) or ""
    match = re.search(r"COPY \S+, line (\d+)", context)
    if match:
        return ROWS_REFUSED.format(member=member, line=int(match.group(1)), problem=problem)
    return ROWS_REFUSED_BY.format(member=member, line=read, problem=problem)


@functools.cache
def _archive_names(columns: tuple[Column, ...]) -> frozenset[str]:
    return frozenset(column.name for column in columns if column.kind != "review")


def _missing(column: Column, member: str, line: int) -> Any:
    """A column an older archive does not have takes the field's default."""
    model_field = column.field
    if model_field.has_default():
        return model_field.get_default()
    if isinstance(model_field, models.DateField) and (model_field.auto_now or model_field.auto_now_add):
        return timezone.now()
    if model_field.null:
        return None
    raise ArchiveError(LINE_MISSING_COLUMN.format(member=member, line=line, name=column.name))
