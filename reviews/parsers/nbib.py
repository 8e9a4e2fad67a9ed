"""PubMed/MEDLINE tagged text (.nbib, "PubMed format"), including PMC's MEDLARS variant and ERIC's look-alike.

A tag is left-justified in four characters and followed by "- "; wrapped values continue on lines
indented by six spaces; a blank line ends a record.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from .base import ParsedRecord, add_raw, ignored_lines_warning
from .normalise import (
    clean_each,
    first_doi,
    first_value,
    first_year,
    is_doi_url,
    join_pages,
    normalise_pmid,
)
from .text import split_lines

_TAG_NAME = re.compile(r"[A-Z][A-Z0-9]{0,3}")


def split_tag(line: str) -> tuple[str, str] | None:
    """("TI", "value") for a tag line such as "TI  - value" or "PMID- 123"; None for anything else."""
    if len(line) < 5 or line[4] != "-" or (len(line) > 5 and line[5] != " "):
        return None
    tag = _tag_name(line[:4])
    return None if tag is None else (tag, line[6:].strip())


@lru_cache(maxsize=1024)  # an export uses a few dozen tags, on hundreds of thousands of lines
def _tag_name(column: str) -> str | None:
    tag = column.rstrip()
    # One string per tag name, not one per line: every record's raw fields are keyed by them.
    return sys.intern(tag) if _TAG_NAME.fullmatch(tag) else None


class _Draft:
    def __init__(self, line: int):
        self.line = line
        self.fields: list[tuple[str, list[str]]] = []
        self.has_pmid = False

    def add(self, tag: str, value: str) -> None:
        self.fields.append((tag, [value]))
        self.has_pmid = self.has_pmid or tag == "PMID"

    def extend(self, line: str) -> None:
        self.fields[-1][1].append(line.strip())


def parse_nbib(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    records: list[ParsedRecord] = []
    warnings: list[str] = []
    draft: _Draft | None = None
    ignored: list[int] = []
    for number, line in enumerate(split_lines(text), 1):
        # Most lines of a real export continue a wrapped value; only a "-" in the fifth column makes a tag.
        tagged = split_tag(line) if line[4:5] == "-" else None
        if tagged is None and (not line or line.isspace()):
            if draft is not None:
                records.append(_to_record(draft, len(records) + 1))
                draft = None
            continue
        if tagged is None:
            if draft is not None:
                draft.extend(line)
            else:
                ignored.append(number)
            continue
        # A second PMID means the blank line between two records went missing.
        if draft is not None and tagged[0] == "PMID" and draft.has_pmid:
            records.append(_to_record(draft, len(records) + 1))
            draft = None
        if draft is None:
            draft = _Draft(number)
        draft.add(*tagged)
    if draft is not None:
        records.append(_to_record(draft, len(records) + 1))
    if ignored and records:
        warnings.append(ignored_lines_warning(ignored, "outside any record"))
    return records, warnings


def _to_record(draft: _Draft, position: int) -> ParsedRecord:
    raw: dict[str, list[str]] = {}
    for tag, parts in draft.fields:
        # Most values fit on their tag's line: no joining then (a MEDLINE record has some fifty fields).
        add_raw(raw, tag, parts[0] if len(parts) == 1 else " ".join(part for part in parts if part))
    pmid = first_value(raw, "PMID", cleaner=normalise_pmid)
    return ParsedRecord(
        position=position,
        line=draft.line,
        title=first_value(raw, "TI", "BTI"),
        abstract=first_value(raw, "AB"),
        authors=_authors(raw),
        year=first_year(raw, "DP", "DEP"),
        journal=first_value(raw, "JT", "TA"),
        volume=first_value(raw, "VI"),
        issue=first_value(raw, "IP"),
        pages=join_pages(first_value(raw, "PG"), ""),
        doi=_doi(raw),
        pmid=pmid,
        keywords=clean_each([*raw.get("MH", ()), *raw.get("OT", ())]),
        language=first_value(raw, "LA"),
        publication_type=first_value(raw, "PT"),
        urls=[],
        source_record_id=pmid or first_value(raw, "PMC", "OID"),
        raw=raw,
    )


def _authors(raw: dict[str, list[str]]) -> list[str]:
    for tag in ("FAU", "AU", "CN"):
        names = clean_each(raw.get(tag, ()))
        if names:
            return names
    return []


def _doi(raw: dict[str, list[str]]) -> str:
    ids = raw.get("LID", []) + raw.get("AID", [])
    marked = [v for v in ids if v.rstrip().lower().endswith("[doi]")]
    return first_doi(marked) or first_doi(v for v in ids if is_doi_url(v))
