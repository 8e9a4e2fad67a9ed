"""The shapes every reader returns, and the one error they raise."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

# tsv is read by "csv" (the delimiter is sniffed), so it has no code of its own.
FORMATS = (
    "ris",
    "nbib",
    "pubmed-csv",
    "pubmed-xml",
    "endnote-xml",
    "endnote-tagged",
    "bibtex",
    "wos",
    "csv",
    "xlsx",
)

FORMAT_NAMES = {
    "ris": "RIS",
    "nbib": "PubMed/MEDLINE (nbib)",
    "pubmed-csv": "PubMed CSV",
    "pubmed-xml": "PubMed XML",
    "endnote-xml": "EndNote XML",
    "endnote-tagged": "EndNote tagged (Refer/.enw)",
    "bibtex": "BibTeX",
    "wos": "Web of Science tagged (plain text/CIW)",
    "csv": "CSV/TSV",
    "xlsx": "Excel (xlsx)",
}


@dataclass
class ParsedRecord:
    position: int
    line: int
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    keywords: list[str] = field(default_factory=list)
    language: str = ""
    publication_type: str = ""
    urls: list[str] = field(default_factory=list)
    source_record_id: str = ""
    raw: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every reader makes its records in file order, so counting them here reports every reader's
        # progress, and enforces the limit, without each one taking a callback.
        if self.position > current_limits().max_records:
            raise TooManyRecords()
        if self.position % PROGRESS_EVERY == 0:
            report = parse_progress.get()
            if report is not None:
                report(self.position)


PROGRESS_EVERY = 1000
# Who hears how many records a reader has made so far (the import job, to show it on the page).
parse_progress: ContextVar[Callable[[int], None] | None] = ContextVar("parse_progress", default=None)


@dataclass(frozen=True)
class ParseLimits:
    """How much one file may hold, checked while it is read, before the memory is spent: a small file that
    unpacks to a million records (an XLSX zip bomb, say) is refused at the first record past the limit."""

    max_records: int = 100_000
    max_expanded_bytes: int = 512 * 1024 * 1024


DEFAULT_LIMITS = ParseLimits()
# The limits the importing job set for the file being read (the defaults when none did).
parse_limits: ContextVar[ParseLimits | None] = ContextVar("parse_limits", default=None)


def current_limits() -> ParseLimits:
    return parse_limits.get() or DEFAULT_LIMITS


RECORDS_OVER_LIMIT = (
    "the file holds more than {limit:,} records, more than one file may (split the export, or raise "
    "IMPORT_MAX_RECORDS)"
)
EXPANDED_OVER_LIMIT = (
    "the file unpacks to {size:,} MB, more than the {limit:,} MB one file may (IMPORT_MAX_EXPANDED_MB)"
)


class TooManyRecords(Exception):
    """Raised from inside a reader; parse_export turns it into an ImportFormatError naming the file."""


@dataclass
class ParseResult:
    format: str
    encoding: str
    records: list[ParsedRecord]
    warnings: list[str] = field(default_factory=list)


class ImportFormatError(ValueError):
    """Bad input. str(err) is a complete human message naming the file and the line or record number."""

    def __init__(self, message: str, *, filename: str, line: int | None = None, record: int | None = None):
        self.message = message
        self.filename = filename
        self.line = line
        self.record = record
        super().__init__(self._compose())

    def _compose(self) -> str:
        name = self.filename or "the file"
        if self.line is not None:
            return f"{name}, line {self.line}: {self.message}"
        if self.record is not None:
            return f"{name}, record {self.record}: {self.message}"
        return f"{name}: {self.message}"

    def __str__(self) -> str:
        return self._compose()


def add_raw(raw: dict[str, list[str]], key: str, value: str) -> None:
    raw.setdefault(key, []).append(value)


def ignored_lines_warning(lines: list[int], where: str) -> str:
    """The warning for lines a reader skipped, naming the first few."""
    shown = ", ".join(str(n) for n in lines[:5]) + (" ..." if len(lines) > 5 else "")
    return f"{len(lines)} line(s) {where} were ignored (line {shown})"
