import csv
import io
import json

import pytest
import rispy
from django.core.management import CommandError, call_command

from reviews.models import ImportBatch, SourceRecord
from tests.reviews.importing import FIXTURES


def test_import_records_ends_with_a_json_line(review, capsys):
    call_command("import_records", review.slug, str(FIXTURES / "three.ris"), "--source", "Embase", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["format"] == "ris" and summary["records"] == 3
    assert {"batch", "auto_merged", "possible_duplicates", "seconds"} <= set(summary)


def test_import_records_refuses_bad_input_and_writes_nothing(review, tmp_path):
    bad = tmp_path / "cut.ris"
    bad.write_bytes(b"TY  - JOUR\nTI  - Cut off\n")
    with pytest.raises(CommandError, match=r"cut.ris, line \d"):
        call_command("import_records", review.slug, str(bad), "--source", "Embase")
    assert not ImportBatch.objects.exists() and not SourceRecord.objects.exists()


def test_import_records_honours_a_format_override(review, capsys):
    with pytest.raises(CommandError):
        call_command(
            "import_records",
            review.slug,
            str(FIXTURES / "three.ris"),
            "--source",
            "X",
            "--format",
            "endnote-xml",
        )
    assert not ImportBatch.objects.exists()


def test_export_records_csv_has_one_row_per_source_record(review_with_records, tmp_path):
    output = tmp_path / "records.csv"
    call_command("export_records", review_with_records.slug, "--format", "csv", "--output", str(output))
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert len(rows) == 5
    merged = [row for row in rows if row["doi"] == "10.1186/s12889-019-0001-1"]
    assert {row["source"] for row in merged} == {"Embase", "PubMed"}
    assert len({row["record_id"] for row in merged}) == 1
    assert {"source_record_id", "title", "authors", "year", "journal", "pmid"} <= set(rows[0])


def test_export_records_ris_has_one_entry_per_study(review_with_records, tmp_path):
    output = tmp_path / "records.ris"
    call_command("export_records", review_with_records.slug, "--format", "ris", "--output", str(output))
    entries = rispy.loads(output.read_text())
    assert len(entries) == 4
    assert any(entry.get("doi") == "10.1186/s12889-019-0001-1" for entry in entries)
