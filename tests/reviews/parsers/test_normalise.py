import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.parsers import normalise_doi
from reviews.parsers.normalise import (
    clean,
    decode_character_references,
    extract_year,
    join_pages,
    normalise_pmid,
)
from tests.reviews.parsers.helpers import only_record


@pytest.mark.parametrize(
    ("value", "doi"),
    [
        ("10.1002/CPP.2398", "10.1002/cpp.2398"),
        ("  10.1002/cpp.2398  ", "10.1002/cpp.2398"),
        ("https://doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("http://dx.doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("doi:10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("DOI: 10.1002/cpp.2398.", "10.1002/cpp.2398"),
        ("https://doi.org/10.1002%2Fcpp.2398", "10.1002/cpp.2398"),
        ("10.1016/j.scitotenv.2017.04.075 [doi]", "10.1016/j.scitotenv.2017.04.075"),
        ("10.1016/S2215-0366(15)00368-5", "10.1016/s2215-0366(15)00368-5"),
        ("(see doi 10.1000/abc)", "10.1000/abc"),
        (
            "10.1002/(SICI)1097-4679(199911)55:11<1383::AID-JCLP7>3.0.CO;2-M",
            "10.1002/(sici)1097-4679(199911)55:11<1383::aid-jclp7>3.0.co;2-m",
        ),
        ("DOI 1", ""),
        ("", ""),
        ("not a doi", ""),
    ],
)
def test_it_normalises_dois(value, doi):
    assert normalise_doi(value) == doi


@pytest.mark.parametrize(
    ("value", "pmid"),
    [
        ("12345678", "12345678"),
        ("PMID: 123", "123"),
        ("NLM34520387", "34520387"),
        ("MEDLINE:31851837", "31851837"),
    ]
    + [("123 [pmid]", "123"), ("PMC5887696", ""), ("2019-65183-001", ""), ("0", ""), ("", "")],
)
def test_it_keeps_only_the_digits_of_pubmed_ids(value, pmid):
    assert normalise_pmid(value) == pmid


@pytest.mark.parametrize(
    ("value", "year"),
    [("2019///", 2019), ("2019/05/01", 2019), ("2017 Nov 15", 2017), ("DEC 16 2020", 2020), ("1999.0", 1999)]
    + [("20170812", 2017), ("12345", None), ("", None), ("in press", None)],
)
def test_it_finds_the_year_in_date_like_values(value, year):
    assert extract_year(value) == year


@pytest.mark.parametrize(
    ("start", "end", "pages"),
    [
        ("123", "130", "123-130"),
        ("123-130", "", "123-130"),
        ("e0123", "", "e0123"),
        ("5", "5", "5"),
        ("", "9", "9"),
    ]
    + [("No", "Specified", ""), ("S105", "nan", "S105")],
)
def test_it_joins_start_and_end_pages(start, end, pages):
    assert join_pages(start, end) == pages


@pytest.mark.parametrize("written", ["376--383", "376 -- 383", "376 - 383", "376–383"])
def test_it_writes_page_ranges_with_a_single_hyphen(written):
    assert join_pages(written, "") == "376-383"


# Every character str.split() splits on, the space among them, and a few that it does not.
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\ufeff"


@settings(max_examples=300)
@given(
    head=st.text(alphabet=_SPACES + "ab.é", max_size=6),
    body=st.lists(st.text(alphabet="abcé", min_size=1, max_size=12), min_size=40, max_size=80).map(" ".join),
    tail=st.text(alphabet=_SPACES + "ab.é", max_size=6),
)
def test_clean_collapses_whitespace_exactly_as_splitting_and_joining_does(head, body, tail):
    # Long values take a quicker path when they are clean already: it must agree with the plain one.
    for value in (head + body + tail, body + head + body, body):
        assert clean(value) == " ".join(value.split())


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        ("p &lt; 0.05 and &gt; 2", "p < 0.05 and > 2"),
        ("Sport &amp; Exercise", "Sport & Exercise"),
        ("&#946;-blockers and &#x3B1;-agonists", "β-blockers and α-agonists"),
        ("two&nbsp;words&#10;and a line", "two words and a line"),
        # Not complete references: left as the file wrote them.
        ("R&D &not tested, AT&T", "R&D &not tested, AT&T"),
        ("&unknownname; stays", "&unknownname; stays"),
        ("no ampersand at all", "no ampersand at all"),
    ],
)
def test_character_references_are_decoded_when_complete(value, decoded):
    assert decode_character_references(value) == decoded


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        (
            "TY  - JOUR\nTI  - A &lt;10-year study\nAB  - p &lt; 0.05\nT2  - Sport &amp; Health\nER  - \n",
            "a.ris",
        ),
        ("PMID- 1\nTI  - A &lt;10-year study\nAB  - p &lt; 0.05\nJT  - Sport &amp; Health\n", "a.nbib"),
        ("Title,Abstract,Source title\nA &lt;10-year study,p &lt; 0.05,Sport &amp; Health\n", "a.csv"),
        (
            "@article{a, title={A &lt;10-year study}, abstract={p &lt; 0.05}, journal={Sport &amp; Health}}",
            "a.bib",
        ),
    ],
)
def test_every_format_decodes_character_references_and_keeps_the_raw_field(text, filename):
    record = only_record(text, filename=filename)
    assert (record.title, record.abstract, record.journal) == (
        "A <10-year study",
        "p < 0.05",
        "Sport & Health",
    )
    assert any("&lt;" in value for values in record.raw.values() for value in values)
