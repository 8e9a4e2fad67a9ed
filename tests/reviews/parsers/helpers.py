"""Shared helpers for the parser tests: fixture access and one-call parsing."""

from __future__ import annotations

from pathlib import Path

from reviews.parsers import ParsedRecord, ParseResult, parse_export

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(data: bytes | str, filename: str = "refs.ris", format: str | None = None) -> ParseResult:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return parse_export(data, filename=filename, format=format)


def parse_fixture(name: str, format: str | None = None) -> ParseResult:
    return parse(fixture_bytes(name), filename=name, format=format)


def only_record(data: bytes | str, filename: str = "refs.ris", format: str | None = None) -> ParsedRecord:
    result = parse(data, filename=filename, format=format)
    assert len(result.records) == 1, result.records
    return result.records[0]


def ris(*lines: str) -> str:
    """A RIS text from its lines, so tests show the exact lines they feed in."""
    return "\n".join(lines) + "\n"
