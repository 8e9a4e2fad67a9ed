"""Writing restored rows as they were: new ids taken up front, rows inserted in chunks with every column given.

Not ``reviews.services.bulk.bulk_insert``: a restore must keep each row's times, which ``bulk_create`` (its
path off PostgreSQL) overwrites for ``auto_now`` fields, and an empty JSON value must stay SQL NULL, which
its COPY writes as the JSON ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models
from django.db.models import Max

CHUNK = 2000


def ids_allocate(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, ascending, so that restored rows keep their order."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: the restore's transaction holds the write lock, so nobody else takes these. Past the
        # sequence too, so that an id a deleted row had is not given again.
        top = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
    start = max(top, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))


def rows_insert(model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence]) -> None:
    """Insert rows (values in the order of ``fields``) as they come. On PostgreSQL one COPY for them all, sent
    by psycopg's writer thread, so that reading the archive and the server's writing overlap; batched
    inserts elsewhere."""
    if connection.vendor == "postgresql":
        _copy(model, fields, rows)
        return
    quote = connection.ops.quote_name
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, CHUNK)):
            prepared = [
                [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]
                for row in chunk
            ]
            cursor.executemany(statement, prepared)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(value: Any) -> str | None:
    return None if value is None else _encode(value)


def _copy(model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence]) -> None:
    from psycopg.copy import QueuedLibpqWriter

    json_indexes = [index for index, field in enumerate(fields) if isinstance(field, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        psycopg_cursor = cursor.cursor
        with psycopg_cursor.copy(statement, writer=QueuedLibpqWriter(psycopg_cursor)) as copy:
            for row in rows:
                values = list(row)
                for index in json_indexes:
                    values[index] = _json(values[index])
                copy.write_row(values)
