"""Answers are checked by type: whole numbers, decimals, years 1000–2100, dates, choices from the list."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from extraction.values import AnswerInvalid, as_cell, comparison_key, parse_answer


@dataclass
class F:
    field_type: str
    choices: list = field(default_factory=list)


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        ("integer", " 12 ", 12),
        ("integer", "-3", -3),
        ("decimal", "12.50", "12.50"),
        ("year", "2100", 2100),
        ("year", "1000", 1000),
        ("date", "2024-02-29", "2024-02-29"),
        ("short_text", "  Smith  ", "Smith"),
        ("long_text", "line one\r\nline two", "line one\nline two"),
        ("yes_no_unclear", "Unclear", "Unclear"),
        ("country", "Norway", "Norway"),
        ("integer", "", None),
    ],
)
def test_it_stores_well_formed_answers(field_type, raw, stored):
    assert parse_answer(F(field_type), raw) == stored


@pytest.mark.parametrize(
    ("field_type", "raw"),
    [
        ("integer", "12.5"),
        ("integer", "twelve"),
        ("decimal", "1,5"),
        ("decimal", "NaN"),
        ("year", "999"),
        ("year", "2101"),
        ("date", "2023-02-29"),
        ("date", "12/01/2020"),
        ("yes_no_unclear", "Maybe"),
        ("country", "Atlantis"),
    ],
)
def test_it_refuses_answers_that_do_not_fit_the_type(field_type, raw):
    with pytest.raises(AnswerInvalid):
        parse_answer(F(field_type), raw)


def test_choices_must_come_from_the_list():
    single = F("single_choice", ["Interviews", "Focus groups"])
    assert parse_answer(single, "Focus groups") == "Focus groups"
    with pytest.raises(AnswerInvalid):
        parse_answer(single, "Survey")
    many = F("multiple_choice", ["Interviews", "Focus groups", "Survey"])
    assert parse_answer(many, ["Survey", "Interviews", "Survey"]) == ["Interviews", "Survey"]
    assert parse_answer(many, []) is None
    with pytest.raises(AnswerInvalid):
        parse_answer(many, ["Interviews", "Poetry"])


def test_text_answers_agree_ignoring_case_and_spacing_and_numbers_by_value():
    assert comparison_key("short_text", "Primary  care") == comparison_key("short_text", "primary care")
    assert comparison_key("decimal", "1.50") == comparison_key("decimal", "1.5")
    assert comparison_key("multiple_choice", ["a", "b"]) == comparison_key("multiple_choice", ["b", "a"])


def test_spreadsheet_cells_keep_numbers_as_numbers():
    assert as_cell("integer", -4) == -4
    assert as_cell("decimal", "2.5") == Decimal("2.5")
    assert as_cell("multiple_choice", ["a", "b"]) == "a; b"
