"""EndNote tagged text (Refer/BibIX: EndNote's "EndNote" export style, .enw, text .enl files).

A tag is "%" and one character, then a space: "%0 Journal Article", "%T title", "%A author" once per author.
A blank line ends a record, and a record may open with any tag (AIS eLibrary writes %T before %0). A line
without a tag continues the field before it; after a blank line it is a new paragraph of that field, since
a record cannot start without a tag.
"""

from __future__ import annotations

import re

from .base import ParsedRecord, add_raw, ignored_lines_warning
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
    split_keywords,
)
from .text import split_lines

# EndNote's tag characters: digits, capitals and the punctuation its reference types use for extra fields.
_TAG = re.compile(r"%([0-9A-Z!#$&()*+<=>?@\[\]^~])(?: |$)")
# A second reference type or title in one record means the blank line between two records went missing.
_ONCE_PER_RECORD = frozenset({"0", "T"})
_MEDLINE_DB = re.compile(r"medline|pubmed|\bnlm\b", re.I)
_NOTE_TAGS = ("%Z", "%1", "%2", "%3", "%4", "%5", "%6", "%#", "%$", "%]")


class _Draft:
    def __init__(self, line: int):
        self.line = line
        self.fields: list[tuple[str, list[str]]] = []
        self.tags: set[str] = set()
        self.blank_lines = 0

    def add(self, tag: str, value: str) -> None:
        self.fields.append((tag, [value]))
        self.tags.add(tag)
        self.blank_lines = 0

    def extend(self, line: str) -> None:
        parts = self.fields[-1][1]
        parts.extend([""] * self.blank_lines)
        parts.append(line.strip())
        self.blank_lines = 0

    def starts_next_record(self, tag: str) -> bool:
        return self.blank_lines > 0 or (tag in _ONCE_PER_RECORD and tag in self.tags)


def parse_endnote_tagged(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    records: list[ParsedRecord] = []
    warnings: list[str] = []
    draft: _Draft | None = None
    ignored: list[int] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            if draft is not None:
                draft.blank_lines += 1
            continue
        match = _TAG.match(line)
        if match is None:
            if draft is not None:
                draft.extend(line)
            else:
                ignored.append(number)
            continue
        tag = match.group(1)
        if draft is not None and draft.starts_next_record(tag):
            records.append(_to_record(draft, len(records) + 1))
            draft = None
        if draft is None:
            draft = _Draft(number)
        draft.add(tag, line[match.end() :].strip())
    if draft is not None:
        records.append(_to_record(draft, len(records) + 1))
    if ignored and records:
        warnings.append(ignored_lines_warning(ignored, "before the first record"))
    return records, warnings


def _to_record(draft: _Draft, position: int) -> ParsedRecord:
    raw: dict[str, list[str]] = {}
    for tag, parts in draft.fields:
        add_raw(raw, f"%{tag}", "\n".join(parts).strip())
    urls = _urls(raw)
    return ParsedRecord(
        position=position,
        line=draft.line,
        title=first_value(raw, "%T", "%!"),
        abstract=first_value(raw, "%X"),
        authors=clean_each(raw.get("%A", ())),
        year=first_year(raw, "%D", "%8"),
        # EndNote files a journal article's journal under %B when it has no %J (Secondary Title).
        journal=first_value(raw, "%J", "%B"),
        volume=first_value(raw, "%V"),
        issue=first_value(raw, "%N"),
        pages=join_pages(first_value(raw, "%P"), ""),
        doi=first_doi(raw.get("%R", ())) or first_doi(url for url in urls if is_doi_url(url)),
        pmid=_pmid(raw, urls),
        keywords=[keyword for value in raw.get("%K", ()) for keyword in split_keywords(value)],
        language=first_value(raw, "%G"),
        publication_type=first_value(raw, "%0", "%9"),
        urls=urls,
        source_record_id=first_value(raw, "%M", "%F"),
        raw=raw,
    )


def _urls(raw: dict[str, list[str]]) -> list[str]:
    urls = [part for value in raw.get("%U", ()) for part in value.split()]
    return list(dict.fromkeys(urls))


def _pmid(raw: dict[str, list[str]], urls: list[str]) -> str:
    database = " ".join(raw.get("%~", []) + raw.get("%W", []))
    accession = first_value(raw, "%M", cleaner=normalise_pmid)
    # As in EndNote XML: an accession number is a PMID when the database is MEDLINE/PubMed, or when no
    # database is named and the number is short enough (Embase, CINAHL and WoS numbers are longer).
    if accession and (_MEDLINE_DB.search(database) or (not database.strip() and len(accession) <= 8)):
        return accession
    for url in urls:
        pmid = pmid_from_url(url)
        if pmid:
            return pmid
    return first_value(raw, *_NOTE_TAGS, cleaner=pmid_from_note)
