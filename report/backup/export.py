"""Writing a review's archive: every table as JSON lines and every file, streamed into one zip."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.utils import timezone

from report.backup.format import (
    HASH_BLOCK,
    MANIFEST,
    USERS,
    ArchiveError,
    Manifest,
    file_member,
    table_member,
)
from report.backup.tables import TABLES, Column, Table, json_ids_convert, table_columns
from reviews.models import Review

CHUNK = 2000
# Level 1 compresses the tables about fourfold at several times the speed of the default level.
COMPRESS_LEVEL = 1

EXPORT_OUTSIDE_REFERENCE = (
    "A row of {label} names {target} {value} as its {column}, which is not part of this review; "
    "nothing was written."
)
EXPORT_FILE_MISSING = (
    "The file of {label} {pk} ({name}) is missing from the file storage; nothing was written."
)


@dataclass
class ArchiveSummary:
    counts: dict[str, int]
    files: int


@dataclass
class _Writer:
    """Members are written one at a time, each hashed as it streams into the zip."""

    archive: zipfile.ZipFile
    members: dict[str, dict] = field(default_factory=dict)

    @contextmanager
    def member(self, name: str) -> Iterator[Callable[[bytes], None]]:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(name, "w", force_zip64=True) as stream:

            def write(data: bytes) -> None:
                nonlocal size
                digest.update(data)
                stream.write(data)
                size += len(data)

            yield write
        self.members[name] = {"sha256": digest.hexdigest(), "bytes": size}


@contextmanager
def _snapshot() -> Iterator[None]:
    """Every table read as of one moment (on SQLite the transaction holds the lock instead)."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def review_archive_export(*, review: Review, output: BinaryIO) -> ArchiveSummary:
    """Write everything of ``review`` to ``output`` (a binary file) as one archive."""
    with _snapshot():
        local_ids = _local_ids(review)
        users, usernames = _users(review)
        with zipfile.ZipFile(
            output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL, allowZip64=True
        ) as archive:
            writer = _Writer(archive)
            counts = {USERS: _lines_write(writer, table_member(USERS), _user_rows(usernames))}
            files = 0
            for table in TABLES:
                counts[table.label], pending = _table_write(writer, table, review, local_ids, users)
                for member, storage, name, pk in pending:
                    _file_write(writer, member, storage, name, table.label, pk)
                files += len(pending)
            manifest = Manifest(
                review_slug=review.slug, review_title=review.title, counts=counts, members=writer.members
            )
            archive.writestr(MANIFEST, manifest.as_json(timezone.now().isoformat(timespec="seconds")))
    return ArchiveSummary(counts=counts, files=files)


def _local_ids(review: Review) -> dict[str, dict[int, int]]:
    """Each table's ids numbered 1, 2, 3 ... in their order: the ids the archive uses."""
    local_ids = {}
    for table in TABLES:
        if table.has_ids:
            ids = table.rows(review).values_list("pk", flat=True).iterator(chunk_size=CHUNK * 10)
            local_ids[table.label] = {pk: number for number, pk in enumerate(ids, start=1)}
    return local_ids


def _users(review: Review) -> tuple[dict[int, int], list[str]]:
    """The people any row names (members, deciders, actors in the history), numbered by username."""
    user_ids: set[int] = set()
    for table in TABLES:
        for column in table_columns(table):
            if column.kind == "user":
                named = table.rows(review).order_by().filter(**{f"{column.attname}__isnull": False})
                user_ids.update(named.values_list(column.attname, flat=True).distinct())
    User = get_user_model()
    people = User._default_manager.filter(pk__in=user_ids).order_by(User.USERNAME_FIELD)
    pairs = list(people.values_list("pk", User.USERNAME_FIELD))
    return {pk: number for number, (pk, _) in enumerate(pairs, start=1)}, [name for _, name in pairs]


def _user_rows(usernames: list[str]) -> Iterator[dict]:
    for number, username in enumerate(usernames, start=1):
        yield {"id": number, "username": username}


_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _lines_write(writer: _Writer, member: str, rows: Iterator[dict]) -> int:
    count, lines = 0, []
    with writer.member(member) as write:
        for row in rows:
            lines.append(_line(row))
            count += 1
            if len(lines) >= CHUNK:
                write(("\n".join(lines) + "\n").encode())
                lines.clear()
        if lines:
            write(("\n".join(lines) + "\n").encode())
    return count


def _encoder(
    table: Table, column: Column, local_ids: dict[str, dict[int, int]], users: dict[int, int]
) -> Callable[[Any], Any] | None:
    if column.kind in ("datetime", "date"):
        return lambda value: None if value is None else value.isoformat()
    if column.kind not in ("id", "ref", "user"):
        return None
    numbers = users if column.kind == "user" else local_ids[column.target or table.label]

    def encode(value: Any) -> Any:
        if value is None:
            return None
        try:
            return numbers[value]
        except KeyError:
            raise ArchiveError(
                EXPORT_OUTSIDE_REFERENCE.format(
                    label=table.label, column=column.name, target=column.target or "user", value=value
                )
            ) from None

    return encode


def _table_write(
    writer: _Writer, table: Table, review: Review, local_ids: dict, users: dict
) -> tuple[int, list[tuple[str, Storage, str, Any]]]:
    columns = [column for column in table_columns(table) if column.kind != "review"]
    encoders = [_encoder(table, column, local_ids, users) for column in columns]
    names = [column.name for column in columns]
    file_columns = [column for column in columns if column.kind == "file"]
    pending: list[tuple[str, Storage, str, Any]] = []
    label = table.label

    def convert(target: str, value: int) -> int | None:
        return local_ids[target].get(value)

    def rows() -> Iterator[dict]:
        values_rows = table.rows(review).values_list(*[column.attname for column in columns])
        for values in values_rows.iterator(chunk_size=CHUNK):
            row = {
                name: encode(value) if encode is not None else value
                for name, encode, value in zip(names, encoders, values, strict=True)
            }
            for column in file_columns:
                if row[column.name]:
                    member = file_member(label, row["id"])
                    pending.append((member, column.field.storage, row[column.name], row["id"]))
                    row[column.name] = member
            json_ids_convert(label, row, convert)
            yield row

    count = _lines_write(writer, table_member(label), rows())
    return count, pending


def _file_write(writer: _Writer, member: str, storage: Storage, name: str, label: str, number: int) -> None:
    try:
        source = storage.open(name, "rb")
    except FileNotFoundError:
        raise ArchiveError(EXPORT_FILE_MISSING.format(label=label, pk=number, name=name)) from None
    with source, writer.member(member) as write:
        while block := source.read(HASH_BLOCK):
            write(block)
