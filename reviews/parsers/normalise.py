"""Small, format-independent clean-ups: DOI, PMID, year, pages, whitespace, character references."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/\S+")
_DOI_TRAILING = ".,;:"
_BRACKETS = {")": "(", "]": "[", ">": "<"}
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)", re.ASCII)
# "20170812" style dates carry a year too, but only when nothing else does.
_COMPACT_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])(?!\d)", re.ASCII)
_PMID = re.compile(
    r"(?:(?:pmid|pubmed|medline|nlm)\b ?[:#]? ?)?(?:nlm)?(\d{1,9})(?: ?\[[a-z]*\])?", re.I | re.ASCII
)
_PUBMED_URL = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d{1,9})(?!\d)", re.I | re.ASCII
)
_PMID_NOTE = re.compile(r"\b(?:PMID|PUBMED)\b\s*(?::\s*)?(?:NLM)?(\d{1,9})(?!\d)", re.I | re.ASCII)
_PAGE_DASH = re.compile(r"\s*(?:-{1,3}|[\u2010-\u2015])\s*")
_EMPTY_MARKERS = frozenset({"nan", "none", "null", "n/a"})


def normalise_doi(value: str) -> str:
    """The DOI in a value, lower-cased, without URL or "doi:" prefix; "" when there is none."""
    if not value:
        return ""
    text = value.strip()
    if "%" in text:
        text = unquote(text)
    match = _DOI.search(text)
    if not match:
        return ""
    doi = match.group(0).rstrip(_DOI_TRAILING)
    # A DOI quoted in running text often ends in a closing bracket that is not part of it.
    for _ in range(3):
        closing = doi[-1:]
        if not closing or closing not in _BRACKETS or doi.count(closing) <= doi.count(_BRACKETS[closing]):
            break
        doi = doi[:-1].rstrip(_DOI_TRAILING)
    return doi.lower()


def looks_like_doi(value: str) -> bool:
    return bool(value) and bool(_DOI.search(value))


def normalise_pmid(value: str) -> str:
    """Digits of a PubMed id written as "123", "PMID: 123", "NLM123" or "MEDLINE:123"; "" otherwise."""
    value = " ".join(value.split()) if value and len(value) <= 64 else ""
    match = _PMID.fullmatch(value.replace("MEDLINE:", "").replace("medline:", "")) if value else None
    if match and match.group(1).strip("0"):
        return match.group(1)
    return ""


def pmid_from_url(value: str) -> str:
    match = _PUBMED_URL.search(value or "")
    return match.group(1) if match else ""


def pmid_from_note(value: str) -> str:
    match = _PMID_NOTE.search(value or "")
    return match.group(1) if match else ""


def extract_year(value: str) -> int | None:
    """First plausible publication year in a date-ish value ("2019///", "2019 Nov 15", "1999.0")."""
    if not value:
        return None
    match = _YEAR.search(value) or _COMPACT_DATE.search(value)
    return int(match.group(1)) if match else None


# Every whitespace character but the space (what str.split() splits on), ASCII ones first.
_ASCII_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
_OTHER_WHITESPACE = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITESPACE = _ASCII_WHITESPACE + _OTHER_WHITESPACE


def clean(value: str) -> str:
    """Collapse runs of whitespace (including line breaks of wrapped text) to single spaces."""
    if len(value) > 200 and _is_clean(value):
        # An abstract is usually clean already: a few scans in C tell, where splitting it into words and
        # joining them again costs several times that.
        return value
    return " ".join(value.split()) if value else ""


def _is_clean(value: str) -> bool:
    if value[0] == " " or value[-1] == " " or "  " in value:
        return False
    for character in _ASCII_WHITESPACE if value.isascii() else _WHITESPACE:
        if character in value:
            return False
    return True


# A complete HTML character reference: named, decimal or hexadecimal, ending in ";".
_CHARACTER_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def decode_character_references(value: str) -> str:
    """The text with HTML character references decoded ("p &lt; 0.05" as "p < 0.05"): some exports (Scopus
    RIS among them) write them in titles and abstracts. Only complete ones, ending in ";": html.unescape on
    the whole text would also read the few names HTML allows without one ("R&D &not tested" as "R&D ¬
    tested")."""
    if "&" not in value:
        return value
    decoded = _CHARACTER_REFERENCE.sub(lambda reference: html.unescape(reference.group(0)), value)
    # "&nbsp;" or "&#10;" decode to whitespace, which the readers have already collapsed everywhere else.
    return clean(decoded) if decoded != value else value


def clean_each(values: Iterable[str]) -> list[str]:
    """Each value cleaned, the empty ones left out (one pass: a MEDLINE record lists dozens of terms)."""
    return [value for value in map(clean, values) if value]


def is_empty_marker(value: str) -> bool:
    return not value.strip() or value.strip().lower() in _EMPTY_MARKERS


def join_pages(start: str, end: str) -> str:
    """ "123-130" from a start and an end page; a range written in one field is tidied the same way."""
    start, end = _PAGE_DASH.sub("-", clean(start)), clean(end)
    if is_empty_marker(start):
        start = ""
    if is_empty_marker(end):
        end = ""
    if start.lower() == "no" and end.lower() == "specified":
        return ""  # Ovid's "No pagination specified", split over SP and EP
    if start and end and end != start and "-" not in start:
        return f"{start}-{end}"
    return start or end


def first_value(raw: dict[str, list[str]], *keys: str, cleaner=clean) -> str:
    """The first non-empty value among keys, in the order the keys are given."""
    for key in keys:
        for value in raw.get(key, ()):
            cleaned = cleaner(value)
            if cleaned:
                return cleaned
    return ""


def first_year(raw: dict[str, list[str]], *keys: str) -> int | None:
    for key in keys:
        for value in raw.get(key, ()):
            year = extract_year(value)
            if year is not None:
                return year
    return None


def first_doi(values: Iterable[str]) -> str:
    for value in values:
        doi = normalise_doi(value)
        if doi:
            return doi
    return ""


def unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, first occurrence kept, order preserved."""
    seen: set[str] = set()
    result = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            result.append(value)
    return result


def split_keywords(value: str) -> list[str]:
    """Keyword cells hold one keyword, or several separated by semicolons or line breaks."""
    parts = re.split(r"\s*[;\n]\s*", value) if (";" in value or "\n" in value) else [value]
    return clean_each(parts)


def is_doi_url(value: str) -> bool:
    lowered = value.lower()
    return "doi.org/" in lowered
