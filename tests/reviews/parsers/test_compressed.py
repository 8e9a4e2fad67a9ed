"""Gzip-compressed exports are read as the file inside them, within the limits an unpacked file has."""

from __future__ import annotations

import gzip
import io
import re
import tracemalloc

import openpyxl
import pytest

from reviews.parsers import ImportFormatError, detect_format
from reviews.parsers.base import ParseLimits, parse_limits
from reviews.parsers.compressed import inner_name

from .helpers import fixture_bytes, parse


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Title", "Year"])
    workbook.active.append(["A study", 2020])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scopus.ris", "ris"),
        ("pubmed.nbib", "nbib"),
        ("pubmed.xml", "pubmed-xml"),
        ("endnote.xml", "endnote-xml"),
        ("refs.bib", "bibtex"),
        ("savedrecs.ciw", "wos"),
        ("scopus.csv", "csv"),
        ("pubmed.csv", "pubmed-csv"),
    ],
)
def test_a_compressed_export_reads_as_the_file_inside_it(name, expected):
    plain = parse(fixture_bytes(name), filename=name)

    packed = parse(gzip.compress(fixture_bytes(name)), filename=f"{name}.gz")

    assert packed.format == plain.format == expected
    assert packed.records == plain.records


def test_a_compressed_workbook_reads_as_a_workbook():
    result = parse(gzip.compress(_workbook()), filename="export.xlsx.gz")

    assert result.format == "xlsx"
    assert [record.title for record in result.records] == ["A study"]


def test_it_knows_a_gzip_file_by_its_bytes_whatever_its_name():
    assert parse(gzip.compress(fixture_bytes("scopus.ris")), filename="scopus.ris").format == "ris"
    assert detect_format(gzip.compress(fixture_bytes("pubmed.nbib")), filename="download") == "nbib"


def test_the_name_inside_breaks_a_tie_as_it_would_uncompressed():
    two_letter_tags_only = gzip.compress(b"TI  - A title\nAU  - Smith J\n")

    assert detect_format(two_letter_tags_only, filename="refs.nbib.gz") == "nbib"
    assert detect_format(two_letter_tags_only, filename="refs.ris.GZ") == "ris"
    assert inner_name("refs.nbib.gz") == "refs.nbib"
    assert inner_name("refs.nbib") == "refs.nbib"


def test_an_explicit_format_is_obeyed_inside_the_compressed_file():
    result = parse(gzip.compress(b"TI  - A title\nAU  - Smith J\n"), filename="refs.gz", format="nbib")

    assert result.format == "nbib"


def test_a_fault_inside_names_the_compressed_file_and_the_line():
    bad = b"TY  - JOUR\nTI  - One\nER  - \n\nTI  - Two\nER  - \n"

    with pytest.raises(ImportFormatError) as caught:
        parse(gzip.compress(bad), filename="refs.ris.gz")

    assert str(caught.value).startswith("refs.ris.gz, line 5: ")


def test_it_refuses_a_damaged_gzip_file():
    truncated = gzip.compress(fixture_bytes("scopus.ris"))[:200]

    with pytest.raises(ImportFormatError, match=r"^refs\.ris\.gz: this gzip file is damaged or incomplete"):
        parse(truncated, filename="refs.ris.gz")


def test_it_refuses_a_gzip_file_inside_a_gzip_file():
    twice = gzip.compress(gzip.compress(fixture_bytes("scopus.ris")))

    with pytest.raises(
        ImportFormatError, match=r"^refs\.ris\.gz\.gz: this gzip file holds another compressed"
    ):
        parse(twice, filename="refs.ris.gz.gz")


def test_the_record_limit_counts_the_records_inside():
    records = "".join(f"TY  - JOUR\nTI  - Study {n}\nER  - \n\n" for n in range(30)).encode()
    token = parse_limits.set(ParseLimits(max_records=20))
    try:
        with pytest.raises(
            ImportFormatError, match=re.escape("big.ris.gz: the file holds more than 20 records")
        ):
            parse(gzip.compress(records), filename="big.ris.gz")
    finally:
        parse_limits.reset(token)


def test_a_gzip_bomb_is_refused_before_its_bytes_are_held():
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)  # 64 MB of zeros in about 64 KB
    token = parse_limits.set(ParseLimits(max_expanded_bytes=32 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(ImportFormatError) as caught:
            parse(bomb, filename="bomb.ris.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        parse_limits.reset(token)

    assert str(caught.value) == (
        "bomb.ris.gz: the gzip file unpacks to more than the 32 MB one file may hold "
        "(IMPORT_MAX_EXPANDED_MB); it was not unpacked"
    )
    # A chunk at a time, far below the 32 MB the limit would allow, let alone the 64 MB inside.
    assert peak < 8 * 1024 * 1024
