import pytest

from reviews.parsers import ImportFormatError

from .helpers import only_record, parse, parse_fixture


def test_it_uses_entry_keys_as_source_record_ids_and_keeps_entry_types():
    result = parse_fixture("refs.bib")

    assert result.format == "bibtex"
    assert [r.source_record_id for r in result.records] == ["kowalski2021", "Garcia_2019", "kowalski2021"]
    assert [r.publication_type for r in result.records] == ["article", "inproceedings", "article"]
    assert [r.line for r in result.records] == [4, 18, 26]


def test_it_splits_authors_on_and_but_not_inside_braces():
    record = parse_fixture("refs.bib").records[0]

    assert record.authors == ["Kowalski, Marta", "Müller, Jörg", "Barnes and Noble Research Group"]


def test_it_decodes_latex_accents_and_drops_protective_braces():
    first, second, _ = parse_fixture("refs.bib").records

    assert first.title == "Machine learning for COVID-19 screening in Schönbrunn"
    assert second.authors == ["García, José", "Škoda, Petr"]
    assert first.raw["title"] == ['Machine learning for {COVID}-19 screening in {S}ch{\\"o}nbrunn']


def test_it_resolves_string_macros_and_reads_the_other_fields():
    record = parse_fixture("refs.bib").records[0]

    assert record.journal == "Research Synthesis Methods"
    assert (record.year, record.volume, record.issue, record.pages) == (2021, "12", "2", "221-235")
    assert record.doi == "10.1002/jrsm.1472"
    assert record.keywords == ["active learning", "screening"]
    assert record.urls == ["https://example.org/paper"]


def test_it_reads_booktitles_as_the_journal_and_unescapes_dois():
    record = parse_fixture("refs.bib").records[1]

    assert record.journal == "Proceedings of the Evidence Conference"
    assert record.doi == "10.1000/xyz_123"
    assert record.year == 2019


def test_it_keeps_an_entry_with_a_duplicate_key_and_warns():
    result = parse_fixture("refs.bib")

    assert result.records[2].title == "A second entry that reuses a key"
    assert result.warnings == ["line 26: Duplicate entry key 'kowalski2021'; the entry was kept as written"]


def test_it_keeps_both_values_of_a_duplicate_field():
    text = "@article{k, title={T}, note={first}, note={second}}\n"

    record = only_record(text, filename="refs.bib")

    assert record.raw["note"] == ["first", "second"]
    assert record.title == "T"


def test_it_reads_an_entry_with_unbalanced_braces_line_by_line():
    text = (
        "@article{first,\nTitle = {Fine},\n}\n\n"
        "@article{broken,\nKeywords = {junk}, more junk},\nTitle = {Still readable.},\nYear = {2018},\n}\n"
    )

    result = parse(text, filename="ebsco.bib")

    assert [r.title for r in result.records] == ["Fine", "Still readable."]
    assert result.records[1].year == 2018
    assert "read line by line" in result.warnings[0]


def test_it_names_the_line_of_an_entry_it_cannot_read():
    with pytest.raises(ImportFormatError, match=r"refs.bib, line 3: this BibTeX entry could not be read"):
        parse("@article{ok, title={Fine}}\n\n@article{broken\n", filename="refs.bib")
