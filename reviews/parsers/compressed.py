"""Gzip-compressed exports (``refs.ris.gz``, NLM's MEDLINE baseline files): unpacked, then read as any upload.

The unpacked bytes are held to the same limit as an XLSX's (``ParseLimits.max_expanded_bytes``). A gzip file
does not say reliably how large it unpacks to (its trailer gives the size modulo 4 GB, of the last member
only), so the size is counted while unpacking, keeping nothing, before the bytes are unpacked to be kept.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import PurePath

from .base import ImportFormatError, current_limits

GZIP_MAGIC = b"\x1f\x8b"
GZIP_EXTENSIONS = frozenset({".gz", ".gzip"})
_CHUNK = 1024 * 1024

GZIP_OVER_LIMIT = (
    "the gzip file unpacks to more than the {limit:,} MB one file may hold (IMPORT_MAX_EXPANDED_MB); "
    "it was not unpacked"
)
GZIP_DAMAGED = "this gzip file is damaged or incomplete ({reason}); compress the export again"
GZIP_NESTED = "this gzip file holds another compressed file; uncompress it and upload the export inside"


def is_gzip(data: bytes) -> bool:
    return data.startswith(GZIP_MAGIC)


def inner_name(filename: str) -> str:
    """The name the file had before it was compressed: "refs.ris.gz" -> "refs.ris"."""
    path = PurePath(filename or "")
    return str(path.with_suffix("")) if path.suffix.lower() in GZIP_EXTENSIONS else filename


def gunzip(data: bytes, *, filename: str) -> bytes:
    """The unpacked bytes; ImportFormatError naming the file when they are too many or the file is damaged."""
    limit = current_limits().max_expanded_bytes
    # A few kilobytes can unpack to gigabytes: count first, holding one chunk at a time.
    if _unpacked_size(data, filename, limit) > limit:
        raise ImportFormatError(GZIP_OVER_LIMIT.format(limit=limit // 1048576), filename=filename)
    inner = _read(data, filename)
    if is_gzip(inner):
        raise ImportFormatError(GZIP_NESTED, filename=filename)
    return inner


def _unpacked_size(data: bytes, filename: str, limit: int) -> int:
    """Bytes unpacked, stopping at the first chunk past the limit."""
    size = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while size <= limit:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
    except (OSError, EOFError, zlib.error) as err:
        raise ImportFormatError(GZIP_DAMAGED.format(reason=err), filename=filename) from None
    return size


def _read(data: bytes, filename: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return stream.read()
    except (OSError, EOFError, zlib.error) as err:
        raise ImportFormatError(GZIP_DAMAGED.format(reason=err), filename=filename) from None
