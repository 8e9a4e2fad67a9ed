"""PubMed XML (PubMed's Save > Format: XML, or E-utilities efetch): a <PubmedArticleSet> of <PubmedArticle>
and <PubmedBookArticle> records; and the older MEDLINE layout of NLM's baseline files before 2017, a
<MedlineCitationSet> of bare <MedlineCitation> records (no PubmedArticle around them, no PubmedData).

Uploaded XML is untrusted. PubMed's own files open with <!DOCTYPE PubmedArticleSet PUBLIC "..." "https://...">,
so a DOCTYPE is allowed here: the external DTD it names is never fetched (expat reads no external subset
unless asked to). Entity declarations and external references are still refused (defusedxml), which rules
out entity-expansion bombs and reads of local files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element

from .base import ImportFormatError, ParsedRecord, add_raw
from .normalise import clean, extract_year, first_doi, join_pages, normalise_pmid
from .text import normalise_newlines
from .xml_records import xml_find_records, xml_parse, xml_record_lines

_RECORD_TAGS = frozenset({"PubmedArticle", "PubmedBookArticle"})
_CITATION = "MedlineCitation"
# Formatting inside titles and abstracts (the DTD's b, i, sup, sub, u); MathML tags carry a namespace.
_INLINE = frozenset({"b", "i", "sup", "sub", "u"})
# Identifiers whose meaning lies in a type attribute; raw keeps them as "path[type]" so the pair stays together.
_TYPED_IDS = {"ArticleId": "IdType", "ELocationID": "EIdType"}
_MAX_DEPTH = 8
_RECORD_START = re.compile(r"<Pubmed(?:Book)?Article[\s>/]")
_CITATION_START = re.compile(r"<MedlineCitation[\s>/]")


def parse_pubmed_xml(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    root = xml_parse(text, filename, format_name="PubMed XML", allow_doctype=True)
    elements = xml_find_records(root, _RECORD_TAGS)
    record_start = _RECORD_START
    if not elements:
        # A MedlineCitation is only a record of its own where no PubmedArticle wraps it.
        elements = xml_find_records(root, {_CITATION})
        record_start = _CITATION_START
    if not elements:
        raise ImportFormatError(
            "no records found: the XML has no <PubmedArticle>, <PubmedBookArticle> or <MedlineCitation> "
            f"elements (its root element is <{root.tag}>), so it is not a PubMed XML export",
            filename=filename,
        )
    lines = xml_record_lines(text, record_start, len(elements))
    records = [
        _to_record(element, position, lines[position - 1]) for position, element in enumerate(elements, 1)
    ]
    return records, []


def _is_inline(element: Element) -> bool:
    return element.tag in _INLINE or element.tag.startswith("{")


def _flatten(record: Element) -> dict[str, list[str]]:
    """Every field of a record as path -> values ("MedlineCitation/Article/ArticleTitle"), attributes as
    "path@name", typed identifiers as "path[type]" ("PubmedData/ArticleIdList/ArticleId[pmc]")."""
    raw: dict[str, list[str]] = {}
    if record.tag == _CITATION:
        # The older layout's record is the MedlineCitation itself: its fields get the paths they have
        # inside a PubmedArticle, so both layouts keep the same raw fields.
        for name, value in record.attrib.items():
            add_raw(raw, f"{_CITATION}@{name}", value)
        stack = [(child, f"{_CITATION}/{child.tag}", 2) for child in reversed(list(record))]
    else:
        stack = [(child, child.tag, 1) for child in reversed(list(record))]
    while stack:
        element, path, depth = stack.pop()
        type_attribute = _TYPED_IDS.get(element.tag)
        if type_attribute and element.get(type_attribute):
            path = f"{path}[{element.get(type_attribute)}]"
        for name, value in element.attrib.items():
            if name != type_attribute:
                add_raw(raw, f"{path}@{name}", value)
        children = [child for child in element if not _is_inline(child)]
        # PubMed nests six levels at most; deeper input is read as text so paths stay short.
        if children and depth < _MAX_DEPTH:
            stack.extend((child, f"{path}/{child.tag}", depth + 1) for child in reversed(children))
        else:
            add_raw(raw, path, normalise_newlines("".join(element.itertext())).strip())
    return raw


def _find(parent: Element | None, path: str) -> Element | None:
    return parent.find(path) if parent is not None else None


def _findall(parent: Element | None, path: str) -> list[Element]:
    return parent.findall(path) if parent is not None else []


def _text(element: Element | None) -> str:
    return clean("".join(element.itertext())) if element is not None else ""


def _first_text(elements: Iterable[Element | None]) -> str:
    for element in elements:
        text = _text(element)
        if text:
            return text
    return ""


def _to_record(element: Element, position: int, line: int) -> ParsedRecord:
    is_book = element.tag == "PubmedBookArticle"
    if element.tag == _CITATION:
        citation, data = element, None
    else:
        citation = element.find("BookDocument" if is_book else _CITATION)
        data = element.find("PubmedBookData" if is_book else "PubmedData")
    # A book's fields sit on BookDocument itself, an article's on MedlineCitation/Article.
    article = citation if is_book else _find(citation, "Article")
    book = _find(citation, "Book")
    journal = _find(article, "Journal")
    journal_issue = _find(journal, "JournalIssue")
    pmid = normalise_pmid(_text(_find(citation, "PMID")))
    return ParsedRecord(
        position=position,
        line=line,
        title=_first_text(
            [_find(article, "ArticleTitle"), _find(book, "BookTitle"), _find(article, "VernacularTitle")]
        ),
        abstract=_abstract(_find(article, "Abstract")),
        authors=_authors(article) or _authors(book),
        year=_year(
            [_find(journal_issue, "PubDate"), _find(book, "PubDate")], _findall(article, "ArticleDate/Year")
        ),
        journal=_first_text(
            [
                _find(journal, "Title"),
                _find(journal, "ISOAbbreviation"),
                _find(citation, "MedlineJournalInfo/MedlineTA"),
            ]
        ),
        volume=_first_text([_find(journal_issue, "Volume"), _find(book, "Volume")]),
        issue=_text(_find(journal_issue, "Issue")),
        pages=_pages(_find(article, "Pagination")),
        doi=_doi(article, [data, citation]),
        pmid=pmid,
        keywords=_keywords(citation),
        language=_first_text(_findall(article, "Language")),
        publication_type=_first_text(
            _findall(article, "PublicationTypeList/PublicationType") + _findall(article, "PublicationType")
        ),
        urls=[],
        source_record_id=pmid or _text(_find(citation, "PMID")),
        raw=_flatten(element),
    )


def _abstract(abstract: Element | None) -> str:
    parts = []
    for section in _findall(abstract, "AbstractText"):
        body, label = _text(section), clean(section.get("Label", ""))
        if body:
            parts.append(f"{label}: {body}" if label else body)
    return " ".join(parts)


def _authors(parent: Element | None) -> list[str]:
    names = []
    for author_list in _findall(parent, "AuthorList"):
        if author_list.get("Type") == "editors":
            continue
        # ValidYN="N" marks a name PubMed has since corrected; the corrected one follows it.
        names.extend(
            _name(author) for author in author_list.findall("Author") if author.get("ValidYN") != "N"
        )
    return [name for name in names if name]


def _name(author: Element) -> str:
    collective = _text(author.find("CollectiveName"))
    if collective:
        return collective
    last = _text(author.find("LastName"))
    initials = _text(author.find("Initials")) or _text(author.find("ForeName"))
    return f"{last}, {initials}" if last and initials else last or initials


def _year(pub_dates: list[Element | None], article_years: list[Element]) -> int | None:
    for pub_date in pub_dates:
        year = extract_year(_text(_find(pub_date, "Year"))) or extract_year(
            _text(_find(pub_date, "MedlineDate"))
        )
        if year:
            return year
    for element in article_years:
        year = extract_year(_text(element))
        if year:
            return year
    return None


def _pages(pagination: Element | None) -> str:
    medline = _text(_find(pagination, "MedlinePgn"))
    if medline:
        return join_pages(medline, "")
    return join_pages(_text(_find(pagination, "StartPage")), _text(_find(pagination, "EndPage")))


def _doi(article: Element | None, id_parents: list[Element | None]) -> str:
    locations = [
        _text(location)
        for location in _findall(article, "ELocationID")
        if location.get("EIdType") == "doi" and location.get("ValidYN") != "N"
    ]
    # Only the record's own id lists: ReferenceList holds the DOIs of the works it cites.
    ids = [
        _text(article_id)
        for parent in id_parents
        for article_id in _findall(parent, "ArticleIdList/ArticleId")
        if article_id.get("IdType") == "doi"
    ]
    return first_doi(locations) or first_doi(ids)


def _keywords(citation: Element | None) -> list[str]:
    terms = _findall(citation, "MeshHeadingList/MeshHeading/DescriptorName") + _findall(
        citation, "KeywordList/Keyword"
    )
    return [text for text in (_text(term) for term in terms) if text]
