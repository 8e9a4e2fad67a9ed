"""Exports saved as UTF-16 without a byte-order mark, through the whole import job."""

from reviews.models import ImportBatch, Record, SourceRecord
from tests.reviews.importing import import_file

RIS = (
    "TY  - JOUR\r\nTI  - Évaluation d’un programme de soins\r\nAU  - Ñúñez, José\r\nPY  - 2020\r\nER  - \r\n"
)


def test_a_utf16_export_without_a_byte_order_mark_imports(review, owner):
    batch = import_file(review, owner, "ovid.ris", (RIS * 3).encode("utf-16-le"), source="Ovid")

    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert (batch.format, batch.encoding, batch.records_count) == ("ris", "utf-16-le", 3)
    first = SourceRecord.objects.filter(batch=batch).order_by("position").first()
    assert (first.title, first.authors) == ("Évaluation d’un programme de soins", ["Ñúñez, José"])


def test_one_that_does_not_read_as_utf16_fails_saying_how_to_save_it_and_writes_nothing(review, owner):
    cut_short = (RIS * 3).encode("utf-16-le")[:-1]

    batch = import_file(review, owner, "ovid.ris", cut_short, source="Ovid")

    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error.startswith("ovid.ris: this may be UTF-16 little-endian text")
    assert "save it again as UTF-8" in batch.error
    assert not Record.objects.filter(review=review).exists()
    assert not SourceRecord.objects.filter(review=review).exists()
