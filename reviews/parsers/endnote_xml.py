"""EndNote XML (``<xml><records><record>``), as written by EndNote, Mendeley and Zotero.

Uploaded XML is untrusted: DTDs, entity declarations and external references are refused outright
(defusedxml), which also rules out entity-expansion bombs.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from .base import ImportFormatError, ParsedRecord, add_raw
from .normalise import (
    clean_each,
    first_doi,
    first_value,
    first_year,
    is_doi_url,
    join_pages,
    normalise_pmid,
    pmid_from_note,
    pmid_from_url,
)
from .text import normalise_newlines
from .xml_records import xml_find_records, xml_parse, xml_record_lines

# Formatting wrappers whose text belongs to the enclosing field.
_INLINE = frozenset({"style"})
_MAX_DEPTH = 8
_RECORD_START = re.compile(r"<record[\s>/]")
_MEDLINE_DB = re.compile(r"medline|pubmed|\bnlm\b", re.I)
_NOTE_FIELDS = ("notes", "custom1", "custom2", "custom3", "custom4", "custom5", "custom6", "custom7")


def parse_endnote_xml(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    root = xml_parse(text, filename, format_name="EndNote XML")
    elements = xml_find_records(root, ("record",))
    if not elements:
        raise ImportFormatError(
            f"no records found: the XML has no <record> elements (its root element is <{root.tag}>), "
            "so it is not an EndNote XML export",
            filename=filename,
        )
    lines = xml_record_lines(text, _RECORD_START, len(elements))
    records = [
        _to_record(element, position, lines[position - 1]) for position, element in enumerate(elements, 1)
    ]
    return records, []


def _flatten(record: Element) -> dict[str, list[str]]:
    """Every field of a record as path -> values (e.g. "titles/title"); attributes as "path@name"."""
    raw: dict[str, list[str]] = {}
    stack = [(child, child.tag, 1) for child in reversed(list(record))]
    while stack:
        element, path, depth = stack.pop()
        for name, value in element.attrib.items():
            add_raw(raw, f"{path}@{name}", value)
        children = [child for child in element if child.tag not in _INLINE]
        # Real exports nest four levels at most; deeper input is read as text so paths stay short.
        if children and depth < _MAX_DEPTH:
            stack.extend((child, f"{path}/{child.tag}", depth + 1) for child in reversed(children))
        else:
            add_raw(raw, path, normalise_newlines("".join(element.itertext())).strip())
    return raw


def _to_record(element: Element, position: int, line: int) -> ParsedRecord:
    raw = _flatten(element)
    return ParsedRecord(
        position=position,
        line=line,
        title=first_value(raw, "titles/title", "titles/short-title"),
        abstract=first_value(raw, "abstract"),
        authors=clean_each(raw.get("contributors/authors/author", ())),
        year=first_year(raw, "dates/year", "dates/pub-dates/date"),
        journal=first_value(
            raw,
            "periodical/full-title",
            "titles/secondary-title",
            "periodical/abbr-1",
            "alt-periodical/full-title",
        ),
        volume=first_value(raw, "volume"),
        issue=first_value(raw, "number", "issue"),
        pages=join_pages(first_value(raw, "pages"), ""),
        doi=_doi(raw),
        pmid=_pmid(raw),
        keywords=clean_each(raw.get("keywords/keyword", ())),
        language=first_value(raw, "language"),
        publication_type=first_value(raw, "ref-type@name", "work-type"),
        urls=_urls(raw),
        source_record_id=first_value(raw, "rec-number"),
        raw=raw,
    )


def _doi(raw: dict[str, list[str]]) -> str:
    doi = first_doi(raw.get("electronic-resource-num", ()))
    if doi:
        return doi
    return first_doi(url for url in _urls(raw) if is_doi_url(url))


def _pmid(raw: dict[str, list[str]]) -> str:
    database = " ".join(raw.get("remote-database-name", []) + raw.get("remote-database-provider", []))
    accession = first_value(raw, "accession-num", cleaner=normalise_pmid)
    # Mendeley gives no database at all; an accession number of up to eight digits is then a PMID
    # (Embase, CINAHL and Web of Science numbers are longer or carry letters).
    if accession and (_MEDLINE_DB.search(database) or (not database.strip() and len(accession) <= 8)):
        return accession
    for url in _urls(raw):
        pmid = pmid_from_url(url)
        if pmid:
            return pmid
    return first_value(raw, *_NOTE_FIELDS, cleaner=pmid_from_note)


def _urls(raw: dict[str, list[str]]) -> list[str]:
    urls = []
    for key in ("urls/related-urls/url", "urls/web-urls/url", "urls/text-urls/url"):
        for value in raw.get(key, ()):
            urls.extend(part for part in value.split() if part)
    return list(dict.fromkeys(urls))
