import pytest

from reviews.parsers import ImportFormatError

from .helpers import only_record, parse, parse_fixture, ris


class TestOvid:
    def test_it_reads_ovid_numbered_lines(self):
        result = parse_fixture("ovid_medline.ris")

        assert result.format == "ris"
        assert [r.source_record_id for r in result.records] == ["31234567", "2020-11111-001"]
        assert [r.line for r in result.records] == [2, 32]

    def test_it_reads_ovid_t1_a1_y1_n2_tags(self):
        record = parse_fixture("ovid_medline.ris").records[0]

        assert record.title == "Early mobilisation after hip fracture surgery: a randomised trial."
        assert record.authors == ["Müller, Anna", "O'Brien, Patrick J"]
        assert record.year == 2019
        assert record.abstract.startswith("BACKGROUND: Early mobilisation may reduce complications. METHODS:")
        assert record.journal == "Journal of orthopaedic trauma"
        assert (record.volume, record.issue, record.pages) == ("33", "4", "181-187")

    def test_it_normalises_a_doi_written_as_a_full_link(self):
        record = parse_fixture("ovid_medline.ris").records[0]

        assert record.doi == "10.1097/bot.0000000000001425"

    def test_it_takes_the_pmid_from_an_ovid_medline_link(self):
        medline, psycinfo = parse_fixture("ovid_medline.ris").records

        assert medline.pmid == "31234567"
        assert psycinfo.pmid == ""

    def test_it_keeps_editors_in_raw_only(self):
        record = parse_fixture("ovid_medline.ris").records[0]

        assert record.raw["A2"] == ["Editor, Should Stay Raw"]
        assert "Editor, Should Stay Raw" not in record.authors

    def test_it_keeps_the_nl_tag_ovid_writes_after_er_with_its_record(self):
        result = parse_fixture("ovid_medline.ris")

        assert result.records[0].raw["NL"] == ["J Orthop Trauma"]
        assert result.records[1].raw["NL"] == ["J Health Psychol"]
        assert "after an ER line" in result.warnings[0]

    def test_it_drops_ovids_no_pagination_specified(self):
        record = parse_fixture("ovid_medline.ris").records[1]

        assert record.pages == ""
        assert record.raw["SP"] == ["No"]


class TestOtherDatabases:
    def test_it_reads_ebsco_records_with_the_doi_in_l3(self):
        record = parse_fixture("ebsco_cinahl.ris").records[0]

        assert record.doi == "10.1097/jcn.0000000000000712"
        assert record.year == 2021
        assert record.raw["DB"] == ["CINAHL Complete"]

    def test_it_finds_the_pmid_in_ebsco_accession_notes(self):
        record = parse_fixture("ebsco_cinahl.ris").records[0]

        assert record.pmid == "33009012"

    def test_it_keeps_scopus_export_date_junk_inside_the_note_it_follows(self):
        record = parse_fixture("scopus.ris").records[0]

        assert record.raw["N1"] == ["Cited By :3\n\nExport Date: 12 May 2022\n\nArticle"]
        assert record.raw["C7"] == ["e0123"]

    def test_it_reads_the_pubmed_id_scopus_writes_in_c2(self):
        record = parse_fixture("scopus.ris").records[0]

        assert record.pmid == "33245667"

    def test_it_reads_rayyan_keywords_written_one_per_line_under_one_tag(self):
        record = parse_fixture("rayyan.ris").records[0]

        assert record.keywords == ["Medication Errors", "Medication Reconciliation", "Patient Safety"]
        assert record.source_record_id == "7"

    def test_it_joins_the_indented_continuation_lines_of_web_of_science_ris(self):
        record = parse_fixture("wos_records.ris").records[0]

        assert record.abstract == "The first line of the abstract continues on an indented line."
        assert record.raw["N1"] == [
            "Times Cited in Web of Science Core Collection:  4\nTotal Times Cited:  5"
        ]
        assert record.source_record_id == "WOS:000444108200009"

    def test_it_reads_the_four_letter_pmid_tag_of_apa_psycnet(self):
        text = ris(
            "Provider: American Psychological Association",
            "Database: PsycINFO",
            "",
            "TY  - JOUR",
            "PMID  - 33355555",
            "ID  - 2020-55555-005",
            "T1  - Primary title",
            "M3  - doi:10.1011/HEA0004444",
            "ER  - ",
        )

        record = only_record(text)

        assert record.pmid == "33355555"
        assert record.source_record_id == "2020-55555-005"
        assert record.doi == "10.1011/hea0004444"

    def test_it_takes_the_pmid_from_an_when_the_database_is_pubmed(self):
        text = ris("TY  - JOUR", "AN  - 21553931", "DP  - NLM", "ER  - ")

        assert only_record(text).pmid == "21553931"

    def test_it_does_not_read_other_accession_numbers_as_pmids(self):
        text = ris("TY  - JOUR", "AN  - 150283836", "DB  - psyh", "DP  - EBSCOhost", "ER  - ")

        record = only_record(text)

        assert record.pmid == ""
        assert record.source_record_id == "150283836"

    def test_it_reads_the_medline_id_embase_writes_in_c5(self):
        text = ris("TY  - JOUR", "U2  - L373791783", "C5  - 15368318", "DB  - Embase", "ER  - ")

        record = only_record(text)

        assert record.pmid == "15368318"
        assert record.source_record_id == "L373791783"


class TestFieldChoices:
    @pytest.mark.parametrize(
        ("line", "year"),
        [
            ("PY  - 2019///", 2019),
            ("Y1  - 2019/05/01", 2019),
            ("DA  - 2018/07//", 2018),
            ("PY  - Start date: 20170812", 2017),
            ("PY  - in press", None),
        ],
    )
    def test_it_reads_the_year_from_py_y1_or_da(self, line, year):
        assert only_record(ris("TY  - JOUR", line, "ER  - ")).year == year

    def test_it_falls_back_to_the_book_title_when_a_record_has_no_title(self):
        text = ris("TY  - BOOK", "BT  - A Handbook of Reviews", "ER  - ")

        assert only_record(text).title == "A Handbook of Reviews"

    @pytest.mark.parametrize("tag", ["JO", "JF", "T2", "JA", "J2", "J1"])
    def test_it_takes_the_journal_from_any_journal_tag(self, tag):
        assert (
            only_record(ris("TY  - JOUR", f"{tag}  - Journal of Things", "ER  - ")).journal
            == "Journal of Things"
        )

    @pytest.mark.parametrize(
        ("lines", "doi"),
        [
            (["DO  - 10.1000/ABC", "L3  - 10.1000/other"], "10.1000/abc"),
            (["L3  - doi:10.1000/L3"], "10.1000/l3"),
            (["UR  - https://doi.org/10.1000/from-url"], "10.1000/from-url"),
            (["L2  - http://dx.doi.org/10.1000/from-l2"], "10.1000/from-l2"),
            (["M3  - 10.1000/from-m3"], "10.1000/from-m3"),
            (["M3  - Article"], ""),
            (["DO  - DOI 1"], ""),
            (["UR  - https://www.scopus.com/record.uri?doi=10.1000%2fx"], ""),
        ],
    )
    def test_it_takes_the_doi_from_do_l3_a_doi_link_or_m3(self, lines, doi):
        assert only_record(ris("TY  - JOUR", *lines, "ER  - ")).doi == doi

    def test_it_reads_authors_from_au_and_a1_in_order(self):
        text = ris("TY  - JOUR", "AU  - Smith, J.", "A1  - Jones, K.", "AU  - Smith, J.", "ER  - ")

        assert only_record(text).authors == ["Smith, J.", "Jones, K.", "Smith, J."]

    def test_it_lists_authors_once_when_au_and_a1_repeat_each_other(self):
        text = ris("TY  - JOUR", "AU  - Smith, J.", "A1  - Smith, J.", "ER  - ")

        assert only_record(text).authors == ["Smith, J."]

    def test_it_keeps_every_field_in_raw_including_unknown_and_repeated_tags(self):
        text = ris(
            "TY  - JOUR", "SN  - 1", "SN  - 2", "JP  - CRISPR", "DC  - Direct Current", "N1  - ", "ER  - "
        )

        raw = only_record(text).raw

        assert raw == {
            "TY": ["JOUR"],
            "SN": ["1", "2"],
            "JP": ["CRISPR"],
            "DC": ["Direct Current"],
            "N1": [""],
        }

    def test_it_splits_several_urls_in_one_ur_line(self):
        text = ris(
            "TY  - JOUR", "UR  - http://a.example/1; http://b.example/2", "UR  - http://c.example/3", "ER  - "
        )

        assert only_record(text).urls == ["http://a.example/1", "http://b.example/2", "http://c.example/3"]

    def test_it_numbers_records_and_their_lines_from_one(self):
        text = ris("", "TY  - JOUR", "TI  - One", "ER  - ", "", "TY  - JOUR", "TI  - Two", "ER  -")

        result = parse(text)

        assert [(r.position, r.line, r.title) for r in result.records] == [(1, 2, "One"), (2, 6, "Two")]

    def test_it_keeps_the_type_of_reference(self):
        assert only_record(ris("TY  - CHAP", "ER  - ")).publication_type == "CHAP"


class TestBrokenFiles:
    def test_it_names_file_line_and_record_when_the_last_record_has_no_er(self):
        text = ris("TY  - JOUR", "TI  - One", "ER  - ", "", "TY  - JOUR", "TI  - Two")

        with pytest.raises(ImportFormatError) as caught:
            parse(text, filename="refs.ris")

        assert str(caught.value) == (
            "refs.ris, line 5: record 2 starts with TY but has no ER before the end of the file"
        )
        assert (caught.value.filename, caught.value.line) == ("refs.ris", 5)

    def test_it_reports_a_record_whose_er_is_missing_before_the_next_ty(self):
        text = ris("TY  - JOUR", "TI  - One", "TY  - JOUR", "TI  - Two", "ER  - ")

        with pytest.raises(ImportFormatError, match=r"refs.ris, line 3: record 1 starts with TY at line 1"):
            parse(text)

    def test_it_reports_tags_before_the_first_ty(self):
        text = ris("AU  - Smith, J.", "TI  - Orphan", "ER  - ")

        with pytest.raises(ImportFormatError, match=r"line 1: tag AU appears before the first record"):
            parse(text, format="ris")

    def test_it_reports_a_record_that_lost_its_ty_line(self):
        text = ris("TY  - JOUR", "TI  - One", "ER  - ", "AU  - Smith, J.", "TI  - Two", "ER  - ")

        with pytest.raises(
            ImportFormatError, match=r"line 4: the record ending with the ER at line 6 has no TY"
        ):
            parse(text)

    def test_it_says_no_records_were_found_when_there_is_no_ty_line(self):
        with pytest.raises(ImportFormatError, match="no records found.*TY"):
            parse("Provider: nobody\nContent: nothing\n", format="ris")
