import pytest

from reviews.parsers import ImportFormatError, ParsedRecord


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"line": 120, "record": 7}, "refs.ris, line 120: broken"),
        ({"record": 7}, "refs.ris, record 7: broken"),
        ({}, "refs.ris: broken"),
    ],
)
def test_an_import_format_error_reads_as_a_complete_message(kwargs, text):
    error = ImportFormatError("broken", filename="refs.ris", **kwargs)

    assert str(error) == text
    assert (error.message, error.filename) == ("broken", "refs.ris")
    assert (error.line, error.record) == (kwargs.get("line"), kwargs.get("record"))
    assert isinstance(error, ValueError)


def test_a_parsed_record_starts_empty_apart_from_its_place():
    record = ParsedRecord(position=1, line=3)

    assert (record.title, record.authors, record.year, record.raw) == ("", [], None, {})
