import codecs

import pytest

from reviews.parsers import ImportFormatError

from .helpers import fixture_bytes, only_record, parse, parse_fixture


def enw(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_it_reads_endnote_tagged_records():
    result = parse_fixture("endnote.enw")

    record = result.records[0]
    assert result.format == "endnote-tagged"
    assert [r.line for r in result.records] == [1, 32, 48]
    assert record.title == (
        "Balloon guide catheters in thrombectomy for acute ischaemic stroke: a multicentre registry"
    )
    assert record.journal == "Stroke"
    assert (record.year, record.volume, record.issue, record.pages) == (2018, "49", "7", "1650-1656")
    assert (record.language, record.publication_type) == ("eng", "Journal Article")
    assert record.urls == ["https://www.ncbi.nlm.nih.gov/pubmed/30123456"]


def test_it_keeps_authors_in_their_order_and_editors_raw():
    first, second, _ = parse_fixture("endnote.enw").records

    assert first.authors == ["Zaidat, Osama O.", "García-Pérez, María", "Åberg, Lena"]
    assert second.authors == ["Smith, Tom"]
    assert second.raw["%E"] == ["Jones, Ann", "Brown, Bob"]


def test_it_joins_continuation_lines_and_keeps_a_paragraph_break_inside_the_record():
    record = parse_fixture("endnote.enw").records[0]

    assert record.abstract == (
        "BACKGROUND AND PURPOSE: Balloon guide catheters may improve outcomes. "
        "METHODS: We studied 1,126 patients in 12 centres."
    )
    assert record.raw["%X"] == [
        "BACKGROUND AND PURPOSE: Balloon guide catheters may improve outcomes.\n\n"
        "METHODS: We studied 1,126 patients in 12 centres."
    ]
    assert record.raw["%@"] == ["1524-4628 (Electronic)\n0039-2499 (Linking)"]


def test_it_takes_the_secondary_title_as_journal_when_there_is_no_j():
    first, second, third = parse_fixture("endnote.enw").records

    assert first.raw["%J"] == ["Stroke"]
    assert second.journal == "A clinical handbook of stroke"
    assert third.journal == "Disability and Rehabilitation"


def test_it_normalises_the_doi_from_r_or_a_doi_link():
    first, second, third = parse_fixture("endnote.enw").records

    assert first.doi == "10.1161/strokeaha.118.012345"
    assert second.doi == "10.1000/book.2019.7"
    assert third.doi == ""


def test_it_reads_keywords_one_per_line_several_k_lines_and_semicolon_lists():
    first, second, _ = parse_fixture("endnote.enw").records

    assert first.keywords == ["Humans", "Thrombectomy/*methods", "balloon guide catheter"]
    assert second.keywords == ["stroke", "thrombolysis"]


def test_it_takes_the_accession_number_as_record_id_and_the_label_when_there_is_none():
    first, second, third = parse_fixture("endnote.enw").records

    assert (first.source_record_id, first.pmid) == ("30123456", "30123456")
    assert (second.source_record_id, second.pmid) == ("Smith2019", "")
    assert (third.source_record_id, third.pmid) == ("WOS:000620000000001", "")


def test_it_keeps_every_other_tag_raw():
    first, second, third = parse_fixture("endnote.enw").records

    assert first.raw["%+"] == ["Neuroscience Institute, Toledo, OH, USA."]
    assert first.raw["%2"] == ["PMC6000001"]
    assert first.raw["%9"] == ["Multicenter Study"]
    assert (second.raw["%I"], second.raw["%C"], second.raw["%Z"]) == (
        ["Oxford University Press"],
        ["Oxford"],
        ["Cited by 12"],
    )
    assert third.raw["%8"] == ["March  3, 2021"]


def test_a_record_may_open_with_any_tag():
    record = parse_fixture("endnote.enw").records[2]

    assert record.line == 48
    assert record.title == "Rehabilitation after stroke: a scoping review"
    assert record.publication_type == ""


def test_it_takes_the_year_from_the_date_when_there_is_no_d():
    record = only_record(enw("%T One", "%8 March 3, 2021"), filename="refs.enw")

    assert record.year == 2021


def test_a_second_type_or_title_starts_a_new_record_even_without_a_blank_line():
    result = parse(
        enw("%0 Journal Article", "%T One", "%0 Journal Article", "%T Two", "%T Three", "%0 Book"),
        filename="refs.enw",
    )

    assert [(r.title, r.publication_type, r.line) for r in result.records] == [
        ("One", "Journal Article", 1),
        ("Two", "Journal Article", 3),
        ("Three", "Book", 5),
    ]


def test_a_percent_line_that_is_not_a_tag_continues_the_field():
    record = only_record(enw("%T One", "%X Response rose by", "%50 of baseline", "% of them"), "refs.enw")

    assert record.abstract == "Response rose by %50 of baseline % of them"


def test_it_warns_about_lines_before_the_first_record():
    result = parse(enw("My EndNote library", "", "%0 Journal Article", "%T One"), filename="refs.txt")

    assert len(result.records) == 1
    assert result.warnings == ["1 line(s) before the first record were ignored (line 1)"]


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("utf-16"), "utf-16"),
        (lambda text: text.replace("\n", "\r\n").encode("cp1252"), "cp1252"),
    ],
    ids=["crlf", "bom", "utf-16", "cp1252-crlf"],
)
def test_line_ends_byte_order_marks_and_windows_code_pages_read_alike(encode, encoding):
    text = fixture_bytes("endnote.enw").decode("utf-8")
    expected = parse_fixture("endnote.enw").records

    result = parse(encode(text), filename="endnote.enw")

    assert (result.format, result.encoding) == ("endnote-tagged", encoding)
    assert result.records == expected


def test_a_file_cut_off_mid_record_keeps_what_it_has():
    # The format has no end-of-record marker, so a cut is only visible as a short last record.
    data = fixture_bytes("endnote.enw")
    cut = data[: data.index(b"%C Oxford")]

    result = parse(cut, filename="endnote.enw")

    assert [r.title for r in result.records] == [
        "Balloon guide catheters in thrombectomy for acute ischaemic stroke: a multicentre registry",
        "Management of acute stroke",
    ]


def test_a_file_without_tagged_lines_is_refused_naming_the_file():
    with pytest.raises(ImportFormatError) as caught:
        parse(fixture_bytes("refs.bib"), filename="refs.enw", format="endnote-tagged")

    assert str(caught.value) == (
        "refs.enw: no records found: read as EndNote tagged (Refer/.enw), but no tagged lines such as "
        "'%T ' or '%A '"
    )
