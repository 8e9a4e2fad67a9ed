"""Records out of Tandem: CSV (one row per source record) and RIS (one entry per study record)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import rispy

from lib.spreadsheet import spreadsheet_safe
from reviews.models import Record, Review, SourceRecord

SOURCE_CSV_COLUMNS = (
    "record_id",
    "source",
    "source_file",
    "source_record_id",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "abstract",
    "keywords",
)


def _source_row(source: SourceRecord) -> list[object]:
    values = {
        "record_id": source.record_id,
        "source": source.batch.source_name,
        "source_file": source.batch.original_filename,
        "source_record_id": source.source_record_id,
        "authors": "; ".join(source.authors),
        "keywords": "; ".join(source.keywords),
        "year": source.year or "",
    }
    for name in ("title", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract"):
        values[name] = getattr(source, name)
    return [spreadsheet_safe(values[name]) for name in SOURCE_CSV_COLUMNS]


def records_csv_lines(review: Review) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(SOURCE_CSV_COLUMNS)
    yield flush()
    sources = SourceRecord.objects.filter(review=review).select_related("batch").order_by("record_id", "id")
    for source in sources.iterator(chunk_size=2000):
        writer.writerow(_source_row(source))
        yield flush()


def _ris_entry(record: Record) -> dict:
    start, _, end = (record.pages or "").partition("-")
    entry = {
        "type_of_reference": "JOUR",
        "id": str(record.pk),
        "title": record.title,
        "authors": list(record.authors),
        "year": str(record.year or ""),
        "secondary_title": record.journal,
        "volume": record.volume,
        "number": record.issue,
        "start_page": start.strip(),
        "end_page": end.strip(),
        "doi": record.doi,
        "abstract": record.abstract,
        "keywords": list(record.keywords),
        "accession_number": record.pmid,
        "urls": list(record.urls),
    }
    return {key: value for key, value in entry.items() if value not in ("", [], None)}


class _PlainRisWriter(rispy.RisWriter):
    """rispy numbers each entry ("1.") as Ovid does; reference managers expect plain RIS."""

    def set_header(self, count: int) -> str:
        return ""


def records_ris(records: Iterable[Record]) -> str:
    return rispy.dumps([_ris_entry(record) for record in records], implementation=_PlainRisWriter)


def active_records(review: Review):
    return Record.objects.filter(review=review, merged_into__isnull=True, is_removed=False).order_by("id")
