"""Inserting many rows at once: PostgreSQL COPY where it runs, batched inserts elsewhere."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.db import connection, models

CHUNK = 2000


def _json(value: Any) -> str:
    # orjson: an import writes every record's raw fields as JSON, and json.dumps took about 30 µs a record.
    text = orjson.dumps(value).decode()
    # jsonb cannot hold NUL characters; the readers refuse them, this is the last guard.
    return text.replace("\\u0000", "") if "\\u0000" in text else text


def bulk_insert(
    model: type[models.Model], rows: Iterable[dict], *, progress: Callable[[int], None] = lambda done: None
) -> None:
    """Insert rows given as {column attname: value}; every row has the same keys. ``rows`` may be made as
    they are written (a generator): an import's rows then never all sit in memory at once."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    if connection.vendor == "postgresql":
        _copy(model, list(first), rows, progress)
        return
    done = 0
    while chunk := list(itertools.islice(rows, CHUNK)):
        model.objects.bulk_create([model(**row) for row in chunk], batch_size=500)
        done += len(chunk)
        progress(done)


def _copy(
    model: type[models.Model], columns: list[str], rows: Iterable[dict], progress: Callable[[int], None]
) -> None:
    json_columns = {
        field.attname for field in model._meta.concrete_fields if isinstance(field, models.JSONField)
    }
    # The row keys are the columns' own names (attnames such as review_id), so COPY takes them as they are.
    statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    number = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for number, row in enumerate(rows, start=1):
            copy.write_row([_json(row[name]) if name in json_columns else row[name] for name in columns])
            if number % CHUNK == 0:
                progress(number)
    progress(number)
