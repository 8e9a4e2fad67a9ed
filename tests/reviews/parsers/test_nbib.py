from .helpers import only_record, parse, parse_fixture


def nbib(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_it_reads_pubmed_records_and_joins_wrapped_lines():
    record = parse_fixture("pubmed.nbib").records[0]

    assert record.title == (
        "Balloon guide catheters in thrombectomy for acute ischaemic stroke: a multicentre registry."
    )
    assert record.abstract.startswith(
        "BACKGROUND AND PURPOSE: Balloon guide catheters may improve outcomes. METHODS: We"
    )
    assert (record.year, record.volume, record.issue, record.pages) == (2018, "49", "7", "1650-1656")
    assert (record.pmid, record.source_record_id) == ("30123456", "30123456")
    assert (record.language, record.publication_type) == ("eng", "Journal Article")


def test_it_prefers_full_author_names_and_keeps_both_tags_in_raw():
    record = parse_fixture("pubmed.nbib").records[0]

    assert record.authors == ["Zaidat, Osama O", "García-Pérez, María"]
    assert record.raw["AU"] == ["Zaidat OO", "García-Pérez M"]
    assert record.raw["PT"] == ["Journal Article", "Multicenter Study"]


def test_it_takes_the_journal_full_title_and_keeps_the_abbreviation_raw():
    record = parse_fixture("pubmed.nbib").records[0]

    assert record.journal == "Stroke"
    assert record.raw["TA"] == ["Stroke"]


def test_it_takes_the_doi_from_lid_or_aid_marked_doi():
    first, second = parse_fixture("pubmed.nbib").records

    assert first.doi == "10.1161/strokeaha.118.012345"
    assert second.doi == "10.1000/book.2019.7"


def test_it_collects_mesh_headings_and_other_terms_as_keywords():
    record = parse_fixture("pubmed.nbib").records[0]

    assert record.keywords == ["Humans", "Thrombectomy/*methods", "balloon guide catheter"]


def test_it_reads_book_titles_and_group_authors():
    record = parse_fixture("pubmed.nbib").records[1]

    assert record.title == "Management of acute stroke: a clinical handbook"
    assert record.authors == ["Stroke Guideline Group"]
    assert record.raw["TI"] == [""]


def test_it_reads_pmc_medlars_records_that_open_with_a_blank_line_and_pmc():
    result = parse_fixture("pmc_medlars.txt")

    first = result.records[0]
    assert result.format == "nbib"
    assert [r.pmid for r in result.records] == ["30000001", "30000002"]
    assert first.line == 2
    assert first.raw["PMC"] == ["PMC6000001"]
    assert first.raw["AD"] == ["Department of Physiology, Example University, Tokyo, Japan"]
    assert first.doi == "10.1016/j.mex.2018.03.001"


def test_it_starts_a_new_record_at_a_second_pmid_even_without_a_blank_line():
    result = parse(nbib("PMID- 1", "TI  - One", "PMID- 2", "TI  - Two"), filename="x.nbib")

    assert [(r.pmid, r.title, r.line) for r in result.records] == [("1", "One", 1), ("2", "Two", 3)]


def test_it_reads_eric_records_that_have_no_pmid():
    text = nbib(
        "",
        "OWN - ERIC",
        "TI  - Paper title",
        "AU  - Smith, Tom",
        "OT  - Keyword 1",
        "AID - http://dx.doi.org/10.1000/123456789",
        "OID - EJ1131633",
        "DP  - 2000",
    )

    record = only_record(text, filename="eric.nbib")

    assert (record.title, record.authors, record.year) == ("Paper title", ["Smith, Tom"], 2000)
    assert record.doi == "10.1000/123456789"
    assert record.source_record_id == "EJ1131633"


def test_it_warns_about_lines_outside_any_record():
    result = parse(nbib("Search results", "", "PMID- 1", "TI  - One"), filename="x.nbib", format="nbib")

    assert len(result.records) == 1
    assert result.warnings == ["1 line(s) outside any record were ignored (line 1)"]
