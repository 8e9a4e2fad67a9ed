import io
import re

import openpyxl
import pytest

from reviews.parsers import FORMATS, ImportFormatError, detect_format

from .helpers import fixture_bytes, parse


def detect(data: bytes | str, filename: str = "upload") -> str:
    return detect_format(data.encode() if isinstance(data, str) else data, filename=filename)


def workbook_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Title"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_format_codes_are_the_agreed_ones():
    assert FORMATS == (
        "ris",
        "nbib",
        "pubmed-csv",
        "pubmed-xml",
        "endnote-xml",
        "endnote-tagged",
        "bibtex",
        "wos",
        "csv",
        "xlsx",
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ovid_medline.ris", "ris"),
        ("ebsco_cinahl.ris", "ris"),
        ("pubmed.nbib", "nbib"),
        ("pmc_medlars.txt", "nbib"),
        ("savedrecs.ciw", "wos"),
        ("endnote.xml", "endnote-xml"),
        ("zotero.xml", "endnote-xml"),
        ("endnote.enw", "endnote-tagged"),
        ("pubmed.xml", "pubmed-xml"),
        ("refs.bib", "bibtex"),
        ("scopus.csv", "csv"),
        ("pubmed.csv", "pubmed-csv"),
    ],
)
def test_it_detects_each_fixture(name, expected):
    assert detect(fixture_bytes(name), filename=name) == expected


def test_it_detects_xlsx_workbooks_from_their_content():
    assert detect(workbook_bytes(), filename="export.bin") == "xlsx"


def test_it_decides_by_content_not_by_file_name():
    assert detect(fixture_bytes("pubmed.nbib"), filename="looks_like.csv") == "nbib"
    assert detect(fixture_bytes("refs.bib"), filename="refs.ris") == "bibtex"


def test_it_looks_past_preambles_to_the_first_record():
    jstor = (
        "Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\nContent: text/plain\n\n\nTY  - JOUR\nER  - \n"
    )

    assert detect(jstor) == "ris"
    assert detect("% a comment line\n\n@article{key, title={T}}\n") == "bibtex"


def test_it_uses_the_extension_only_to_break_a_tie():
    two_letter_tags_only = "TI  - A title\nAU  - Smith J\n"

    assert detect(two_letter_tags_only, filename="refs.nbib") == "nbib"
    assert detect(two_letter_tags_only, filename="refs.ris") == "ris"
    assert detect("merged_ids\nid_1;id_2\n", filename="groups.csv") == "csv"


def test_an_explicit_format_overrides_detection():
    with pytest.raises(ImportFormatError, match="every RIS record must start with a TY line"):
        parse(fixture_bytes("pubmed.nbib"), filename="pubmed.nbib", format="ris")


def test_an_explicit_tsv_is_read_as_csv():
    assert parse("Title\tYear\nOne\t2020\n", filename="x", format="tsv").format == "csv"


def test_it_rejects_an_unknown_format_name():
    with pytest.raises(ImportFormatError, match="unknown format 'marc'; expected one of ris, nbib"):
        parse(fixture_bytes("refs.bib"), filename="refs.bib", format="marc")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("<!DOCTYPE html>\n<html><body>Sign in</body></html>", "line 1: this is an HTML web page"),
        (
            "<?xml version='1.0'?><catalog><book/></catalog>",
            "this is XML but neither an EndNote XML nor a PubMed XML export",
        ),
        (
            "Just some notes about my review.\nNothing else.\n",
            "line 1: this does not look like a bibliographic",
        ),
        (b"%PDF-1.4\n", "this is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "old-style Office file (.xls or .doc)"),
    ],
)
def test_it_refuses_files_that_are_not_bibliographic_exports(data, message):
    with pytest.raises(ImportFormatError, match=re.escape(message)) as caught:
        detect(data, filename="upload.dat")

    assert caught.value.filename == "upload.dat"
    assert str(caught.value).startswith("upload.dat")


def test_it_detects_refer_records_whatever_tag_opens_them():
    assert detect("%T A title\n%A Guo, W\n%D 2021\n", filename="ais.txt") == "endnote-tagged"
    assert detect("Exported from EndNote\n\n%0 Journal Article\n%T A title\n") == "endnote-tagged"


def test_a_bibtex_comment_is_not_taken_for_a_refer_tag():
    assert detect("% A comment line\n%%Another\n@article{key, title={T}}\n") == "bibtex"


@pytest.mark.parametrize(
    "xml",
    [
        "<?xml version='1.0'?><PubmedArticleSet></PubmedArticleSet>",
        "<!-- saved from PubMed <records> -->\n<PubmedArticleSet/>",
        "<PubmedBookArticleSet><PubmedBookArticle/></PubmedBookArticleSet>",
        '<!DOCTYPE MedlineCitationSet PUBLIC "-//NLM//DTD Medline Citation, 1st January, 2016//EN" '
        '"nlmmedlinecitationset_160101.dtd">\n<MedlineCitationSet><MedlineCitation/></MedlineCitationSet>',
    ],
)
def test_it_detects_pubmed_xml_by_its_root_element(xml):
    assert detect(xml, filename="export.xml") == "pubmed-xml"


def test_an_endnote_xml_record_that_mentions_pubmed_stays_endnote_xml():
    xml = "<xml><records><record><notes>PubmedArticleSet</notes></record></records></xml>"

    assert detect(xml, filename="export.xml") == "endnote-xml"


def test_parse_export_reports_the_format_it_detected():
    assert parse(fixture_bytes("savedrecs.ciw"), filename="savedrecs.txt").format == "wos"
