"""BibTeX, read with bibtexparser 2.

Entries bibtexparser rejects for duplicate keys or fields are kept (with a warning); an entry with
unbalanced braces is re-read one field per line, which is how EBSCO, Scopus and Web of Science write.
"""

from __future__ import annotations

import re
import unicodedata
import warnings as warnings_module

import bibtexparser
from bibtexparser.model import Entry, ImplicitComment, ParsingFailedBlock

from .base import ImportFormatError, ParsedRecord, add_raw
from .normalise import (
    clean,
    clean_each,
    first_doi,
    first_value,
    first_year,
    is_doi_url,
    join_pages,
    normalise_pmid,
    split_keywords,
)
from .text import normalise_newlines

_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_SYMBOLS = {"ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø"}
_SYMBOLS |= {"l": "ł", "L": "Ł", "i": "i", "j": "j"}
_ACCENT = re.compile(
    r"""\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"""
    r"""|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))"""
)
_SYMBOL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\s*\})?")
_ESCAPE = re.compile(r"\\([&%$#_{}])")
_COMMAND = re.compile(r"\\[A-Za-z]+\s*(?=\{)")
_ENTRY_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)\s*,?")
_FIELD_START = re.compile(r"^[ \t]*([A-Za-z][\w\-:.+]*)[ \t]*=[ \t]*", re.M)
# The lookbehind starts a match only at the beginning of a run of spaces, which keeps the search linear.
_AND = re.compile(r"(?<!\s)\s+and\s+")


def parse_bibtex(text: str, filename: str) -> tuple[list[ParsedRecord], list[str]]:
    text = normalise_newlines(text)
    blocks = _library(text, filename).blocks
    lines = text.split("\n")
    records: list[ParsedRecord] = []
    warnings: list[str] = []
    for index, block in enumerate(blocks):
        if isinstance(block, Entry):
            fields = _entry_fields(block)
        elif isinstance(block, ParsingFailedBlock):
            fields = _recover(block, _region(blocks, index, lines), filename, warnings)
        else:
            continue
        records.append(_to_record(fields, len(records) + 1, (block.start_line or 0) + 1))
    return records, warnings


def _region(blocks: list, index: int, lines: list[str]) -> str:
    """The text from a failed block up to the next real block.

    bibtexparser stops a failed block where it lost track of the braces and files the rest of the entry
    as a comment, so the block's own raw text can miss fields.
    """
    start = blocks[index].start_line or 0
    following = (b for b in blocks[index + 1 :] if not isinstance(b, ImplicitComment))
    end = next((b.start_line for b in following if b.start_line is not None), len(lines))
    return "\n".join(lines[start:end])


def _library(text: str, filename: str):
    with warnings_module.catch_warnings():
        warnings_module.simplefilter("ignore")
        try:
            return bibtexparser.parse_string(text)
        except Exception as err:  # the splitter can fail on pathological input; report, do not crash
            raise ImportFormatError(f"the BibTeX could not be read ({err})", filename=filename) from None


def _entry_fields(entry: Entry) -> list[tuple[str, str]]:
    return [("ENTRYTYPE", entry.entry_type), ("ID", entry.key)] + [
        (f.key, str(f.value)) for f in entry.fields
    ]


def _recover(
    block: ParsingFailedBlock, region: str, filename: str, warnings: list[str]
) -> list[tuple[str, str]]:
    line = (block.start_line or 0) + 1
    kept = block.ignore_error_block
    if isinstance(kept, Entry):
        warnings.append(f"line {line}: {_first_line(block.error)}; the entry was kept as written")
        # bibtexparser hands back such entries before removing the braces or quotes around values.
        return [(key, _strip_enclosing(value)) for key, value in _entry_fields(kept)]
    salvaged = _fields_by_line(region)
    if salvaged is None:
        raise ImportFormatError(
            f"this BibTeX entry could not be read: {_first_line(block.error) or 'syntax error'}",
            filename=filename,
            line=line,
        )
    warnings.append(
        f"line {line}: the entry has unbalanced braces or quotes; its fields were read line by line"
    )
    return salvaged


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _fields_by_line(raw: str) -> list[tuple[str, str]] | None:
    head = _ENTRY_HEAD.search(raw)
    if head is None:
        return None
    body = raw[head.end() :]
    starts = list(_FIELD_START.finditer(body))
    if not starts:
        return None
    fields = [("ENTRYTYPE", head.group(1).lower()), ("ID", head.group(2))]
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        fields.append((match.group(1), _unwrap(body[match.end() : end])))
    return fields


def _unwrap(value: str) -> str:
    value = value.strip().rstrip(",").strip()
    if value.endswith("}") and value.count("}") > value.count("{"):
        value = value[:-1].rstrip().rstrip(",").strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        value = value[1:-1]
    return value.strip()


def _strip_enclosing(value: str) -> str:
    """Drop one pair of braces or quotes around a whole value ("{A} and {B}" keeps its braces)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if len(value) < 2 or value[0] != "{" or value[-1] != "}":
        return value
    depth = 0
    for index, char in enumerate(value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and index < len(value) - 1:
            return value
    return value[1:-1]


def _unescape(value: str) -> str:
    return _ESCAPE.sub(r"\1", value)


def decode_latex(value: str) -> str:
    """Accents and escaped characters as Unicode, braces dropped; maths and unknown commands left alone."""
    if "\\" not in value and "{" not in value:
        return value
    value = _ACCENT.sub(_accented, value)
    value = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(1)], value)
    value = _ESCAPE.sub(r"\1", value)
    value = _COMMAND.sub("", value)
    return unicodedata.normalize("NFC", value.replace("{", "").replace("}", ""))


def _accented(match: re.Match) -> str:
    accent = match.group(1) or match.group(4)
    base = match.group(2) or match.group(3) or match.group(5) or match.group(6)
    if base.startswith("\\"):
        base = _SYMBOLS.get(base[1:], base[1:])
    return base + _ACCENTS[accent]


def _split_authors(value: str) -> list[str]:
    """Split on " and " outside braces, so "{Barnes and Noble}" stays one name."""
    names, start, depth, scanned = [], 0, 0, 0
    for match in _AND.finditer(value):
        segment = value[scanned : match.start()]
        depth += segment.count("{") - segment.count("}")
        scanned = match.start()
        if depth <= 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    decoded = (clean(decode_latex(name)) for name in names)
    return [name for name in decoded if name]


def _to_record(fields: list[tuple[str, str]], position: int, line: int) -> ParsedRecord:
    raw: dict[str, list[str]] = {}
    for key, value in fields:
        add_raw(raw, key, value)
    by_name: dict[str, list[str]] = {}
    for key, value in fields:
        add_raw(by_name, key.lower(), value)

    def text(*keys: str) -> str:
        return first_value(by_name, *keys, cleaner=lambda v: clean(decode_latex(v)))

    return ParsedRecord(
        position=position,
        line=line,
        title=text("title"),
        abstract=text("abstract"),
        authors=[name for value in by_name.get("author", ()) for name in _split_authors(value)],
        year=first_year(by_name, "year", "date"),
        journal=text("journal", "journaltitle", "booktitle"),
        volume=text("volume"),
        issue=text("number", "issue"),
        pages=join_pages(text("pages"), ""),
        doi=_doi(by_name),
        pmid=first_value(by_name, "pmid", "pubmed", cleaner=normalise_pmid),
        keywords=_keywords(by_name),
        language=text("language", "langid"),
        publication_type=first_value(by_name, "entrytype"),
        urls=[url for value in by_name.get("url", ()) for url in _unescape(value).split()],
        source_record_id=first_value(by_name, "id"),
        raw=raw,
    )


def _doi(by_name: dict[str, list[str]]) -> str:
    links = [value for value in by_name.get("url", ()) if is_doi_url(value)]
    return first_doi(_unescape(value) for value in by_name.get("doi", []) + links)


def _keywords(by_name: dict[str, list[str]]) -> list[str]:
    keywords = []
    for key in ("keywords", "keyword", "author_keywords", "mesh"):
        keywords.extend(_keyword_list(by_name.get(key, [])))
    return keywords


def _keyword_list(values: list[str]) -> list[str]:
    keywords = []
    for value in values:
        value = decode_latex(value)
        parts = split_keywords(value) if (";" in value or "\n" in value) else value.split(",")
        keywords.extend(clean_each(parts))
    return keywords
