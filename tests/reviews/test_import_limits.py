"""A file that unpacks to more than one file may hold is refused while it is read, with nothing written."""

from __future__ import annotations

import gzip
import io

from openpyxl import Workbook

from reviews.models import ImportBatch, Record, SourceRecord
from reviews.parsers.api import parse_export
from reviews.parsers.base import ParseLimits, parse_limits
from tests.reviews.importing import import_file
from tests.screening.helpers import ris_records


def _xlsx(rows: int, *, blank: bool = False) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Title", "Authors", "Year"])
    for number in range(rows):
        sheet.append([None, None, None] if blank else [f"Study {number}", "Smith, J", 2020])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refused(review, owner, name, content, message):
    batch = import_file(review, owner, name, content, source="Scopus")
    assert batch.status == ImportBatch.Status.FAILED
    assert name in batch.error and message in batch.error, batch.error
    assert not Record.objects.filter(review=review).exists()
    assert not SourceRecord.objects.filter(review=review).exists()


def test_a_workbook_with_more_records_than_a_file_may_hold_is_refused(review, owner, settings):
    settings.IMPORT_MAX_RECORDS = 1000
    _refused(review, owner, "many.xlsx", _xlsx(1500), "more than 1,000 records")


def test_a_workbook_of_blank_rows_is_refused_too(review, owner, settings):
    settings.IMPORT_MAX_RECORDS = 1000
    _refused(review, owner, "blank.xlsx", _xlsx(3000, blank=True), "more than 1,000 records")


def test_a_workbook_that_unpacks_past_the_byte_limit_is_refused_before_it_is_read(review, owner, settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1024 * 1024
    _refused(review, owner, "wide.xlsx", _xlsx(20_000), "unpacks to")


def test_text_exports_have_the_same_record_limit(review, owner, settings):
    settings.IMPORT_MAX_RECORDS = 50
    _refused(review, owner, "big.ris", ris_records(60), "more than 50 records")


def test_a_gzip_file_that_unpacks_past_the_byte_limit_is_refused_before_it_is_unpacked(
    review, owner, settings
):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1024 * 1024
    bomb = gzip.compress(bytes(8 * 1024 * 1024))
    _refused(
        review, owner, "bomb.ris.gz", bomb, "the gzip file unpacks to more than the 1 MB one file may hold"
    )


def test_compressed_text_exports_have_the_same_record_limit(review, owner, settings):
    settings.IMPORT_MAX_RECORDS = 50
    _refused(review, owner, "big.ris.gz", gzip.compress(ris_records(60)), "more than 50 records")


def test_a_compressed_export_within_the_limits_imports(review, owner):
    batch = import_file(review, owner, "studies.ris.gz", gzip.compress(ris_records(40)), source="Scopus")
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert (batch.format, batch.records_count) == ("ris", 40)
    assert SourceRecord.objects.filter(review=review).count() == 40


def test_the_limit_stops_the_reader_at_the_first_record_past_it():
    """Not after the whole file is in memory: the reader is cut off as record limit + 1 is made."""
    made = []
    from reviews.parsers import base

    original = base.ParsedRecord.__post_init__

    def counting(self):
        made.append(self.position)
        original(self)

    base.ParsedRecord.__post_init__ = counting
    token = parse_limits.set(ParseLimits(max_records=100))
    try:
        try:
            parse_export(ris_records(1000), filename="big.ris")
        except Exception as error:  # noqa: BLE001 - the refusal is what is checked below
            assert "more than 100 records" in str(error)
    finally:
        parse_limits.reset(token)
        base.ParsedRecord.__post_init__ = original
    assert max(made) == 101


def test_a_file_within_the_limits_imports(review, owner, settings):
    settings.IMPORT_MAX_RECORDS = 1000
    batch = import_file(review, owner, "fine.xlsx", _xlsx(1000), source="Scopus")
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert batch.records_count == 1000
