import io
import zipfile

import openpyxl
import pytest

from reviews.parsers import ImportFormatError
from reviews.parsers.tabular import split_author_cell

from .helpers import only_record, parse, parse_fixture


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TestCsv:
    def test_it_reads_scopus_csv_columns(self):
        result = parse_fixture("scopus.csv")

        record = result.records[0]
        assert result.format == "csv"
        assert record.title == "Machine learning for screening prioritisation"
        assert record.authors == ["Kowalski, Marta (1)", "Svensson, Eva-Lena (2)"]
        assert (record.year, record.journal) == (2021, "Research Synthesis Methods")
        assert (record.volume, record.issue, record.pages) == ("12", "2", "221-235")
        assert (record.doi, record.pmid) == ("10.1002/jrsm.1472", "33245667")
        assert record.keywords == ["active learning", "systematic review", "Machine Learning", "Humans"]
        assert (record.language, record.publication_type) == ("English", "Article")
        assert record.source_record_id == "2-s2.0-1"

    def test_it_keeps_line_breaks_inside_quoted_fields_and_gives_the_line_a_row_starts_on(self):
        result = parse_fixture("scopus.csv")

        assert result.records[0].abstract == "Screening is laborious. A second paragraph of the abstract."
        assert result.records[0].raw["Abstract"] == [
            "Screening is laborious.\nA second paragraph of the abstract."
        ]
        assert [r.line for r in result.records] == [2, 4]

    def test_it_keeps_every_column_in_raw_including_repeated_headers_and_extra_cells(self):
        text = "Title,Note,Note,\nA title,one,two,three,four\n"

        raw = only_record(text, filename="refs.csv").raw

        assert raw == {
            "Title": ["A title"],
            "Note": ["one", "two"],
            "column 4": ["three"],
            "column 5": ["four"],
        }

    @pytest.mark.parametrize(
        ("text", "delimiter_name"),
        [
            ("Title;Authors;Year\nA title;Smith, J.;2020\n", "semicolon"),
            ("Title\tAuthors\tYear\nA title\tSmith, J.\t2020\n", "tab"),
            ('"Title","Authors","Year"\n"A title","Smith, J.","2020"\n', "comma"),
        ],
    )
    def test_it_sniffs_the_delimiter(self, text, delimiter_name):
        record = only_record(text, filename="refs.txt")

        assert (record.title, record.authors, record.year) == ("A title", ["Smith, J."], 2020)

    def test_it_recognises_column_names_in_any_case_and_ris_tag_columns(self):
        text = "TY,AU,year,TI,JO,SP,VL,IS,DO,ID\nJOUR,Doe J and Roe K,2019,A title,J Things,22,8,1,10.1186/X,Doe2019\n"

        record = only_record(text, filename="eviatlas.csv")

        assert (record.title, record.journal, record.year) == ("A title", "J Things", 2019)
        assert record.authors == ["Doe J", "Roe K"]
        assert (record.volume, record.issue, record.pages, record.doi) == ("8", "1", "22", "10.1186/x")
        assert record.source_record_id == "Doe2019"

    def test_it_reads_zotero_column_names(self):
        text = "Key,Item Type,Publication Year,Author,Title,Publication Title,DOI,Abstract Note,Manual Tags\n"
        text += (
            'ACSRAG7N,journalArticle,2022,"Rotter, Carina; Whitaker, Dan",T,J Vet,10.1111/J,Abs,dogs; cats\n'
        )

        record = only_record(text, filename="zotero.csv")

        assert record.authors == ["Rotter, Carina", "Whitaker, Dan"]
        assert (record.abstract, record.journal, record.source_record_id) == ("Abs", "J Vet", "ACSRAG7N")
        assert record.keywords == ["dogs", "cats"]

    def test_it_reads_years_written_as_floats(self):
        assert only_record("record_id,title,year\n1,A,1999.0\n", filename="cohen.csv").year == 1999

    def test_it_reads_the_source_citation_of_embase_csv(self):
        text = 'Title,Author Names,Source\nA,"Liu R., Adler D.G.","Endosc Ultrasound (2014) 3:3 (152-160). Date"\n'

        record = only_record(text, filename="embase.csv")

        assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
            "Endosc Ultrasound",
            2014,
            "3",
            "3",
            "152-160",
        )
        assert record.authors == ["Liu R.", "Adler D.G."]

    def test_it_skips_blank_rows(self):
        assert len(parse("Title\n\nOne\n,\nTwo\n", filename="refs.csv").records) == 2

    def test_it_refuses_a_table_without_a_title_column_and_lists_the_columns_it_found(self):
        with pytest.raises(ImportFormatError) as caught:
            parse("pmid,doi,label_included\n123,10.1/x,1\n", filename="ids.csv")

        assert str(caught.value) == (
            "ids.csv, line 1: not a bibliographic export: the table has no title column "
            "(columns found: 'pmid', 'doi', 'label_included'; expected one named Title, Article Title or TI)"
        )

    def test_it_says_no_records_were_found_under_a_lone_header(self):
        with pytest.raises(
            ImportFormatError, match="refs.csv: no records found.*header row but no data rows"
        ):
            parse("Title,Authors\n", filename="refs.csv")


class TestPubmedCsv:
    def test_it_reads_pubmeds_csv_export(self):
        result = parse_fixture("pubmed.csv")

        record = result.records[0]
        assert result.format == "pubmed-csv"
        assert record.authors == ["Tan SM", "Okoro CW", "Berg LJ", "Ruiz Y"]
        assert (record.journal, record.year) == ("Behav Ther", 2022)
        assert (record.volume, record.issue, record.pages) == ("53", "2", "334-347")
        assert (record.pmid, record.source_record_id) == ("35000001", "35000001")
        assert record.doi == "10.1016/j.beth.2021.09.001"

    def test_it_reads_citations_with_a_season_and_day(self):
        record = parse_fixture("pubmed.csv").records[1]

        assert (record.volume, record.issue, record.pages) == ("27", "1", "9-14")


class TestXlsx:
    def test_it_reads_the_first_worksheet_of_a_workbook(self):
        data = xlsx(
            [["Title", "Authors", "Year", "DOI"], ["A title", "Smith, J.; Doe, A.", 2020, "10.1186/X"]]
        )

        result = parse(data, filename="refs.xlsx")

        record = result.records[0]
        assert (result.format, result.encoding) == ("xlsx", "utf-8")
        assert (record.title, record.authors, record.year) == ("A title", ["Smith, J.", "Doe, A."], 2020)
        assert record.doi == "10.1186/x"
        assert record.raw["Year"] == ["2020"]

    def test_it_uses_the_row_number_as_the_line_and_skips_empty_rows(self):
        data = xlsx([[None], ["Title"], ["One"], [None], ["Two"]])

        assert [r.line for r in parse(data, filename="refs.xlsx").records] == [3, 5]

    def test_it_refuses_a_workbook_without_a_title_column(self):
        with pytest.raises(ImportFormatError, match="refs.xlsx, line 1: not a bibliographic export"):
            parse(xlsx([["pmid"], [1]]), filename="refs.xlsx")

    def test_it_refuses_a_zip_archive_that_is_not_a_workbook(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes.txt", "hello")

        with pytest.raises(ImportFormatError, match="refs.zip: this is a ZIP archive"):
            parse(buffer.getvalue(), filename="refs.zip")

    def test_it_refuses_text_when_told_it_is_xlsx(self):
        with pytest.raises(ImportFormatError, match="not a readable xlsx workbook"):
            parse("Title\nOne\n", filename="refs.xlsx", format="xlsx")


@pytest.mark.parametrize(
    ("cell", "authors"),
    [
        ("Smith, John and Doe, Anne", ["Smith, John", "Doe, Anne"]),
        ("Smith, J.; Doe, A.", ["Smith, J.", "Doe, A."]),
        ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
        ("Joseph Rottman, Erran Carmel", ["Joseph Rottman", "Erran Carmel"]),
        ("Smith, John", ["Smith, John"]),
        ("Smith, J., Doe, A.", ["Smith, J.", "Doe, A."]),
        ("Adeli K.Lewis G. F.", ["Adeli K.", "Lewis G. F."]),
        ("Verges B.", ["Verges B."]),
        ("Smith J\nDoe A", ["Smith J", "Doe A"]),
        # Scopus's "Author full names" column follows each name with its author id.
        (
            "García-López, María J. (57193456789); Chen, Wei (7404563210)",
            ["García-López, María J.", "Chen, Wei"],
        ),
        ("", []),
    ],
)
def test_it_splits_author_cells_written_in_different_ways(cell, authors):
    assert split_author_cell(cell) == authors
