"""Duplicate detection across source records: framework-free, no Django here.

Public interface:

    find_duplicates(records, *, cannot_link=(), must_link=(), only_involving=None) -> DedupResult
    DedupRecord, PossiblePair, DedupResult
    normalise_title(str) -> str, author_surnames(authors) -> tuple[str, ...], page_start(pages) -> str,
    normalise_doi(str) -> str
"""

from .core import find_duplicates
from .normalise import author_surnames, normalise_doi, normalise_title, page_start
from .records import DedupRecord, DedupResult, PossiblePair

__all__ = [
    "DedupRecord",
    "DedupResult",
    "PossiblePair",
    "author_surnames",
    "find_duplicates",
    "normalise_doi",
    "normalise_title",
    "page_start",
]
