"""Which export format a file is in, judged from its content; the file name only breaks ties."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from pathlib import PurePath

from .base import ImportFormatError
from .compressed import gunzip, inner_name, is_gzip
from .nbib import split_tag
from .tabular import has_title_column, is_pubmed_csv_header, sniff_delimiter
from .text import decode_bytes, split_lines

_HEAD_CHARS = 256 * 1024
_HEAD_LINES = 1000

_RIS_START = re.compile(r"TY  -(?: |$)")
_RIS_LIKE_TAG = re.compile(r"[A-Z][A-Z0-9]  - ")
_WOS_LINE = re.compile(r"(?:FN \S|VR \d|PT [A-Z]\s*$)")
_BIBTEX_ENTRY = re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]")
# Refer/EndNote tagged: "%" and a digit or capital, a space, a value ("%0 Journal Article", "%T Title").
_REFER_LINE = re.compile(r"%[0-9A-Z] \S")
_XML_RECORDS = re.compile(r"<records?[\s>/]")
_XML_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_PUBMED_ROOTS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet", "MedlineCitationSet"})
_TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".tab"})
_NBIB_EXTENSIONS = frozenset({".nbib", ".medline", ".pubmed"})

SUPPORTED = (
    "RIS (.ris), PubMed/MEDLINE (.nbib), PubMed CSV, PubMed XML, EndNote XML, EndNote tagged (.enw), "
    "BibTeX (.bib), Web of Science plain text/CIW, CSV/TSV or Excel (.xlsx) with a Title column, each "
    "also gzip-compressed (.gz)"
)
_ADVICE = f"supported formats are {SUPPORTED}"
_BINARY_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.xls or .doc); save it as .xlsx or CSV"),
    (b"%PDF-", "a PDF document"),
    (b"Rar!", "a RAR archive (unpack it first)"),
    (b"7z\xbc\xaf", "a 7-Zip archive (unpack it first)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


def detect_format(data: bytes, *, filename: str) -> str:
    if is_gzip(data):
        data = gunzip(data, filename=filename)
    binary = detect_binary_format(data, filename=filename)
    if binary is not None:
        return binary
    return detect_text_format(decode_bytes(data, filename=filename).text, filename=filename)


def detect_binary_format(data: bytes, *, filename: str) -> str | None:
    """Return "xlsx" for a workbook and None for text; raise ImportFormatError for other binary files."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_format(data, filename)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise ImportFormatError(
                f"this is {what}, not a bibliographic export; {_ADVICE}", filename=filename
            )
    return None


def _zip_format(data: bytes, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise ImportFormatError(
            "this is a damaged ZIP file (an xlsx workbook is a ZIP file too)", filename=filename
        ) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        what = "a Word document"
    elif "content.xml" in names:
        what = "an OpenDocument file; save it as .xlsx or CSV"
    else:
        what = "a ZIP archive (unpack it first)"
    raise ImportFormatError(f"this is {what}, not a bibliographic export; {_ADVICE}", filename=filename)


def detect_text_format(text: str, *, filename: str) -> str:
    head = text[:_HEAD_CHARS]
    if head.lstrip().startswith("<"):
        return _xml_format(head, filename)
    lines = list(itertools.islice(split_lines(head), _HEAD_LINES))
    first = next((line for line in lines if line.strip()), "")
    found = _tagged_format(first)
    if found:
        return found
    # A table's header is its first line; tagged exports may open with a preamble ("1.", "Provider: ...").
    table = _table_format(first)
    if table:
        return table
    for line in lines:
        found = _tagged_format(line)
        if found:
            return found
    return _fallback(lines, first, filename)


def _tagged_format(line: str) -> str | None:
    if _RIS_START.match(line):
        return "ris"
    tagged = split_tag(line)
    if tagged is not None and len(tagged[0]) > 2:
        return "nbib"
    if _WOS_LINE.match(line):
        return "wos"
    if _BIBTEX_ENTRY.match(line):
        return "bibtex"
    if _REFER_LINE.match(line):
        return "endnote-tagged"
    return None


def _table_format(first: str) -> str | None:
    try:
        cells = next(csv.reader([first], delimiter=sniff_delimiter(first)))
    except (csv.Error, StopIteration):
        return None
    if not has_title_column(cells):
        return None
    return "pubmed-csv" if is_pubmed_csv_header(cells) else "csv"


def _fallback(lines: list[str], first: str, filename: str) -> str:
    # "refs.nbib.gz" was a .nbib file before it was compressed.
    extension = PurePath(inner_name(filename)).suffix.lower()
    if any(_RIS_LIKE_TAG.match(line) for line in lines):
        # Two-letter tags without TY (or PMID): the extension decides; each parser then says what is missing.
        return "nbib" if extension in _NBIB_EXTENSIONS else "ris"
    if extension in _TABLE_EXTENSIONS or any(delimiter in first for delimiter in (",", ";", "\t")):
        return "csv"
    shown = first.strip()[:60]
    raise ImportFormatError(
        f"this does not look like a bibliographic export (it starts with {shown!r}); {_ADVICE}",
        filename=filename,
        line=lines.index(first) + 1 if first in lines else None,
    )


def _xml_format(head: str, filename: str) -> str:
    lowered = head[:65536].lower()
    if "<html" in lowered or "<!doctype html" in lowered:
        raise ImportFormatError(
            f"this is an HTML web page, not a bibliographic export; {_ADVICE}", filename=filename, line=1
        )
    if _xml_root(head) in _PUBMED_ROOTS:
        return "pubmed-xml"
    # A DTD or entity declaration goes to the EndNote XML reader, which refuses it with the line number.
    if "<!doctype" in lowered or "<!entity" in lowered or _XML_RECORDS.search(head):
        return "endnote-xml"
    raise ImportFormatError(
        "this is XML but neither an EndNote XML nor a PubMed XML export "
        "(no <records>, <PubmedArticleSet> or <MedlineCitationSet> element found)",
        filename=filename,
    )


def _xml_root(head: str) -> str:
    """The name of the first element, past the declaration, comments and any DOCTYPE."""
    text = head[:65536]
    position = text.find("<")
    while position != -1:
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            if end == -1:
                return ""
            position = text.find("<", end + 3)
            continue
        match = _XML_ROOT.match(text, position)
        if match:
            return match.group(1)
        position = text.find("<", position + 1)
    return ""
