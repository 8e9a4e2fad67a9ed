"""Exports: the reconciled table to every member, raw answers by role, the formula-injection guard."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from extraction import services
from tests.extraction.helpers import extract, fields_by_label


def _reconcile_all(review, lead, study, fields):
    choices = {field.pk: {"source": "agreed", "version": 0} for field in fields.values()}
    services.extraction_reconcile(review=review, record=study, lead=lead, choices=choices)


@pytest.fixture
def reconciled(review, lead, reviewer, second_reviewer, studies, fields):
    services.form_field_create(
        section=fields["Country"].section, actor=lead, label="Effect size", field_type="decimal"
    )
    fields = fields_by_label(review)
    values = {
        "Aims": '=HYPERLINK("http://evil")',
        "Key findings": "-2 fewer visits",
        "Effect size": "-0.25",
        "Number of participants": "-5",
        "Intervention": "@SUM(A1)",
    }
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, values, submit=True)
    _reconcile_all(review, lead, studies[0], fields)
    return fields


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_reconciled_csv_has_a_row_per_study_and_neutralised_cells(
    review, reconciled, second_reviewer, client_for
):
    response = client_for(second_reviewer).get(f"/r/{review.slug}/extraction/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = _rows(response)
    assert header[:6] == ["record_id", "title", "authors", "year", "journal", "doi"]
    assert "Key findings" in header
    assert len(rows) == 3
    row = dict(zip(header, rows[0], strict=True))
    assert row["Aims"] == '\'=HYPERLINK("http://evil")'
    assert row["Key findings"] == "'-2 fewer visits"
    assert row["Intervention"] == "'@SUM(A1)"
    assert row["Number of participants"] == "-5"  # a number, not a formula


def test_the_xlsx_opens_with_numbers_as_numbers(review, reconciled, lead, client_for):
    response = client_for(lead).get(f"/r/{review.slug}/extraction/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["Number of participants"] == -5 and isinstance(row["Number of participants"], int)
    assert Decimal(str(row["Effect size"])) == Decimal("-0.25") and not isinstance(row["Effect size"], str)
    assert row["Aims"].startswith("'=") and row["Key findings"] == "'-2 fewer visits"
    assert sheet.max_row == 4


def test_raw_answers_of_others_go_to_the_lead_only(
    review, reconciled, reviewer, second_reviewer, lead, client_for
):
    lead_rows = _rows(client_for(lead).get(f"/r/{review.slug}/extraction/export.csv?table=raw"))
    reviewer_column = lead_rows[0].index("reviewer")
    assert sorted(row[reviewer_column] for row in lead_rows[1:]) == ["bob", "carol"]
    only_bob = _rows(client_for(lead).get(f"/r/{review.slug}/extraction/export.csv?table=raw&reviewer=bob"))
    assert [row[reviewer_column] for row in only_bob[1:]] == ["bob"]
    own = _rows(client_for(second_reviewer).get(f"/r/{review.slug}/extraction/export.csv?table=raw"))
    assert [row[reviewer_column] for row in own[1:]] == ["carol"]
    refused = client_for(second_reviewer).get(
        f"/r/{review.slug}/extraction/export.csv?table=raw&reviewer=bob"
    )
    assert refused.status_code == 403
    sheet = load_workbook(
        io.BytesIO(
            client_for(second_reviewer).get(f"/r/{review.slug}/extraction/export.xlsx?table=raw").content
        )
    ).active
    assert [row[reviewer_column].value for row in sheet.iter_rows(min_row=2)] == ["carol"]


def test_archived_fields_stay_out_unless_asked_for_and_are_flagged(review, reconciled, lead, client_for):
    services.form_field_archive(field=reconciled["Intervention"], actor=lead)
    client = client_for(lead)
    assert "Intervention" not in _rows(client.get(f"/r/{review.slug}/extraction/export.csv"))[0]
    header, first, *_ = _rows(client.get(f"/r/{review.slug}/extraction/export.csv?archived=1"))
    assert "Intervention [archived]" in header
    assert dict(zip(header, first, strict=True))["Intervention [archived]"] == "'@SUM(A1)"


def test_an_unknown_format_or_table_is_not_found(review, lead, client_for):
    client = client_for(lead)
    assert client.get(f"/r/{review.slug}/extraction/export.pdf").status_code == 404
    assert client.get(f"/r/{review.slug}/extraction/export.csv?table=secret").status_code == 404


def test_the_command_exports_the_reconciled_table_and_one_reviewers_answers(review, reconciled, tmp_path):
    out = io.StringIO()
    call_command("export_extraction", review.slug, "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 4 and rows[1][rows[0].index("Aims")].startswith("'=")
    target = tmp_path / "bob.xlsx"
    call_command(
        "export_extraction", review.slug, "--format", "xlsx", "--reviewer", "bob", "--output", str(target)
    )
    sheet = load_workbook(target).active
    reviewer_column = [cell.value for cell in sheet[1]].index("reviewer")
    assert [row[reviewer_column].value for row in sheet.iter_rows(min_row=2)] == ["bob"]
    with pytest.raises(CommandError, match="not a member"):
        call_command("export_extraction", review.slug, "--format", "csv", "--reviewer", "nobody")
    with pytest.raises(CommandError, match="No review"):
        call_command("export_extraction", "missing", "--format", "csv")
