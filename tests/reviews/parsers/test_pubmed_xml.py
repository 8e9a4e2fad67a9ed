import codecs

import pytest

from reviews.parsers import ImportFormatError

from .helpers import fixture_bytes, only_record, parse, parse_fixture

DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def article_set(*articles: str, doctype: str = DOCTYPE) -> str:
    return "\n".join(
        ['<?xml version="1.0" ?>', doctype, "<PubmedArticleSet>", *articles, "</PubmedArticleSet>"]
    )


def article(citation: str = "", data: str = "") -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>1</PMID>{citation}</MedlineCitation>"
        f"<PubmedData>{data}</PubmedData></PubmedArticle>"
    )


def test_it_reads_a_pubmed_article_with_its_doctype():
    result = parse_fixture("pubmed.xml")

    record = result.records[0]
    assert (result.format, len(result.records)) == ("pubmed-xml", 3)
    assert [r.line for r in result.records] == [4, 138, 195]
    assert record.title == (
        "Balloon guide catheters in thrombectomy for acute ischaemic stroke: a post hoc analysis of a "
        "multicentre registry."
    )
    assert record.journal == "Stroke"
    assert (record.year, record.volume, record.issue, record.pages) == (2018, "49", "7", "1650-1656")
    assert (record.pmid, record.source_record_id) == ("30123456", "30123456")
    assert (record.language, record.publication_type) == ("eng", "Journal Article")
    assert record.urls == []


def test_it_joins_labelled_abstract_sections_and_flattens_inline_markup():
    record = parse_fixture("pubmed.xml").records[0]

    assert record.abstract == (
        "BACKGROUND AND PURPOSE: Balloon guide catheters may improve outcomes after thrombectomy. "
        "METHODS: We studied 1,126 patients; reperfusion was graded as mTICI ≥2b and the time to CO2 washout "
        "was recorded. RESULTS: Reperfusion was more frequent with a balloon guide catheter (68% vs 55%; "
        "P<0.001)."
    )


def test_it_writes_authors_as_last_name_and_initials_skipping_superseded_names():
    record = parse_fixture("pubmed.xml").records[0]

    assert record.authors == ["Zaidat, OO", "García-Pérez, M"]
    assert record.raw["MedlineCitation/Article/AuthorList/Author/LastName"] == [
        "Zaidat",
        "Garcia-Perez",
        "García-Pérez",
    ]


def test_it_takes_the_doi_from_the_elocation_not_from_cited_references():
    record = parse_fixture("pubmed.xml").records[0]

    assert record.doi == "10.1161/strokeaha.118.012345"
    assert record.raw["PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId[doi]"] == [
        "10.1016/S0140-6736(16)00163-X"
    ]


def test_it_falls_back_to_the_doi_in_the_article_id_list():
    data = '<ArticleIdList><ArticleId IdType="doi">10.1000/ABC</ArticleId></ArticleIdList>'

    record = only_record(article_set(article(data=data)), filename="pubmed.xml")

    assert record.doi == "10.1000/abc"


def test_it_collects_mesh_descriptors_and_keywords():
    record = parse_fixture("pubmed.xml").records[0]

    assert record.keywords == ["Humans", "Thrombectomy", "balloon guide catheter", "reperfusion"]
    assert record.raw["MedlineCitation/MeshHeadingList/MeshHeading/QualifierName"] == [
        "instrumentation",
        "methods",
    ]


def test_it_keeps_the_other_elements_raw_with_typed_ids():
    raw = parse_fixture("pubmed.xml").records[0].raw

    assert raw["PubmedData/ArticleIdList/ArticleId[pmc]"] == ["PMC6000001"]
    assert raw["MedlineCitation/Article/Journal/ISOAbbreviation"] == ["Stroke"]
    assert raw["MedlineCitation/Article/PublicationTypeList/PublicationType"] == [
        "Journal Article",
        "Multicenter Study",
    ]
    assert raw["MedlineCitation/Article/Journal/ISSN@IssnType"] == ["Electronic"]
    assert raw["MedlineCitation/Article/GrantList/Grant/GrantID"] == ["R01 NS012345"]
    assert raw["PubmedData/History/PubMedPubDate@PubStatus"] == ["received", "pubmed"]
    assert raw["MedlineCitation/Article/Abstract/CopyrightInformation"] == [
        "© 2018 American Heart Association, Inc."
    ]


def test_it_reads_a_collective_author_and_the_year_of_a_medline_date():
    record = parse_fixture("pubmed.xml").records[1]

    assert record.authors == ["European Cooperative Acute Stroke Study Group", "Hacke, W"]
    assert record.year == 1998
    assert record.raw["MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate"] == [
        "1998 Dec-1999 Jan"
    ]
    assert (record.journal, record.issue, record.pages, record.doi) == (
        "Lancet (London, England)",
        "Suppl 4",
        "SIV12-7",
        "",
    )


def test_it_takes_the_year_of_the_electronic_article_date_when_the_issue_has_none():
    citation = '<Article><ArticleDate DateType="Electronic"><Year>2024</Year></ArticleDate></Article>'

    assert only_record(article_set(article(citation)), filename="pubmed.xml").year == 2024


def test_it_reads_a_book_chapter_with_its_authors_not_its_editors():
    record = parse_fixture("pubmed.xml").records[2]

    assert (record.title, record.pmid, record.year) == ("Gaucher Disease", "20301295", 1993)
    assert record.authors == ["Hruska, KS", "Goker-Alpan, O"]
    assert record.abstract.startswith("CLINICAL CHARACTERISTICS: Gaucher disease encompasses")
    assert record.publication_type == "Review"
    assert record.raw["BookDocument/Book/BookTitle"] == ["GeneReviews®"]
    assert record.raw["BookDocument/Book/AuthorList/Author/LastName"] == ["Adam"]
    assert record.raw["BookDocument/ArticleIdList/ArticleId[bookaccession]"] == ["NBK1269"]


def test_a_whole_book_takes_its_book_title():
    book = (
        "<PubmedBookArticle><BookDocument><PMID>2</PMID><Book><BookTitle>Stroke care</BookTitle>"
        "<PubDate><Year>2020</Year></PubDate></Book></BookDocument></PubmedBookArticle>"
    )

    record = only_record(article_set(book), filename="pubmed.xml")

    assert (record.title, record.year, record.pmid) == ("Stroke care", 2020, "2")


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
    ],
    ids=["crlf", "bom"],
)
def test_line_ends_and_byte_order_marks_read_alike(encode, encoding):
    text = fixture_bytes("pubmed.xml").decode("utf-8")

    result = parse(encode(text), filename="pubmed.xml")

    assert (result.format, result.encoding) == ("pubmed-xml", encoding)
    assert result.records == parse_fixture("pubmed.xml").records


def test_a_declared_windows_code_page_is_believed():
    text = article_set(article("<Article><ArticleTitle>Café über Straße</ArticleTitle></Article>"))
    data = text.replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="windows-1252"?>')

    record = only_record(data.encode("cp1252"), filename="pubmed.xml")

    assert record.title == "Café über Straße"


def test_it_names_the_line_of_a_truncated_file():
    data = fixture_bytes("pubmed.xml")
    cut = data[: data.index(b"<PubmedBookArticle>")]

    with pytest.raises(ImportFormatError) as caught:
        parse(cut, filename="pubmed.xml")

    assert str(caught.value).startswith("pubmed.xml, line 195: the XML is not well-formed (no element found")


def test_it_names_the_line_of_malformed_xml():
    data = article_set(article("<Article>\n<ArticleTitle>Unclosed</Article>"))

    with pytest.raises(
        ImportFormatError, match=r"pubmed.xml, line 5: the XML is not well-formed \(mismatched"
    ):
        parse(data, filename="pubmed.xml")


@pytest.mark.parametrize(
    ("doctype", "what"),
    [
        (
            '<!DOCTYPE PubmedArticleSet [\n<!ENTITY lol "lol">\n<!ENTITY lol1 "&lol;&lol;&lol;&lol;">\n]>',
            "declares XML entities",
        ),
        ('<!DOCTYPE PubmedArticleSet [\n<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>', "declares XML"),
        (
            '<!DOCTYPE PubmedArticleSet [\n<!ENTITY % dtd SYSTEM "http://example.org/x.dtd"> %dtd;\n]>',
            "declares",
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-parameter-entity"],
)
def test_it_refuses_entity_declarations_naming_their_line(doctype, what):
    data = article_set(article("<Article><ArticleTitle>&lol1;</ArticleTitle></Article>"), doctype=doctype)

    with pytest.raises(ImportFormatError) as caught:
        parse(data, filename="pubmed.xml")

    assert str(caught.value).startswith(f"pubmed.xml, line 3: the XML {what}")
    assert "refused for safety" in str(caught.value)


def test_it_does_not_fetch_an_external_dtd():
    doctype = '<!DOCTYPE PubmedArticleSet SYSTEM "file:///etc/passwd">'

    record = only_record(article_set(article(), doctype=doctype), filename="pubmed.xml")

    assert record.pmid == "1"


def test_it_refuses_an_entity_it_does_not_know():
    data = article_set(article("<Article><ArticleTitle>&nbsp;</ArticleTitle></Article>"))

    with pytest.raises(ImportFormatError, match=r"line 4: the XML is not well-formed \(undefined entity"):
        parse(data, filename="pubmed.xml")


def test_endnote_xml_told_to_be_pubmed_xml_is_refused():
    with pytest.raises(
        ImportFormatError, match=r"no <PubmedArticle>, <PubmedBookArticle> or <MedlineCitation> elements \("
    ):
        parse(fixture_bytes("endnote.xml"), filename="endnote.xml", format="pubmed-xml")


def test_an_empty_article_set_is_refused():
    with pytest.raises(ImportFormatError, match="pubmed.xml: no records found"):
        parse(article_set(), filename="pubmed.xml")


MEDLINE_DOCTYPE = (
    '<!DOCTYPE MedlineCitationSet PUBLIC "-//NLM//DTD Medline Citation, 1st January, 2016//EN"\n'
    '                                    "https://www.nlm.nih.gov/databases/dtd/nlmmedlinecitationset_160101.dtd">'
)


def medline_citation(pmid: str, title: str) -> str:
    return "\n".join(
        [
            '<MedlineCitation Owner="NLM" Status="MEDLINE">',
            f'<PMID Version="1">{pmid}</PMID>',
            '<Article PubModel="Print">',
            "<Journal><JournalIssue><Volume>25</Volume><Issue>3-4</Issue>"
            "<PubDate><Year>2007</Year></PubDate></JournalIssue>",
            "<Title>Restorative neurology and neuroscience</Title></Journal>",
            f"<ArticleTitle>{title}</ArticleTitle>",
            "<Pagination><MedlinePgn>195-210</MedlinePgn></Pagination>",
            '<ELocationID EIdType="doi" ValidYN="Y">10.3233/RNN-2007-253405</ELocationID>',
            '<Abstract><AbstractText Label="PURPOSE">Pitch.</AbstractText>'
            '<AbstractText Label="RESULTS">Two dimensions.</AbstractText></Abstract>',
            '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Chandrasekaran</LastName>'
            "<ForeName>Bharath</ForeName><Initials>B</Initials></Author></AuthorList>",
            "<Language>eng</Language>",
            "</Article>",
            "<MeshHeadingList><MeshHeading><DescriptorName>Adult</DescriptorName></MeshHeading>"
            "</MeshHeadingList>",
            "</MedlineCitation>",
        ]
    )


def medline_set(*citations: str) -> str:
    return "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>', MEDLINE_DOCTYPE, "<MedlineCitationSet>", *citations]
        + ["<DeleteCitation><PMID>99999999</PMID></DeleteCitation>", "</MedlineCitationSet>"]
    )


def test_it_reads_the_older_medline_citation_set_layout():
    result = parse(medline_set(medline_citation("17942999", "Neuroplasticity"), medline_citation("2", "Two")))

    first = result.records[0]
    assert (result.format, [r.pmid for r in result.records]) == ("pubmed-xml", ["17942999", "2"])
    assert [r.line for r in result.records] == [5, 19]
    assert (first.title, first.authors, first.year) == ("Neuroplasticity", ["Chandrasekaran, B"], 2007)
    assert (first.journal, first.volume, first.issue, first.pages) == (
        "Restorative neurology and neuroscience",
        "25",
        "3-4",
        "195-210",
    )
    assert (first.doi, first.source_record_id) == ("10.3233/rnn-2007-253405", "17942999")
    assert first.abstract == "PURPOSE: Pitch. RESULTS: Two dimensions."
    assert (first.language, first.keywords) == ("eng", ["Adult"])


def test_the_older_layout_keeps_its_raw_fields_under_the_paths_of_the_current_one():
    record = only_record(medline_set(medline_citation("1", "One")), filename="medline.xml")

    assert record.raw["MedlineCitation/PMID"] == ["1"]
    assert record.raw["MedlineCitation/Article/ArticleTitle"] == ["One"]
    assert record.raw["MedlineCitation@Status"] == ["MEDLINE"]
    assert record.raw["MedlineCitation/Article/ELocationID[doi]"] == ["10.3233/RNN-2007-253405"]


def test_an_empty_medline_citation_set_is_refused():
    with pytest.raises(ImportFormatError, match="medline.xml: no records found"):
        parse(medline_set(), filename="medline.xml")
