"""Whatever bytes arrive, the readers return a ParseResult or raise ImportFormatError, nothing else.

The properties run against parse_export_unguarded: the public parse_export converts stray exceptions
into ImportFormatError, which would hide exactly the bugs these tests look for.
"""

import contextlib
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.parsers import FORMATS, ImportFormatError, ParseResult, api, detect_format, parse_export
from reviews.parsers.api import parse_export_unguarded
from reviews.parsers.normalise import clean

from .helpers import fixture_bytes

FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FORMAT_CHOICES = [None, *FORMATS]
FILENAMES = st.sampled_from(
    ["refs.ris", "refs.nbib", "refs.txt", "refs.csv", "refs.xml", "refs.bib", "refs.enw", "x", ""]
)


def parses_or_refuses(data: bytes, filename: str, format: str | None) -> None:
    try:
        result = parse_export_unguarded(data, filename=filename, format=format)
    except ImportFormatError as err:
        assert str(err).startswith(filename or "the file")
        return
    assert isinstance(result, ParseResult)
    assert result.records
    assert [r.position for r in result.records] == list(range(1, len(result.records) + 1))


@pytest.mark.parametrize("format", FORMAT_CHOICES)
@FUZZ
@given(data=st.binary(max_size=3000), filename=FILENAMES)
def test_any_bytes_parse_or_raise_an_import_format_error(format, data, filename):
    parses_or_refuses(data, filename, format)


@FUZZ
@given(data=st.binary(max_size=3000), filename=FILENAMES)
def test_detection_names_a_known_format_or_raises_an_import_format_error(data, filename):
    with contextlib.suppress(ImportFormatError):
        assert detect_format(data, filename=filename) in FORMATS


# Lines that look like the tagged formats, so the fuzzing reaches past format detection.
_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
    max_size=40,
)
_TAG2 = st.sampled_from(
    ["TY", "ER", "TI", "AU", "A1", "KW", "DO", "PY", "UR", "N1", "AB", "ID", "AN", "DB", "PT"]
)
_TAG4 = st.sampled_from(
    ["PMID", "TI  ", "FAU ", "AU  ", "LID ", "AID ", "DP  ", "PMC ", "MH  ", "AB  ", "OWN "]
)
_LINE = st.one_of(
    st.builds(lambda tag, value: f"{tag}  - {value}", _TAG2, _WORDS),
    st.builds(lambda tag, value: f"{tag}- {value}", _TAG4, _WORDS),
    st.builds(
        lambda tag, value: f"{tag} {value}",
        st.sampled_from(["FN", "VR", "PT", "AU", "TI", "ER", "EF"]),
        _WORDS,
    ),
    st.builds(lambda indent, value: indent + value, st.sampled_from([" ", "   ", "      ", "\t"]), _WORDS),
    st.sampled_from(
        ["", "1.", "ER  -", "ER", "EF", "TY  - JOUR", "PT J", "}", "@article{key,", "title = {x},"]
    ),
    st.builds(
        lambda tag, value: f"%{tag} {value}",
        st.sampled_from(
            ["0", "T", "A", "J", "B", "D", "8", "K", "R", "U", "M", "F", "X", "@", "+", "~", "a", "%"]
        ),
        _WORDS,
    ),
    st.sampled_from(["%0 Journal Article", "%T", "%A", "%K", "% ", "%"]),
    st.sampled_from(
        ["<xml><records><record>", "</record></records></xml>", "<titles><title>x</title></titles>"]
    ),
    st.sampled_from(
        [
            '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" "pubmed.dtd">',
            "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>",
            "<PubmedBookArticle><BookDocument><Book><BookTitle>x</BookTitle></Book>",
            "<ArticleTitle>x <i>y</i></ArticleTitle><AuthorList><Author><LastName>x</LastName>",
            '<ArticleId IdType="doi">10.1/x</ArticleId><PubDate><MedlineDate>1998 Dec</MedlineDate>',
            "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>",
            '<!ENTITY x "y">',
        ]
    ),
    st.builds(lambda cells: ",".join(cells), st.lists(st.sampled_from(["Title", "Year", '"a\nb"', "x", ""]))),
    _WORDS,
)
_NEWLINE = st.sampled_from(["\n", "\r\n", "\r"])
_ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])


@pytest.mark.parametrize("format", FORMAT_CHOICES)
@FUZZ
@given(lines=st.lists(_LINE, max_size=40), newline=_NEWLINE, encoding=_ENCODING, filename=FILENAMES)
def test_tag_like_text_parses_or_raises_an_import_format_error(format, lines, newline, encoding, filename):
    data = newline.join(lines).encode(encoding, errors="replace")

    parses_or_refuses(data, filename, format)


_TITLE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]),
    min_size=1,
    max_size=60,
).filter(lambda title: clean(title) != "")


@FUZZ
@given(titles=st.lists(_TITLE, min_size=1, max_size=20), newline=_NEWLINE, ovid_numbers=st.booleans())
def test_well_formed_ris_keeps_every_record_and_title(titles, newline, ovid_numbers):
    blocks = [
        (f"{n}." + newline if ovid_numbers else "") + newline.join(["TY  - JOUR", f"TI  - {title}", "ER  - "])
        for n, title in enumerate(titles, 1)
    ]
    data = (newline + newline).join(blocks).encode("utf-8")

    result = parse_export_unguarded(data, filename="refs.ris")

    assert [r.title for r in result.records] == [clean(title) for title in titles]


@FUZZ
@given(titles=st.lists(_TITLE, min_size=1, max_size=20))
def test_well_formed_nbib_keeps_every_record_and_title(titles):
    data = "\n\n".join(f"PMID- {n}\nTI  - {title}" for n, title in enumerate(titles, 1)).encode("utf-8")

    result = parse_export_unguarded(data, filename="pubmed.nbib")

    assert [(r.pmid, r.title) for r in result.records] == [
        (str(n), clean(t)) for n, t in enumerate(titles, 1)
    ]


@FUZZ
@given(titles=st.lists(_TITLE, min_size=1, max_size=20), newline=_NEWLINE, title_first=st.booleans())
def test_well_formed_endnote_tagged_keeps_every_record_and_title(titles, newline, title_first):
    lines = [[f"%T {title}"] for title in titles]
    for n, record in enumerate(lines, 1):
        record.insert(1 if title_first else 0, "%0 Journal Article")
        record.append(f"%M {n}")
    data = (newline + newline).join(newline.join(record) for record in lines).encode("utf-8")

    result = parse_export_unguarded(data, filename="refs.enw")

    assert result.format == "endnote-tagged"
    assert [(r.source_record_id, r.title) for r in result.records] == [
        (str(n), clean(title)) for n, title in enumerate(titles, 1)
    ]


_XML_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=60
).filter(lambda title: clean(title) != "")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@FUZZ
@given(titles=st.lists(_XML_TEXT, min_size=1, max_size=20), newline=_NEWLINE)
def test_well_formed_pubmed_xml_keeps_every_record_and_title(titles, newline):
    articles = [
        f"<PubmedArticle><MedlineCitation><PMID>{n}</PMID><Article><ArticleTitle>{_xml_escape(title)}"
        "</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        for n, title in enumerate(titles, 1)
    ]
    data = newline.join(["<PubmedArticleSet>", *articles, "</PubmedArticleSet>"]).encode("utf-8")

    result = parse_export_unguarded(data, filename="pubmed.xml")

    assert [(r.pmid, r.title) for r in result.records] == [
        (str(n), clean(title)) for n, title in enumerate(titles, 1)
    ]


@pytest.mark.parametrize("name", ["pubmed.xml", "endnote.enw"])
@FUZZ
@given(data=st.data())
def test_cut_or_damaged_fixtures_parse_or_raise_an_import_format_error(name, data):
    content = bytearray(fixture_bytes(name))
    content = content[: data.draw(st.integers(min_value=0, max_value=len(content)), label="cut")]
    for _ in range(data.draw(st.integers(min_value=0, max_value=3), label="damage")):
        if content:
            position = data.draw(st.integers(min_value=0, max_value=len(content) - 1))
            content[position] = data.draw(st.integers(min_value=0, max_value=255))

    parses_or_refuses(bytes(content), name, data.draw(st.sampled_from([None, *FORMATS])))


_CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30),
)


@settings(max_examples=25, deadline=None, database=None)
@given(rows=st.lists(st.lists(_CELL, max_size=5), max_size=6), header=st.booleans())
def test_any_workbook_parses_or_raises_an_import_format_error(rows, header):
    workbook = openpyxl.Workbook()
    for row in ([["Title", "Year"]] if header else []) + rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    parses_or_refuses(buffer.getvalue(), "refs.xlsx", None)


def test_the_public_entry_point_turns_a_reader_bug_into_an_import_format_error(monkeypatch):
    def broken_reader(text, filename):
        raise KeyError("bug")

    monkeypatch.setitem(api._TEXT_PARSERS, "ris", broken_reader)

    with pytest.raises(
        ImportFormatError, match=r"refs.ris: the file could not be read because of an unexpected"
    ):
        parse_export(b"TY  - JOUR\nER  - \n", filename="refs.ris")
