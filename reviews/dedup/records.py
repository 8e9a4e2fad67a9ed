"""The public record/result types and the per-record preparation every comparison reuses."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from .normalise import (
    ParsedAuthors,
    author_name_tokens,
    conference_like,
    is_empty,
    normalise_doi,
    normalise_journal,
    normalise_number,
    normalise_title,
    notice_kind,
    page_ranges,
    pages_comparable,
    strip_notice_words,
    strip_retracted_mark,
)


@dataclass(frozen=True, slots=True)
class DedupRecord:
    """One source record as duplicate detection sees it."""

    key: int  # opaque id (a source record's primary key)
    title: str = ""
    authors: tuple[str, ...] = ()  # original order, as written ("Smith, J.", "John Smith", "Smith J")
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""  # already normalised lower-case, no prefix
    pmid: str = ""
    abstract: str = ""
    publication_type: str = ""  # free text from the export ("Erratum", "Conference Abstract", "JOUR", ...)


# The fields of a record the detector reads, besides its authors (which become a tuple).
DEDUP_FIELDS = ("title", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "publication_type")


def dedup_record_from(record: object, *, key: int) -> DedupRecord:
    """The detector's view of a record read from an export or stored as a source record: every field it
    compares, exactly as the record has it (no column is left out, however unreliable it looks)."""
    return DedupRecord(
        key=key,
        authors=tuple(getattr(record, "authors", None) or ()),
        **{name: getattr(record, name) for name in DEDUP_FIELDS},
    )


@dataclass
class PossiblePair:
    """Two records that may be the same study; a human decides."""

    a: int
    b: int
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class DedupResult:
    groups: list[list[int]]  # confident duplicate clusters (each >= 2 keys, sorted) to merge automatically
    possible_pairs: list[PossiblePair]  # uncertain pairs for a human (never inside one group)


class Prepared:
    """The normalised fields of one record, computed once and compared many times.

    ``title`` is the normalised title (a notice's "Erratum:"-style words removed, so that a notice and its
    article look alike and the notice rule, not the title, keeps them apart); ``surnames`` the compact
    surnames in order; ``pages`` numeric (first, last) ranges; ``doi_shared`` is set by find_duplicates
    when the DOI is carried by clearly different works (a meeting supplement's DOI).
    """

    __slots__ = (
        "block_keys",
        "conference",
        "doi",
        "doi_shared",
        "first",
        "first_surname_words",
        "first_words",
        "group_only",
        "idx",
        "issue",
        "journal",
        "key",
        "authors",
        "name_tokens_cache",
        "notice",
        "pages",
        "pages_clean",
        "pages_text",
        "pmid",
        "spage",
        "surnames",
        "title",
        "title_compact",
        "translated",
        "volume",
        "year",
    )

    @property
    def name_tokens(self) -> frozenset[str]:
        """Every word of every author's name (given names too), computed when first needed."""
        if self.name_tokens_cache is None:
            self.name_tokens_cache = author_name_tokens(self.authors)
        return self.name_tokens_cache

    def __init__(self, idx: int, record: DedupRecord) -> None:
        self.idx = idx
        self.key = record.key
        self.notice = notice_kind(record.title or "", record.publication_type or "")
        title = strip_retracted_mark(normalise_title(record.title or ""))
        if self.notice:
            title = strip_notice_words(title)
        self.title = title
        # MEDLINE writes a title it translated into English in square brackets.
        raw_title = (record.title or "").strip().strip('"').rstrip(".").strip()
        self.translated = raw_title.startswith("[") and raw_title.endswith("]")
        self.title_compact = title.replace(" ", "")
        parsed = ParsedAuthors(record.authors or ())
        surnames = parsed.surnames
        self.surnames = surnames
        self.first = surnames[0] if surnames else ""
        self.authors = record.authors or ()
        self.name_tokens_cache: frozenset[str] | None = None
        self.first_surname_words = parsed.first_surname_words
        self.first_words = parsed.first_words
        self.group_only = parsed.group_only
        year = record.year
        self.year = (
            year if isinstance(year, int) and not isinstance(year, bool) and 0 < year < 10000 else None
        )
        self.journal = normalise_journal(record.journal or "")
        self.volume = normalise_number(record.volume or "")
        if self.volume and self.year is not None and self.volume == str(self.year):
            self.volume = ""  # a year given as volume says nothing
        self.issue = normalise_number(record.issue or "")
        self.pages = page_ranges(record.pages or "")
        self.pages_clean = pages_comparable(record.pages or "", self.pages)
        # The value as written, to recognise the same garbled value ("21-Apr" where a spreadsheet ate "4-21").
        self.pages_text = (
            "" if is_empty(record.pages or "") else "".join((record.pages or "").split()).casefold()
        )
        self.spage = str(self.pages[0][0]) if self.pages else ""
        self.doi = normalise_doi(record.doi or "")
        self.doi_shared = False  # set when the DOI turns out to be carried by different works
        pmid = (record.pmid or "").strip()
        self.pmid = "" if is_empty(pmid) else pmid.lstrip("0")
        self.conference = conference_like(record.publication_type or "", record.journal or "")
        self.block_keys: tuple[str, ...] | None = None  # filled by blocking.record_keys when first needed


# Bump whenever Prepared's fields or how they are computed change: stored states of another version are
# not used (the record is normalised afresh from its fields).
PREPARED_VERSION = 1

# What a stored state holds, in order (the rest is derived from these, or set per call).
_STATE_FIELDS = (
    "notice",
    "title",
    "translated",
    "authors",
    "surnames",
    "first_surname_words",
    "first_words",
    "group_only",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "pages_clean",
    "pages_text",
    "doi",
    "pmid",
    "conference",
)


def prepared_state(prepared: Prepared) -> str:
    """The normalised record as compact JSON, to be stored beside the record it came from."""
    values = [getattr(prepared, name) for name in _STATE_FIELDS]
    for position in (5, 6):  # the frozensets, sorted so that the same record always gives the same text
        values[position] = sorted(values[position])
    # orjson: the same compact JSON as json.dumps(ensure_ascii=False) at a fifth of the cost, for every record
    # an import writes.
    return orjson.dumps([PREPARED_VERSION, *values]).decode()


def prepared_from_state(key: int, state: str) -> Prepared | None:
    """The Prepared a stored state describes, exactly as Prepared() would build it; None when the state
    is missing, of another version or not readable (then the record is normalised from its fields)."""
    if not state:
        return None
    try:
        version, *values = orjson.loads(state)
        if version != PREPARED_VERSION or len(values) != len(_STATE_FIELDS):
            return None
        (
            notice, title, translated, authors, surnames, surname_words, first_words, group_only,
            year, journal, volume, issue, pages, pages_clean, pages_text, doi, pmid, conference,
        ) = values  # fmt: skip
        prepared = Prepared.__new__(Prepared)
        prepared.idx, prepared.key, prepared.doi_shared = -1, key, False
        prepared.notice, prepared.title, prepared.translated = notice, title, translated
        prepared.title_compact = title.replace(" ", "")
        prepared.authors = tuple(authors)
        prepared.name_tokens_cache = None
        prepared.surnames = tuple(surnames)
        prepared.first = prepared.surnames[0] if prepared.surnames else ""
        prepared.first_surname_words = frozenset(surname_words)
        prepared.first_words = frozenset(first_words)
        prepared.group_only = group_only
        prepared.year, prepared.journal, prepared.volume, prepared.issue = year, tuple(journal), volume, issue
        prepared.pages = tuple(tuple(pair) for pair in pages)
        prepared.pages_clean, prepared.pages_text = pages_clean, pages_text
        prepared.spage = str(prepared.pages[0][0]) if prepared.pages else ""
        prepared.doi, prepared.pmid, prepared.conference = doi, pmid, conference
        prepared.block_keys = None
    except (ValueError, TypeError, IndexError):
        return None
    return prepared
