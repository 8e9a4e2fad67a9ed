"""RIS, as written by Ovid, EBSCO, Embase.com, Scopus, Web of Science, ProQuest, EndNote, Zotero, Rayyan...

rispy drops records silently when a file is truncated and does not report line numbers, so the lines are
read here; rispy's tag table still decides which tags may hold a list of values.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

import rispy

from .base import ImportFormatError, ParsedRecord, add_raw
from .normalise import (
    clean,
    clean_each,
    first_doi,
    first_value,
    first_year,
    is_doi_url,
    join_pages,
    looks_like_doi,
    normalise_pmid,
    pmid_from_note,
    pmid_from_url,
)
from .text import split_lines

# Two to four characters (PsycNET writes "PMID  - "), two spaces, a hyphen, then a space or nothing.
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3})  -(?= |$)")
# Rayyan writes one keyword (or author) per line under a single KW/AU tag.
_ONE_VALUE_PER_LINE = frozenset(rispy.LIST_TYPE_TAGS) - {"N1"} | {"L1", "L2", "L4"}
_MEDLINE_DB = re.compile(r"medline|pubmed|\bnlm\b", re.I)
_OVID_MEDLINE_LINK = re.compile(r"ovid\w*\.com/.*\bD=(?:med|prem|mesz)\w*.*?\bAN=(\d{1,9})(?!\d)", re.I)
_URL_SPLIT = re.compile(r"\s+|;(?=\s*(?:https?|ftp)://)")
_PMID_NOTE_TAGS = ("N1", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "M1", "M2")


@dataclass
class _Field:
    tag: str
    lines: list[str]


@dataclass
class _Draft:
    line: int
    fields: list[_Field] = field(default_factory=list)
    blank_lines: int = 0

    def continue_last(self, line: str) -> None:
        last = self.fields[-1]
        if last.tag in _ONE_VALUE_PER_LINE and not line[:1].isspace():
            self.fields.append(_Field(last.tag, [line.strip()]))
        else:
            last.lines.extend([""] * self.blank_lines)
            last.lines.append(line.strip())
        self.blank_lines = 0


class _Reader:
    """Line-by-line state: the record being read, and the one just closed by ER.

    Ovid writes an NL tag after ER; tag lines between ER and the next TY are kept with the record before
    them. If such lines end with another ER instead, a record lost its TY line, and that is an error.
    """

    def __init__(self, filename: str):
        self.filename = filename
        self.records: list[ParsedRecord] = []
        self.warnings: list[str] = []
        self.draft: _Draft | None = None
        self.closed: _Draft | None = None
        self.trailing: list[int] = []
        self.trailing_total: list[int] = []

    def tag(self, number: int, tag: str, value: str) -> None:
        if tag == "TY":
            self.start(number, value)
        elif self.draft is not None:
            self.inside(number, tag, value)
        else:
            self.between(number, tag, value)

    def start(self, number: int, value: str) -> None:
        if self.draft is not None:
            raise ImportFormatError(
                f"record {self.next_position()} starts with TY at line {self.draft.line} but has no ER "
                f"before the next TY at line {number}",
                filename=self.filename,
                line=number,
            )
        self.flush()
        self.draft = _Draft(number, [_Field("TY", [value])])

    def inside(self, number: int, tag: str, value: str) -> None:
        if tag == "ER":
            self.flush()
            self.closed, self.draft = self.draft, None
        else:
            self.draft.blank_lines = 0
            self.draft.fields.append(_Field(tag, [value]))

    def between(self, number: int, tag: str, value: str) -> None:
        if tag == "ER" and self.trailing:
            raise ImportFormatError(
                f"the record ending with the ER at line {number} has no TY line (its first tag is at "
                f"line {self.trailing[0]})",
                filename=self.filename,
                line=self.trailing[0],
            )
        if tag == "ER":
            self.warnings.append(f"line {number}: an ER line outside any record was ignored")
        elif self.closed is None:
            raise ImportFormatError(
                f"tag {tag} appears before the first record; every RIS record must start with a TY line",
                filename=self.filename,
                line=number,
            )
        else:
            self.trailing.append(number)
            self.trailing_total.append(number)
            self.closed.fields.append(_Field(tag, [value]))

    def continuation(self, line: str) -> None:
        if self.draft is not None:
            _continue(self.draft, line)

    def flush(self) -> None:
        if self.closed is not None:
            self.records.append(_to_record(self.closed, len(self.records) + 1))
            self.closed = None
        self.trailing = []

    def next_position(self) -> int:
        # Only called while a record is open, and opening one has flushed the record before it.
        return len(self.records) + 1

    def finish(self) -> tuple[list[ParsedRecord], list[str]]:
        if self.draft is not None:
            raise ImportFormatError(
                f"record {self.next_position()} starts with TY but has no ER before the end of the file",
                filename=self.filename,
                line=self.draft.line,
            )
        self.flush()
        if self.trailing_total:
            first = self.trailing_total[0]
            self.warnings.append(
                f"{len(self.trailing_total)} tag line(s) after an ER line (first at line {first}) were kept "
                "with the record before them"
            )
        return self.records, self.warnings


def parse_ris(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    reader = _Reader(filename)
    for number, line in enumerate(split_lines(text), 1):
        match = _TAG.match(line)
        if match is None:
            reader.continuation(line)
        else:
            # One string per tag name, not one per line: every record's raw fields are keyed by them.
            reader.tag(number, sys.intern(match.group(1)), line[match.end() :].strip())
    return reader.finish()


def _continue(draft: _Draft, line: str) -> None:
    if not line.strip():
        draft.blank_lines += 1
    else:
        draft.continue_last(line)


def _to_record(draft: _Draft, position: int) -> ParsedRecord:
    raw: dict[str, list[str]] = {}
    for item in draft.fields:
        # Lines are kept stripped: a value on one line needs no joining (most of them).
        lines = item.lines
        add_raw(raw, item.tag, lines[0] if len(lines) == 1 else "\n".join(lines).strip())
    return ParsedRecord(
        position=position,
        line=draft.line,
        title=first_value(raw, "TI", "T1", "CT", "BT"),
        abstract=first_value(raw, "AB", "N2"),
        authors=_authors(draft.fields),
        year=first_year(raw, "PY", "Y1", "DA"),
        journal=first_value(raw, "JF", "JO", "T2", "JA", "J2", "J1"),
        volume=first_value(raw, "VL", "VO"),
        issue=first_value(raw, "IS"),
        pages=join_pages(first_value(raw, "SP"), first_value(raw, "EP")),
        doi=_doi(raw),
        pmid=_pmid(raw),
        keywords=clean_each(raw.get("KW", ())),
        language=first_value(raw, "LA"),
        publication_type=first_value(raw, "TY"),
        urls=_urls(raw),
        source_record_id=_source_id(raw),
        raw=raw,
    )


def _authors(fields: list[_Field]) -> list[str]:
    names = [(item.tag, clean(" ".join(item.lines))) for item in fields if item.tag in ("AU", "A1")]
    names = [(tag, name) for tag, name in names if name]
    au = [name for tag, name in names if tag == "AU"]
    # Some writers repeat the same list under both tags; keep it once.
    if au and au == [name for tag, name in names if tag == "A1"]:
        return au
    return [name for _, name in names]


def _doi(raw: dict[str, list[str]]) -> str:
    doi = first_doi(raw.get("DO", ())) or first_doi(raw.get("L3", ()))
    if doi:
        return doi
    links = [v for tag in ("UR", "L2") for v in raw.get(tag, ()) if is_doi_url(v)]
    doi = first_doi(links)
    if doi:
        return doi
    return first_doi(v for v in raw.get("M3", ()) if looks_like_doi(v))


def _pmid(raw: dict[str, list[str]]) -> str:
    pmid = first_value(raw, "PMID", cleaner=normalise_pmid)
    if pmid:
        return pmid
    databases = " ".join(raw.get("DB", []) + raw.get("DP", []))
    if _MEDLINE_DB.search(databases):
        pmid = first_value(raw, "AN", cleaner=normalise_pmid)
        if pmid:
            return pmid
    links = [v for tag in ("UR", "L2", "L1") for v in raw.get(tag, ())]
    for link in links:
        ovid = _OVID_MEDLINE_LINK.search(link[:2000])
        if ovid:
            return ovid.group(1)
        pmid = pmid_from_url(link)
        if pmid:
            return pmid
    # Scopus writes the PubMed id alone in C2 (EndNote uses C2 for the PMCID, which is not all digits);
    # Embase.com writes the MEDLINE id in C5.
    id_tags = ("C2", "C5") if "embase" in databases.lower() else ("C2",)
    for tag in id_tags:
        digits = [v for v in raw.get(tag, ()) if v.strip().isascii() and v.strip().isdigit()]
        if digits:
            return normalise_pmid(digits[0])
    return first_value(raw, *_PMID_NOTE_TAGS, cleaner=pmid_from_note)


def _urls(raw: dict[str, list[str]]) -> list[str]:
    urls = []
    for tag in ("UR", "L2"):
        for value in raw.get(tag, ()):
            urls.extend(part.strip().rstrip(";") for part in _URL_SPLIT.split(value) if part.strip())
    return [url for url in dict.fromkeys(urls) if url]


def _source_id(raw: dict[str, list[str]]) -> str:
    found = first_value(raw, "ID", "AN")
    if found:
        return found
    if any("embase" in v.lower() for v in raw.get("DB", ())):
        return first_value(raw, "U2")
    return ""
