"""Spreadsheets of records: CSV/TSV (delimiter sniffed), xlsx, and PubMed's "Create file > CSV".

Columns are recognised by name, case-insensitively; a table without a title column is not treated as
a bibliographic export. Every column of every row is kept in ``raw``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings as warnings_module
import zipfile
from collections.abc import Iterable, Iterator

from .base import EXPANDED_OVER_LIMIT, ImportFormatError, ParsedRecord, TooManyRecords, current_limits
from .normalise import (
    clean,
    clean_each,
    extract_year,
    first_doi,
    is_empty_marker,
    join_pages,
    normalise_pmid,
    pmid_from_url,
    split_keywords,
)

# Aliases in order of preference; headers are compared lower-cased, with "_" read as a space.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "item title", "article title", "document title", "primary title", "ti", "t1"),
    "abstract": ("abstract", "abstract note", "ab", "n2"),
    "authors": (
        "author full names",
        "author full",
        "authors",
        "author",
        "author names",
        "author(s)",
        "au",
        "a1",
        "af",
    ),
    "year": ("year", "publication year", "py", "pubyear", "year published", "publication date", "date", "y1"),
    "journal": (
        "journal",
        "journal/book",
        "source title",
        "publication title",
        "secondary title",
        "journal title",
        "publicationname",
        "publication name",
        "container title",
        "jo",
        "t2",
        "jf",
        "so",
        "booktitle",
        "publication",
        "source",
    ),
    "volume": ("volume", "journal volume", "vl", "vi"),
    "issue": ("issue", "number", "journal issue", "is", "ip"),
    "pages": ("pages", "page", "page numbers", "pg"),
    "start_page": ("start page", "page start", "beginning page", "sp", "bp"),
    "end_page": ("end page", "page end", "ending page", "ep"),
    "doi": ("doi", "item doi", "do", "di"),
    "pmid": ("pmid", "pubmed id", "pubmedid", "pubmed", "pm"),
    "keywords": (
        "keywords",
        "author keywords",
        "index keywords",
        "manual tags",
        "automatic tags",
        "mesh terms",
        "kw",
        "de",
    ),
    "language": ("language", "language of original document", "la"),
    "publication_type": (
        "publication type",
        "document type",
        "item type",
        "reference type",
        "content type",
        "entrytype",
        "type",
        "ty",
        "pt",
    ),
    "urls": ("url", "urls", "link", "ur"),
    "id": (
        "id",
        "record id",
        "key",
        "customid",
        "custom id",
        "rec number",
        "record number",
        "accession number",
        "ut (unique wos id)",
        "eid",
        "an",
    ),
}
PUBMED_CSV_COLUMNS = ("PMID", "Title", "Authors", "Citation", "Journal/Book")
_DELIMITERS = (",", ";", "\t")
_CITATION = re.compile(r";\s*([^;:()\s]*)\s*(?:\(([^)]*)\))?\s*:\s*([^;\s]+?)\.?(?:\s|$)")
# Embase CSV "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014".
_EMBASE_SOURCE = re.compile(
    r"(?P<journal>.+?) \((?P<year>\d{4})\)(?: (?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?)?(?: \((?P<pages>[^)]*)\))?\."
)
_CONCATENATED_NAMES = re.compile(r"(?<=\.)(?=[A-Z][a-z'])")
# A workbook whose parts inflate beyond this is refused: it is either not an export or a zip bomb.


def normalise_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").replace("_", " ").strip().strip('"').lower().split())


def is_pubmed_csv_header(cells: Iterable[str]) -> bool:
    names = {cell.strip().strip('"') for cell in cells}
    return all(column in names for column in PUBMED_CSV_COLUMNS)


def has_title_column(cells: Iterable[str]) -> bool:
    return any(normalise_header(cell) in COLUMN_ALIASES["title"] for cell in cells)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most cells (quotes respected); "," on a tie."""
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        try:
            count = len(next(csv.reader([header_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


# --- reading rows -----------------------------------------------------------------------------------


def csv_rows(text: str, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each row; line is where the row starts (rows may span lines)."""
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line.rstrip("\r\n")))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as err:
        raise ImportFormatError(f"the CSV could not be read ({err})", filename=filename, line=start) from None


def xlsx_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    workbook = _open_workbook(data, filename)
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFormatError("the workbook has no worksheets", filename=filename)
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("ignore")
            try:
                # Empty rows make no records, so they are counted here too: a sheet of a million blank
                # rows is refused like a million records.
                most_rows = 2 * current_limits().max_records + 1
                for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                    if number > most_rows:
                        raise TooManyRecords()
                    yield number, [_cell_text(value) for value in row]
            except (ImportFormatError, TooManyRecords):
                raise
            except Exception as err:  # openpyxl raises many types on damaged sheets
                raise ImportFormatError(
                    f"the worksheet could not be read ({err})", filename=filename
                ) from None
    finally:
        workbook.close()


def _open_workbook(data: bytes, filename: str):
    import openpyxl  # heavy; only needed for xlsx uploads

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as err:
        raise ImportFormatError(f"this is not a readable xlsx workbook ({err})", filename=filename) from None
    if "xl/workbook.xml" not in names:
        raise ImportFormatError(
            "this ZIP archive is not an xlsx workbook (no xl/workbook.xml inside)", filename=filename
        )
    limit = current_limits().max_expanded_bytes
    if size > limit:
        raise ImportFormatError(
            EXPANDED_OVER_LIMIT.format(size=size // 1048576, limit=limit // 1048576), filename=filename
        )
    with warnings_module.catch_warnings():
        warnings_module.simplefilter("ignore")
        try:
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises KeyError, ValueError, TypeError... on damaged files
            raise ImportFormatError(
                f"the xlsx workbook could not be read ({err})", filename=filename
            ) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)


# --- turning rows into records ------------------------------------------------------------------------


class _Table:
    def __init__(self, header: list[str], *, pubmed: bool):
        self.header = [cell.replace("\ufeff", "").strip() for cell in header]
        self.keys = [name or f"column {index + 1}" for index, name in enumerate(self.header)]
        self.pubmed = pubmed
        normalised = [normalise_header(name) for name in self.header]
        self.columns = {
            field: [i for alias in aliases for i, name in enumerate(normalised) if name == alias]
            for field, aliases in COLUMN_ALIASES.items()
        }

    def first(self, cells: list[str], field: str) -> str:
        for index in self.columns[field]:
            if index < len(cells) and not is_empty_marker(cells[index]):
                return clean(cells[index])
        return ""

    def all(self, cells: list[str], field: str) -> list[str]:
        return [cells[i] for i in self.columns[field] if i < len(cells) and not is_empty_marker(cells[i])]

    def raw(self, cells: list[str]) -> dict[str, list[str]]:
        raw: dict[str, list[str]] = {}
        for index, value in enumerate(cells):
            key = self.keys[index] if index < len(self.keys) else f"column {index + 1}"
            raw.setdefault(key, []).append(value)
        return raw


def parse_table(
    rows: Iterable[tuple[int, list[str]]], filename: str, *, pubmed: bool = False
) -> tuple[list[ParsedRecord], list[str]]:
    table: _Table | None = None
    records: list[ParsedRecord] = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if table is None:
            table = _header(cells, filename, line, pubmed)
            continue
        records.append(_to_record(table, cells, len(records) + 1, line))
    if table is None:
        raise ImportFormatError("no records found: the table is empty", filename=filename)
    return records, []


def _header(cells: list[str], filename: str, line: int, pubmed: bool) -> _Table:
    if not has_title_column(cells):
        shown = ", ".join(repr(cell.strip()) for cell in cells[:15] if cell.strip())
        more = f" and {len(cells) - 15} more" if len(cells) > 15 else ""
        raise ImportFormatError(
            "not a bibliographic export: the table has no title column "
            f"(columns found: {shown}{more}; expected one named Title, Article Title or TI)",
            filename=filename,
            line=line,
        )
    return _Table(cells, pubmed=pubmed or is_pubmed_csv_header(cells))


def _to_record(table: _Table, cells: list[str], position: int, line: int) -> ParsedRecord:
    volume, issue, pages = (
        table.first(cells, "volume"),
        table.first(cells, "issue"),
        table.first(cells, "pages"),
    )
    if table.pubmed and not (volume or issue or pages):
        volume, issue, pages = _from_citation(_cell(table, cells, "Citation"))
    journal, year = table.first(cells, "journal"), extract_year(table.first(cells, "year"))
    embase = _EMBASE_SOURCE.match(journal[:1000]) if year is None else None
    if embase:
        journal, year = embase["journal"], int(embase["year"])
        volume, issue, pages = (
            volume or embase["volume"] or "",
            issue or embase["issue"] or "",
            pages or embase["pages"] or "",
        )
    pmid_cell = table.first(cells, "pmid")
    return ParsedRecord(
        position=position,
        line=line,
        title=table.first(cells, "title"),
        abstract=table.first(cells, "abstract"),
        authors=split_author_cell(table.first(cells, "authors"), pubmed=table.pubmed),
        year=year,
        journal=journal,
        volume=volume,
        issue=issue,
        pages=join_pages(pages, "")
        or join_pages(table.first(cells, "start_page"), table.first(cells, "end_page")),
        doi=first_doi(table.all(cells, "doi")),
        pmid=normalise_pmid(pmid_cell) or pmid_from_url(pmid_cell),
        keywords=[kw for value in table.all(cells, "keywords") for kw in _split_keyword_cell(value)],
        language=table.first(cells, "language"),
        publication_type=table.first(cells, "publication_type"),
        urls=[url for value in table.all(cells, "urls") for url in value.split()],
        source_record_id=table.first(cells, "id") or (table.first(cells, "pmid") if table.pubmed else ""),
        raw=table.raw(cells),
    )


def _split_keyword_cell(value: str) -> list[str]:
    """Semicolons or line breaks separate keywords; failing those, commas outside brackets (Embase)."""
    if ";" in value or "\n" in value:
        return split_keywords(value)
    parts, depth, start = [], 0, 0
    for index, char in enumerate(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    return clean_each(parts)


def _cell(table: _Table, cells: list[str], name: str) -> str:
    for index, header in enumerate(table.header):
        if header == name and index < len(cells):
            return cells[index]
    return ""


def _from_citation(citation: str) -> tuple[str, str, str]:
    """Volume, issue and pages from a PubMed citation such as "Behav Ther. 2022 Mar;53(2):334-347."."""
    match = _CITATION.search((citation or "")[:1000])
    if not match:
        return "", "", ""
    return match.group(1) or "", clean(match.group(2) or ""), match.group(3).rstrip(".")


# Scopus's "Author full names" writes "Chen, Wei (7404563210)": the author id is not part of the name.
_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d{6,}\)$")


def split_author_cell(value: str, *, pubmed: bool = False) -> list[str]:
    """Authors from one cell, whichever separator the exporter used."""
    if ";" in value:
        names = value.split(";")
    elif "\n" in value.strip():
        names = value.split("\n")
    elif " and " in clean(value):
        names = clean(value).split(" and ")
    elif "," in value:
        names = _split_commas(clean(value))
    else:
        names = _CONCATENATED_NAMES.split(clean(value))
    names = [_SCOPUS_AUTHOR_ID.sub("", name) for name in clean_each(names)]
    if pubmed and names:
        names[-1] = names[-1].rstrip(".")
    return names


def _split_commas(value: str) -> list[str]:
    parts = [part.strip() for part in value.split(",")]
    if all(" " in part for part in parts if part):
        return parts  # "Lim SM, Shiau C" or "Liu R., Adler D.G."
    if len(parts) % 2 == 0:
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]  # "Smith, J., Doe, A."
    return [value]
