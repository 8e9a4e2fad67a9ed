import codecs

import pytest

from reviews.parsers import ImportFormatError

from .helpers import fixture_bytes, parse, parse_fixture


def test_it_reads_web_of_science_tagged_records():
    result = parse_fixture("savedrecs.ciw")

    record = result.records[0]
    assert result.format == "wos"
    assert [r.line for r in result.records] == [3, 30]
    assert (
        record.title == "Soil fauna diversity at different stages of reed restoration in a lakeshore wetland"
    )
    assert record.journal == "ECOSYSTEM HEALTH AND SUSTAINABILITY"
    assert (record.year, record.volume, record.issue, record.pages) == (2020, "6", "1", "12-20")
    assert (record.doi, record.pmid) == ("10.1080/20964129.2020.1722034", "31851837")
    assert record.source_record_id == "WOS:000514379300001"
    assert (record.language, record.publication_type) == ("English", "Article")


def test_it_prefers_full_author_names_and_reads_each_continuation_line_as_another_author():
    record = parse_fixture("savedrecs.ciw").records[0]

    assert record.authors == ["Li, Wei", "Dou, Zhiguo"]
    assert record.raw["AU"] == ["Li, W", "Dou, Z"]
    assert len(record.raw["C1"]) == 2


def test_it_splits_author_keywords_and_keywords_plus_on_semicolons():
    record = parse_fixture("savedrecs.ciw").records[0]

    assert record.keywords == ["soil fauna", "restoration", "wetland", "DIVERSITY", "COMMUNITIES"]


def test_it_joins_wrapped_abstract_lines():
    record = parse_fixture("savedrecs.ciw").records[0]

    assert record.abstract == "Wetland soil fauna support material cycling. A second line of the abstract."


def test_it_reads_a_file_that_starts_with_a_byte_order_mark():
    result = parse(codecs.BOM_UTF8 + fixture_bytes("savedrecs.ciw"), filename="zoorec.txt")

    assert (result.format, result.encoding, len(result.records)) == ("wos", "utf-8-sig", 2)


def test_it_ignores_everything_after_ef():
    data = fixture_bytes("savedrecs.ciw") + b"\nPT J\nTI never read\n"

    assert len(parse(data, filename="savedrecs.txt").records) == 2


def test_it_names_the_line_of_a_record_without_er():
    data = b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI One\nER\n\nPT J\nTI Two\n"

    with pytest.raises(ImportFormatError) as caught:
        parse(data, filename="savedrecs.txt")

    assert str(caught.value) == (
        "savedrecs.txt, line 7: record 2 starts with PT but has no ER before the end of the file"
    )


def test_it_names_the_line_of_a_tag_outside_any_record():
    data = b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI One\nER\nTI Stray\n"

    with pytest.raises(ImportFormatError, match=r"savedrecs.txt, line 6: tag TI appears outside any record"):
        parse(data, filename="savedrecs.txt")
