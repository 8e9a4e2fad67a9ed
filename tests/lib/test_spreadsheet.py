import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lib.spreadsheet import Table, spreadsheet_safe, table_bytes, table_csv, workbook_xlsx


def test_texts_a_spreadsheet_would_run_are_neutralised():
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for dangerous in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(dangerous) == "'" + dangerous
    assert spreadsheet_safe("Smith") == "Smith"
    assert spreadsheet_safe(-1) == -1


def test_csv_writes_blanks_dates_and_safe_text():
    table = Table("t", ["name", "when", "n"], [["=cmd()", datetime.date(2024, 5, 1), None]])
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    assert rows == [["name", "when", "n"], ["'=cmd()", "2024-05-01", ""]]


def test_a_workbook_has_one_sheet_per_table_with_numbers_kept_and_text_made_safe():
    tables = [
        Table(
            "Domains: barriers/facilitators [all]", ["domain", "n"], [["=x", -4], ["ok\x07", Decimal("2.5")]]
        ),
        Table("Domains: barriers/facilitators [all]", ["a"], [["b"]]),
        Table("", ["a"], []),
    ]
    workbook = load_workbook(io.BytesIO(workbook_xlsx(tables)))
    titles = workbook.sheetnames
    assert len(titles) == 3 and len(set(titles)) == 3 and all(len(title) <= 31 for title in titles)
    assert not any(character in "".join(titles) for character in "[]:*?/\\")
    sheet = workbook[titles[0]]
    assert [cell.value for cell in sheet[2]] == ["'=x", -4]
    assert [cell.value for cell in sheet[3]] == ["ok", 2.5]
    assert sheet.freeze_panes == "A2"


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown table format"):
        table_bytes(Table("t", ["a"]), "ods")
    assert table_bytes(Table("t", ["a"]), "csv") == b"a\r\n"
