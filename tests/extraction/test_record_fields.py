"""Authors, year, journal and DOI come from the study record: shown on the extraction page and written into
the exports as the record's columns, never typed in by the extractors."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from extraction import services
from extraction.exports import STUDY_COLUMNS
from reviews.models import Record
from reviews.services.records import record_edit
from tests.extraction.helpers import extract

RECORD = {
    "authors": ["Okafor, N", "Lindqvist, E"],
    "year": 2019,
    "journal": "BMJ Open",
    "doi": "10.1136/bmjopen-2019-012345",
}


@pytest.fixture
def study(review, owner, studies):
    """The first study, its record corrected by the owner (so that the values are the record's own)."""
    return record_edit(actor=owner, record=Record.objects.get(pk=studies[0].pk), **RECORD)


@pytest.fixture
def reconciled(review, lead, reviewer, second_reviewer, study, fields):
    for person in (reviewer, second_reviewer):
        extract(review, study, person, fields, submit=True)
    choices = {field.pk: {"source": "agreed", "version": 0} for field in fields.values()}
    services.extraction_reconcile(review=review, record=study, lead=lead, choices=choices)
    return study


def test_the_extraction_page_shows_them_from_the_record(review, reviewer, study, fields, client_for):
    page = client_for(reviewer).get(f"/r/{review.slug}/extraction/{study.pk}/").content.decode()
    assert "From the study record" in page
    assert "<dt>Authors</dt><dd>Okafor, N; Lindqvist, E</dd>" in page
    assert "<dt>Year</dt><dd>2019</dd>" in page and "<dt>Journal</dt><dd>BMJ Open</dd>" in page
    assert (
        f'<a href="https://doi.org/{RECORD["doi"]}" target="_blank" rel="noopener">{RECORD["doi"]}</a>'
        in page
    )
    # The form asks none of them.
    assert not {"Author", "Authors", "Year", "Journal", "DOI"} & set(fields)


def test_the_reconciled_csv_and_xlsx_carry_them_as_the_records_columns(review, lead, reconciled, client_for):
    assert STUDY_COLUMNS == ["record_id", "title", "authors", "year", "journal", "doi"]
    client = client_for(lead)
    expected = [reconciled.pk, reconciled.title, "Okafor, N; Lindqvist, E", 2019, "BMJ Open", RECORD["doi"]]

    header, *rows = csv.reader(
        io.StringIO(client.get(f"/r/{review.slug}/extraction/export.csv").content.decode())
    )
    assert header[:6] == STUDY_COLUMNS
    [row] = [row for row in rows if row[0] == str(reconciled.pk)]
    assert row[:6] == [str(value) for value in expected]

    sheet = load_workbook(io.BytesIO(client.get(f"/r/{review.slug}/extraction/export.xlsx").content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0][:6]) == STUDY_COLUMNS
    [row] = [row for row in table[1:] if row[0] == reconciled.pk]
    assert list(row[:6]) == expected and type(row[3]) is int


def test_the_raw_answers_carry_them_too(review, lead, reconciled, client_for):
    response = client_for(lead).get(f"/r/{review.slug}/extraction/export.csv?table=raw")
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    assert header[:8] == [*STUDY_COLUMNS, "reviewer", "status"]
    ours = [row for row in rows if row[0] == str(reconciled.pk)]
    assert len(ours) == 2 and {(row[4], row[5]) for row in ours} == {("BMJ Open", RECORD["doi"])}


def test_a_corrected_record_is_what_the_export_says(review, owner, lead, reconciled, client_for):
    record_edit(actor=owner, record=reconciled, year=2020)
    header, *rows = csv.reader(
        io.StringIO(client_for(lead).get(f"/r/{review.slug}/extraction/export.csv").content.decode())
    )
    [row] = [row for row in rows if row[0] == str(reconciled.pk)]
    assert row[header.index("year")] == "2020"
