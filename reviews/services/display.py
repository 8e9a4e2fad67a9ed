"""What a study record shows: the fields of its most complete source record."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.db.models.functions import Length

from reviews.models import Record, SourceRecord

DISPLAY_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "language",
    "publication_type",
    "urls",
)


def completeness(values: dict) -> tuple[int, int]:
    """How complete a source record is: filled fields first, then the length of its abstract."""
    filled = sum(1 for name in DISPLAY_FIELDS if values.get(name) not in (None, "", [], ()))
    return filled, len(values.get("abstract") or "")


def search_text(values: dict) -> str:
    parts = [values.get("title") or "", " ".join(values.get("authors") or []), values.get("doi") or ""]
    parts.append(values.get("pmid") or "")
    return " ".join(part for part in parts if part).lower()


def records_refresh_display(*, record_ids: Iterable[int]) -> None:
    """Show each record's most complete source; records edited by hand keep their edits."""
    record_ids = list(record_ids)
    best: dict[int, dict] = {}
    for values in SourceRecord.objects.filter(record_id__in=record_ids).values("record_id", *DISPLAY_FIELDS):
        current = best.get(values["record_id"])
        if current is None or completeness(values) > completeness(current):
            best[values["record_id"]] = values
    editable = Record.objects.filter(pk__in=list(best), is_edited=False).values_list("pk", flat=True)
    rows = [(pk, *(best[pk][name] for name in DISPLAY_FIELDS), search_text(best[pk])) for pk in editable]
    _records_set_display(rows)


def records_refresh_display_from(*, candidates: dict[int, list[dict]]) -> None:
    """Show new candidate values on records where one is more complete than what the record shows.

    Cheaper than ``records_refresh_display`` after an import: the record already shows the best of
    its older sources, so only the newcomers need comparing.
    """
    if not candidates:
        return
    # How complete each record is, counted by the database: its fields (the abstract most of all) are not
    # read, only the newcomers' are.
    current = (
        Record.objects.filter(pk__in=list(candidates), is_edited=False)
        .annotate(filled=completeness_filled(), abstract_length=Length("abstract"))
        .values_list("pk", "filled", "abstract_length")
    )
    rows = []
    for pk, filled, abstract_length in current.iterator(chunk_size=5000):
        best = max(candidates[pk], key=completeness)
        if completeness(best) > (filled, abstract_length):
            rows.append((pk, *(best[name] for name in DISPLAY_FIELDS), search_text(best)))
    _records_set_display(rows)


_LIST_FIELDS = ("authors", "keywords", "urls")


def completeness_filled() -> ExpressionWrapper:
    """The first part of ``completeness`` as a database expression: how many display fields are filled."""
    terms = []
    for name in DISPLAY_FIELDS:
        if name == "year":
            empty = Q(year__isnull=True)
        elif name in _LIST_FIELDS:
            empty = Q(**{f"{name}__isnull": True}) | Q(**{name: []})
        else:
            empty = Q(**{name: ""})
        terms.append(Case(When(empty, then=Value(0)), default=Value(1)))
    return ExpressionWrapper(sum(terms[1:], terms[0]), output_field=IntegerField())


_JSON_DISPLAY_FIELDS = {"authors", "keywords", "urls"}


def _records_set_display(rows: list[tuple]) -> None:
    """Set display fields of many records at once (Django's bulk_update is far slower at thousands)."""
    if not rows:
        return
    columns = [*DISPLAY_FIELDS, "search_text"]
    if connection.vendor != "postgresql":
        assignments = ", ".join(f"{name} = %s" for name in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE reviews_record SET {assignments} WHERE id = %s",
                [(*_db_values(row[1:], columns), row[0]) for row in rows],
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE record_display ON COMMIT DROP AS "
            f"SELECT id, {', '.join(columns)} FROM reviews_record WITH NO DATA"
        )
        with cursor.copy(f"COPY record_display (id, {', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[0], *_db_values(row[1:], columns)])
        assignments = ", ".join(f"{name} = display.{name}" for name in columns)
        cursor.execute(
            f"UPDATE reviews_record SET {assignments} FROM record_display display WHERE reviews_record.id = display.id"
        )
        cursor.execute("DROP TABLE record_display")


def _db_values(values: Iterable, columns: list[str]) -> list:
    return [
        json.dumps(value) if name in _JSON_DISPLAY_FIELDS else value
        for name, value in zip(columns, values, strict=True)
    ]
