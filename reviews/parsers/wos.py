"""Web of Science tagged text ("Plain text" / CIW), also used by Zoological Record and other Clarivate indexes.

"FN"/"VR" open the file, "PT" opens a record, "ER" closes it, "EF" closes the file; a two-character tag
starts a line and values continue on lines indented by three spaces.
"""

from __future__ import annotations

import re
import sys

from .base import ImportFormatError, ParsedRecord, add_raw
from .normalise import clean_each, first_doi, first_value, first_year, join_pages, normalise_pmid
from .text import split_lines

_TAG = re.compile(r"([A-Z][A-Z0-9])(?: |$)")
_FILE_TAGS = frozenset({"FN", "VR"})
# Tags whose continuation lines are further items (one name, address or cited reference a line).
_ONE_VALUE_PER_LINE = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "BE", "ED", "C1", "CR"})


class _Draft:
    def __init__(self, line: int):
        self.line = line
        self.fields: list[tuple[str, list[str]]] = []

    def add(self, tag: str, value: str) -> None:
        self.fields.append((tag, [value]))

    def extend(self, line: str) -> None:
        tag, parts = self.fields[-1]
        if tag in _ONE_VALUE_PER_LINE:
            self.fields.append((tag, [line.strip()]))
        else:
            parts.append(line.strip())


def parse_wos(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    records: list[ParsedRecord] = []
    warnings: list[str] = []
    draft: _Draft | None = None
    last_end = 0
    for number, line in enumerate(split_lines(text), 1):
        match = _TAG.match(line)
        if match is None:
            if draft is not None and draft.fields and line.strip():
                draft.extend(line)
            continue
        tag, value = sys.intern(match.group(1)), line[3:].strip()
        if tag == "PT":
            if draft is not None:
                raise _unterminated(filename, len(records) + 1, draft.line, f"the next PT at line {number}")
            draft = _Draft(number)
            draft.add(tag, value)
        elif tag == "EF":
            break
        elif draft is None:
            if tag in _FILE_TAGS or tag == "ER":
                continue
            raise ImportFormatError(
                f"tag {tag} appears outside any record (after the record that ended at line {last_end}); "
                "every Web of Science record must start with a PT line",
                filename=filename,
                line=number,
            )
        elif tag == "ER":
            records.append(_to_record(draft, len(records) + 1))
            draft, last_end = None, number
        else:
            draft.add(tag, value)
    if draft is not None:
        raise _unterminated(filename, len(records) + 1, draft.line, "the end of the file")
    return records, warnings


def _unterminated(filename: str, record: int, line: int, where: str) -> ImportFormatError:
    return ImportFormatError(
        f"record {record} starts with PT but has no ER before {where}", filename=filename, line=line
    )


def _to_record(draft: _Draft, position: int) -> ParsedRecord:
    raw: dict[str, list[str]] = {}
    for tag, parts in draft.fields:
        add_raw(raw, tag, " ".join(part for part in parts if part))
    return ParsedRecord(
        position=position,
        line=draft.line,
        title=first_value(raw, "TI"),
        abstract=first_value(raw, "AB"),
        authors=_names(raw, "AF") or _names(raw, "AU") or _names(raw, "CA"),
        year=first_year(raw, "PY", "EY", "PD"),
        journal=first_value(raw, "SO", "J9", "JI"),
        volume=first_value(raw, "VL"),
        issue=first_value(raw, "IS"),
        pages=join_pages(first_value(raw, "BP"), first_value(raw, "EP")),
        doi=first_doi(raw.get("DI", []) + raw.get("D2", [])),
        pmid=first_value(raw, "PM", cleaner=normalise_pmid),
        keywords=_keywords(raw),
        language=first_value(raw, "LA"),
        publication_type=first_value(raw, "DT", "PT"),
        urls=clean_each(raw.get("UR", ())),
        source_record_id=first_value(raw, "UT", "AN"),
        raw=raw,
    )


def _names(raw: dict[str, list[str]], tag: str) -> list[str]:
    return clean_each(raw.get(tag, ()))


def _keywords(raw: dict[str, list[str]]) -> list[str]:
    keywords = []
    for tag in ("DE", "ID"):
        for value in raw.get(tag, ()):
            keywords.extend(clean_each(value.split(";")))
    return keywords
