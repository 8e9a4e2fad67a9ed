"""Readers for the bibliographic exports a review team brings: framework-free, no Django here.

Public interface (used by ``reviews.services``):

    parse_export(data: bytes, *, filename: str, format: str | None = None) -> ParseResult
    detect_format(data: bytes, *, filename: str) -> str
    normalise_doi(value: str) -> str
    FORMATS: tuple of format codes
    ParsedRecord, ParseResult, ImportFormatError
"""

from .api import parse_export
from .base import FORMATS, ImportFormatError, ParsedRecord, ParseResult
from .detect import detect_format
from .normalise import normalise_doi

__all__ = [
    "FORMATS",
    "ImportFormatError",
    "ParseResult",
    "ParsedRecord",
    "detect_format",
    "normalise_doi",
    "parse_export",
]
