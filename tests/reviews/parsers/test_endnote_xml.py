import pytest

from reviews.parsers import ImportFormatError

from .helpers import fixture_bytes, parse, parse_fixture


def test_it_reads_endnote_records_whose_text_is_wrapped_in_style_elements():
    result = parse_fixture("endnote.xml")

    record = result.records[0]
    assert result.format == "endnote-xml"
    assert record.title == "Herbal gel for Propionibacterium acnes"
    assert record.authors == ["Shahid, M. A.", "Åberg, Lena"]
    assert record.journal == "Advanced Biomedical Research"
    assert (record.year, record.volume, record.issue, record.pages) == (2018, "7", "4", "53-60")
    assert record.abstract == "Background: an abstract & more."
    assert record.keywords == ["Acne", "Gels"]
    assert record.urls == ["https://example.org/article/29657938"]


def test_it_reads_the_rec_number_doi_and_pubmed_accession():
    record = parse_fixture("endnote.xml").records[0]

    assert record.source_record_id == "895"
    assert record.doi == "10.4103/abr.abr_99_17"
    assert record.pmid == "29657938"
    assert record.publication_type == "Journal Article"


def test_it_keeps_every_element_and_attribute_in_raw():
    raw = parse_fixture("endnote.xml").records[0].raw

    assert raw["database@path"] == ["C:\\Users\\me\\Review.enl"]
    assert raw["foreign-keys/key@db-id"] == ["axw9"]
    assert raw["ref-type"] == ["17"]
    assert raw["isbn"] == ["2277-9175 (Print)\n2277-9175"]
    assert raw["dates/pub-dates/date"] == ["Mar 27"]


def test_it_falls_back_to_doi_links_and_pmid_notes():
    record = parse_fixture("endnote.xml").records[1]

    assert record.doi == "10.1000/chapter.5"
    assert record.pmid == "21000001"
    assert record.authors == []
    assert record.journal == "A Book"


def test_it_gives_each_record_the_line_its_record_element_starts_on():
    assert [r.line for r in parse_fixture("endnote.xml").records] == [1, 2]


def test_it_reads_zotero_records_without_rec_numbers_or_style_elements():
    result = parse_fixture("zotero.xml")

    record = result.records[0]
    assert len(result.records) == 2
    assert record.source_record_id == ""
    assert record.authors == ["Rotter, Carina", "Whitaker, Dan"]
    assert record.issue == "3"
    assert record.doi == "10.1111/jvim.16404"


def test_it_reads_mendeley_accession_numbers_as_pmids():
    record = parse_fixture("mendeley.xml").records[0]

    assert record.pmid == "35319117"
    assert record.raw["urls"] == [""]


def test_it_refuses_a_billion_laughs_document_naming_the_line_of_the_dtd():
    with pytest.raises(ImportFormatError) as caught:
        parse_fixture("billion_laughs.xml")

    assert str(caught.value).startswith("billion_laughs.xml, line 2: the XML declares a DTD")
    assert "refused for safety" in str(caught.value)


def test_it_refuses_an_external_entity_even_when_told_the_format():
    with pytest.raises(ImportFormatError, match=r"external_entity.xml, line 2: .*refused for safety"):
        parse(fixture_bytes("external_entity.xml"), filename="external_entity.xml", format="endnote-xml")


def test_it_refuses_an_entity_declared_without_a_doctype_wrapper():
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml><records><record/></records></xml>'

    with pytest.raises(ImportFormatError, match="refused for safety"):
        parse(data, filename="refs.xml", format="endnote-xml")


def test_it_names_the_line_of_malformed_xml():
    data = b"<xml>\n<records>\n<record><title>Unclosed</record>\n</records></xml>"

    with pytest.raises(
        ImportFormatError, match=r"refs.xml, line 3: the XML is not well-formed \(mismatched tag"
    ):
        parse(data, filename="refs.xml")


def test_it_refuses_xml_without_records():
    with pytest.raises(ImportFormatError, match="no <record> elements"):
        parse(b"<xml><records></records></xml>", filename="refs.xml")
