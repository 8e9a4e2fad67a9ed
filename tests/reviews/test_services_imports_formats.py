"""The PubMed XML and EndNote tagged readers through the whole import job, the command and the upload form."""

import json

import pytest
from django.core.management import call_command

from reviews.forms import ImportFileForm
from reviews.models import ImportBatch, SourceRecord
from tests.reviews.importing import import_file
from tests.reviews.parsers.helpers import FIXTURES, fixture_bytes


@pytest.mark.parametrize(
    ("name", "format", "count", "first_title"),
    [
        ("pubmed.xml", "pubmed-xml", 3, "Balloon guide catheters in thrombectomy for acute ischaemic stroke"),
        (
            "endnote.enw",
            "endnote-tagged",
            3,
            "Balloon guide catheters in thrombectomy for acute ischaemic stroke",
        ),
    ],
)
def test_it_imports_each_new_format_with_its_raw_fields(review, owner, name, format, count, first_title):
    batch = import_file(review, owner, name, fixture_bytes(name), source="PubMed")

    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert (batch.format, batch.records_count) == (format, count)
    first = SourceRecord.objects.filter(batch=batch).order_by("position").first()
    assert first.title.startswith(first_title)
    assert first.doi == "10.1161/strokeaha.118.012345" and first.source_record_id == "30123456"
    assert first.raw


def test_a_truncated_pubmed_xml_file_fails_naming_the_line_and_writes_nothing(review, owner):
    content = fixture_bytes("pubmed.xml")[:2000]

    batch = import_file(review, owner, "cut.xml", content)

    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error.startswith("cut.xml, line ")
    assert not SourceRecord.objects.filter(review=review).exists()


@pytest.mark.parametrize(
    ("name", "format"), [("pubmed.xml", "pubmed-xml"), ("endnote.enw", "endnote-tagged")]
)
def test_import_records_accepts_the_new_format_names(review, capsys, name, format):
    call_command(
        "import_records",
        review.slug,
        str(FIXTURES / name),
        "--source",
        "PubMed",
        "--format",
        format,
        "--json",
    )

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["format"], summary["records"]) == (format, 3)


def test_the_upload_form_offers_the_new_formats():
    choices = dict(ImportFileForm().fields["requested_format"].choices)

    assert choices["pubmed-xml"] == "PubMed XML"
    assert choices["endnote-tagged"] == "EndNote tagged (Refer/.enw)"
