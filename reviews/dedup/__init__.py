"""Duplicate detection across source records: framework-free, no Django here.

Public interface::

    find_duplicates(records, *, cannot_link=(), must_link=(), only_involving=None) -> DedupResult
    DedupRecord, PossiblePair, DedupResult
    dedup_record_from(record, key=...) -> DedupRecord   (from a parsed or stored record)
    normalise_title(str) -> str
    author_surnames(authors) -> tuple[str, ...]
    page_start(pages) -> str
    normalise_doi(str) -> str

``DedupResult.groups`` are confident duplicate clusters (sorted keys, each >= 2) to merge automatically;
``DedupResult.possible_pairs`` are uncertain pairs for a person, best first, each with a score in [0, 1]
and human-readable reasons ("same title", "years differ by 2", "different DOIs", ...). A pair is never
offered inside one group, and at most one pair is offered between the same two clusters.

How a pair is judged (``compare.py``):

- Same DOI or PMID: a duplicate, unless the titles clearly differ (a mis-assigned identifier: offered
  only if the first author matches), the pages of two meeting abstracts differ (a supplement's DOI), or a
  rule below forbids it. A DOI carried by several clearly different works proves nothing.
- Otherwise fuzzy evidence: normalised title (rapidfuzz Indel ratio; one title containing the other),
  authors (first author and overlap, tolerant of initials, particles and swapped name parts), year (+-1),
  journal (abbreviations vs full names), volume, issue and pages (start page, "123-30" = "123-130").
  Same volume, issue and page range in the same year by the same first author is the same article even
  under a translated title. Titles that differ by a number ("part 1"/"part 2") or a whole word
  ("adults"/"children") and short generic titles ("Editorial") need the same pages to merge.
- Never merged automatically (may be offered): different non-empty DOIs or PMIDs; a notice (erratum,
  correction, comment, reply, retraction; from the title or publication type) and its article; records
  more than a year apart (unless identifier, title and first author agree: a mistyped year); a conference
  abstract and a paper of another year; a record without a title (unless its identifier matches).

Clustering (``core.py``): union-find over the confident pairs, most confident first; a union is refused
(and the pair offered instead) if it would put a cannot_link pair in one group, gather different DOIs or
PMIDs, span more than a year (unless joined on an identifier), or join a notice with an article.
must_link clusters are formed first and may hold anything a reviewer put together.

Cost: blocking (``blocking.py``) on DOI, PMID, title prefix, suffix and longest words, first author with
year or start page, and year/volume/page; blocks above 40 records are compared by sorted neighbourhood.
About 2 s for 20,000 records and 12 s for 100,000 on one core. The result never depends on input order.
"""

from .cache import PreparedCache
from .core import find_duplicates
from .normalise import author_surnames, normalise_doi, normalise_title, page_start
from .records import (
    DedupRecord,
    DedupResult,
    PossiblePair,
    dedup_record_from,
    prepared_from_state,
)

__all__ = [
    "DedupRecord",
    "DedupResult",
    "PossiblePair",
    "PreparedCache",
    "author_surnames",
    "dedup_record_from",
    "find_duplicates",
    "normalise_doi",
    "normalise_title",
    "page_start",
    "prepared_from_state",
]
