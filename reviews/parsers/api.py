"""parse_export: bytes in, ParseResult or ImportFormatError out, whatever the bytes are."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .base import (
    FORMAT_NAMES,
    FORMATS,
    RECORDS_OVER_LIMIT,
    ImportFormatError,
    ParsedRecord,
    ParseResult,
    TooManyRecords,
    current_limits,
)
from .bibtex import parse_bibtex
from .compressed import gunzip, is_gzip
from .detect import detect_binary_format, detect_text_format
from .endnote_tagged import parse_endnote_tagged
from .endnote_xml import parse_endnote_xml
from .nbib import parse_nbib
from .normalise import decode_character_references
from .pubmed_xml import parse_pubmed_xml
from .ris import parse_ris
from .tabular import csv_rows, parse_table, xlsx_rows
from .text import decode_bytes
from .wos import parse_wos

logger = logging.getLogger(__name__)

TextParser = Callable[[str, str], tuple[list[ParsedRecord], list[str]]]

_TEXT_PARSERS: dict[str, TextParser] = {
    "ris": parse_ris,
    "nbib": parse_nbib,
    "wos": parse_wos,
    "bibtex": parse_bibtex,
    "endnote-xml": parse_endnote_xml,
    "endnote-tagged": parse_endnote_tagged,
    "pubmed-xml": parse_pubmed_xml,
    "csv": lambda text, filename: parse_table(csv_rows(text, filename), filename),
    "pubmed-csv": lambda text, filename: parse_table(csv_rows(text, filename), filename, pubmed=True),
}
_ALIASES = {"tsv": "csv"}
_NOTHING_FOUND = {
    "ris": "no line starts a record with 'TY  - '",
    "nbib": "no tagged lines such as 'PMID- ' or 'TI  - '",
    "wos": "no record starts with a 'PT' line",
    "bibtex": "no entries such as @article{...}",
    "endnote-xml": "no <record> elements",
    "endnote-tagged": "no tagged lines such as '%T ' or '%A '",
    "pubmed-xml": "no <PubmedArticle> or <MedlineCitation> elements",
    "csv": "the table has a header row but no data rows",
    "pubmed-csv": "the table has a header row but no data rows",
    "xlsx": "the first worksheet has a header row but no data rows",
}


def parse_export(data: bytes, *, filename: str, format: str | None = None) -> ParseResult:
    """Read a bibliographic export. format=None detects it from the content; a given format is obeyed."""
    try:
        return _parse(data, filename, format)
    except ImportFormatError:
        raise
    except TooManyRecords:
        raise ImportFormatError(
            RECORDS_OVER_LIMIT.format(limit=current_limits().max_records), filename=filename
        ) from None
    except Exception as err:
        # A reader bug must not surface as a server error; the user still learns which file failed.
        logger.exception("unexpected error while parsing %s", filename)
        raise ImportFormatError(
            f"the file could not be read because of an unexpected problem ({type(err).__name__})",
            filename=filename,
        ) from err


def parse_export_unguarded(data: bytes, *, filename: str, format: str | None = None) -> ParseResult:
    """parse_export without the safety net, so tests see any exception a reader lets slip."""
    try:
        return _parse(data, filename, format)
    except TooManyRecords:
        raise ImportFormatError(
            RECORDS_OVER_LIMIT.format(limit=current_limits().max_records), filename=filename
        ) from None


def _parse(data: bytes, filename: str, format: str | None) -> ParseResult:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImportFormatError("the upload is not bytes", filename=filename)
    data = bytes(data)
    chosen = _checked_format(format, filename)
    if is_gzip(data):
        data = gunzip(data, filename=filename)
    if chosen is None:
        chosen = detect_binary_format(data, filename=filename)
    if chosen == "xlsx":
        records, warnings = parse_table(xlsx_rows(data, filename), filename)
        return _result("xlsx", "utf-8", records, warnings, filename)
    decoded = decode_bytes(data, filename=filename)
    chosen = chosen or detect_text_format(decoded.text, filename=filename)
    records, warnings = _TEXT_PARSERS[chosen](decoded.text, filename)
    return _result(chosen, decoded.encoding, records, warnings, filename)


def _checked_format(format: str | None, filename: str) -> str | None:
    if format is None or format == "":
        return None
    code = _ALIASES.get(format.strip().lower(), format.strip().lower())
    if code not in FORMATS:
        raise ImportFormatError(
            f"unknown format {format!r}; expected one of {', '.join(FORMATS)}", filename=filename
        )
    return code


def _result(
    fmt: str, encoding: str, records: list[ParsedRecord], warnings: list[str], filename: str
) -> ParseResult:
    if not records:
        raise ImportFormatError(
            f"no records found: read as {FORMAT_NAMES[fmt]}, but {_NOTHING_FOUND[fmt]}", filename=filename
        )
    # Here, where every reader's records pass, and before deduplication, which then compares (and stores) the
    # same text the records are written with. The raw fields keep what the file said.
    for record in records:
        record.title = decode_character_references(record.title)
        record.abstract = decode_character_references(record.abstract)
        record.journal = decode_character_references(record.journal)
    return ParseResult(format=fmt, encoding=encoding, records=records, warnings=warnings)
