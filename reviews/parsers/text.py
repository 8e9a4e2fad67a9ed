"""Turning uploaded bytes into text: BOMs, UTF-8, UTF-16, the Windows code pages, and line ends."""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .base import ImportFormatError

# Longest BOM first: the UTF-32 LE BOM begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

# UTF-16 without a byte-order mark: each character in the Latin, Greek or Cyrillic ranges (every tag, digit,
# space and line end of an export) has a NUL byte, on the same side of its pair (the second in little-endian,
# the first in big-endian); on the other side only a few characters such as U+4E00 have one. Text in any other
# encoding has no NUL bytes at all, and binary data has them on both sides, so it does not decode to clean text.
_UTF16_SAMPLE = 8192
_UTF16_MIN_NULS = 8
_UTF16_OTHER_SIDE = 0.25  # at most this share of the NULs on the other side
_UTF16_NAMES = {"utf-16-le": "UTF-16 little-endian", "utf-16-be": "UTF-16 big-endian"}

EMPTY = "the file is empty"
UTF16_UNREADABLE = (
    "this may be {name} text saved without a byte-order mark, but it does not read as such; open it in a "
    "text editor and save it again as UTF-8 (in Excel: Save As, CSV UTF-8), then upload that"
)

_WESTERN = ["cp1252"]
_CHAOS_TOLERANCE = 0.1

_XML_DECLARATION = re.compile(rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_bytes(data: bytes, *, filename: str) -> DecodedText:
    """Decode an export. Raises ImportFormatError for empty or binary input."""
    if not data.strip():
        raise ImportFormatError(EMPTY, filename=filename)
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _checked(_decode_with_bom(data[len(bom) :], codec, label, filename), filename)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _decode_utf16_without_bom(data, utf16, filename)
    try:
        return _checked(DecodedText(data.decode("utf-8"), "utf-8"), filename)
    except UnicodeDecodeError:
        pass
    declared = _declared_xml_encoding(data)
    if declared is not None:
        return _checked(declared, filename)
    return _checked(_decode_legacy(data, filename), filename)


def _declared_xml_encoding(data: bytes) -> DecodedText | None:
    """An XML file that is not UTF-8 says what it is in its declaration; believe it if it decodes."""
    match = _XML_DECLARATION.match(data)
    if match is None:
        return None
    try:
        codec = codecs.lookup(match.group(1).decode("ascii")).name
        return DecodedText(data.decode(codec), codec)
    except (LookupError, UnicodeDecodeError):
        return None


def _decode_with_bom(body: bytes, codec: str, label: str, filename: str) -> DecodedText:
    try:
        return DecodedText(body.decode(codec), label)
    except UnicodeDecodeError as err:
        raise ImportFormatError(
            f"the file starts with a {label.upper()} byte-order mark but is not valid {label.upper()} "
            f"(byte {err.start + 1})",
            filename=filename,
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the NUL bytes fall mostly on one side of each pair, else None."""
    sample = data[: _UTF16_SAMPLE - _UTF16_SAMPLE % 2]
    first, second = sample[0::2].count(0), sample[1::2].count(0)
    for codec, nuls, other in (("utf-16-le", second, first), ("utf-16-be", first, second)):
        if nuls >= _UTF16_MIN_NULS and other <= nuls * _UTF16_OTHER_SIDE:
            return codec
    return None


def _decode_utf16_without_bom(data: bytes, codec: str, filename: str) -> DecodedText:
    try:
        decoded = DecodedText(data.decode(codec), codec)
    except UnicodeDecodeError:
        # An odd number of bytes, or half a surrogate pair: cut short, or not UTF-16 after all.
        raise ImportFormatError(
            UTF16_UNREADABLE.format(name=_UTF16_NAMES[codec]), filename=filename
        ) from None
    # Pairs that decode to NULs or control characters are binary data, whichever side their NULs are on.
    return _checked(decoded, filename)


def _decode_legacy(data: bytes, filename: str) -> DecodedText:
    if b"\x00" in data[:65536]:
        raise _binary(filename)
    best = _guess(data)
    if best is None:
        raise _binary(filename)
    western = _guess(data, only=_WESTERN)
    # Short Latin texts fool the detector into Farsi or Central European code pages; Windows-1252 wins
    # whenever it reads the bytes about as cleanly. Cyrillic or Greek text does not decode as 1252 cleanly.
    if western is not None and western.chaos <= best.chaos + _CHAOS_TOLERANCE:
        best = western
    try:
        return DecodedText(data.decode(best.encoding), _codec_name(best.encoding))
    except (UnicodeDecodeError, LookupError):
        raise _binary(filename) from None


def _guess(data: bytes, only: list[str] | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return from_bytes(data, cp_isolation=only).best()
        except Exception:  # charset-normalizer is a heuristic; any failure means "unknown"
            return None


def _codec_name(name: str) -> str:
    return codecs.lookup(name).name


def _checked(decoded: DecodedText, filename: str) -> DecodedText:
    sample = decoded.text[:65536]
    if not sample.strip():
        raise ImportFormatError(EMPTY, filename=filename)
    if not _is_text(sample):
        raise _binary(filename)
    return decoded


def _is_text(sample: str) -> bool:
    controls = sum(1 for ch in sample if ch < " " and ch not in _ALLOWED_CONTROLS)
    return "\x00" not in sample and controls <= max(8, len(sample) // 100)


def _binary(filename: str) -> ImportFormatError:
    return ImportFormatError(
        "this is not a text file (it looks like binary data or an unknown encoding), so it cannot be "
        "a bibliographic export",
        filename=filename,
    )


def split_lines(text: str, *, block: int = 1 << 20) -> Iterator[str]:
    """The lines, split on CRLF, LF and CR alike, so line numbers match what an editor shows.

    Split a block of about a megabyte at a time: the readers go through the lines once, and a list of
    every line of a 100 MB export would cost more memory than the records read from it.
    """
    text = normalise_newlines(text)
    start = 0
    while len(text) - start > block:
        end = text.find("\n", start + block)
        if end < 0:
            break
        yield from text[start:end].split("\n")
        start = end + 1
    yield from text[start:].split("\n")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
