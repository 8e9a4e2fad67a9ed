"""Answers as values: parsing what a reviewer typed, showing it, comparing it. No Django models here.

A value is stored as JSON: a string (text, decimal, date, a choice), an int (integer, year), a list of
strings (multiple choice) or None (blank). Decimals stay strings so that 0.1 stays 0.1.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from extraction.countries import COUNTRIES

YES_NO_UNCLEAR = ("Yes", "No", "Unclear")
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 20_000
YEAR_MIN, YEAR_MAX = 1000, 2100

ANSWER_NOT_INTEGER = "Enter a whole number, such as 12."
ANSWER_NOT_DECIMAL = "Enter a number, such as 12.5."
ANSWER_NOT_YEAR = f"Enter a year between {YEAR_MIN} and {YEAR_MAX}."
ANSWER_NOT_DATE = "Enter a date as YYYY-MM-DD."
ANSWER_NOT_A_CHOICE = "“{value}” is not one of the choices."
ANSWER_TOO_LONG = "Keep this under {limit} characters."
ANSWER_REQUIRED = "This field is required to submit."

_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldLike(Protocol):
    field_type: str
    choices: list


class AnswerInvalid(Exception):
    """What a reviewer typed does not fit the field; the message is shown beside it."""


def options(field: FieldLike) -> tuple[str, ...]:
    if field.field_type in ("single_choice", "multiple_choice"):
        return tuple(field.choices)
    if field.field_type == "yes_no_unclear":
        return YES_NO_UNCLEAR
    if field.field_type == "country":
        return COUNTRIES
    return ()


def _text(raw: str, limit: int) -> str:
    if len(raw) > limit:
        raise AnswerInvalid(ANSWER_TOO_LONG.format(limit=limit))
    return raw


def _integer(raw: str) -> int:
    if not _INTEGER.match(raw):
        raise AnswerInvalid(ANSWER_NOT_INTEGER)
    return int(raw)


def _decimal(raw: str) -> str:
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise AnswerInvalid(ANSWER_NOT_DECIMAL) from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise AnswerInvalid(ANSWER_NOT_DECIMAL)
    return format(number, "f")


def _year(raw: str) -> int:
    if not _INTEGER.match(raw) or not YEAR_MIN <= int(raw) <= YEAR_MAX:
        raise AnswerInvalid(ANSWER_NOT_YEAR)
    return int(raw)


def _date(raw: str) -> str:
    if not _DATE.match(raw):
        raise AnswerInvalid(ANSWER_NOT_DATE)
    try:
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise AnswerInvalid(ANSWER_NOT_DATE) from None


def _one_of(field: FieldLike, raw: str) -> str:
    if raw not in options(field):
        raise AnswerInvalid(ANSWER_NOT_A_CHOICE.format(value=raw[:80]))
    return raw


def _many_of(field: FieldLike, raws: list[str]) -> list[str] | None:
    allowed = options(field)
    chosen = {raw.strip() for raw in raws if raw.strip()}
    for raw in sorted(chosen):
        if raw not in allowed:
            raise AnswerInvalid(ANSWER_NOT_A_CHOICE.format(value=raw[:80]))
    return [option for option in allowed if option in chosen] or None


_PARSERS = {
    "short_text": lambda field, raw: _text(raw, SHORT_TEXT_MAX),
    "long_text": lambda field, raw: _text(raw, LONG_TEXT_MAX),
    "integer": lambda field, raw: _integer(raw),
    "decimal": lambda field, raw: _decimal(raw),
    "year": lambda field, raw: _year(raw),
    "date": lambda field, raw: _date(raw),
    "single_choice": _one_of,
    "yes_no_unclear": _one_of,
    "country": _one_of,
}


def parse_answer(field: FieldLike, raw: str | list[str] | None) -> Any:
    """The value to store for what was typed (None for blank), or AnswerInvalid."""
    if field.field_type == "multiple_choice":
        raws = raw if isinstance(raw, list) else ([raw] if raw else [])
        return _many_of(field, raws)
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    raw = (raw or "").replace("\r\n", "\n").strip()
    if not raw:
        return None
    return _PARSERS[field.field_type](field, raw)


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def as_text(value: Any) -> str:
    """How a value reads on a page and in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def as_input(value: Any) -> str | list[str]:
    """What an input shows for a stored value (a list for checkboxes)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def as_cell(field_type: str, value: Any) -> Any:
    """A spreadsheet cell: numbers as numbers, dates as dates, the rest as text."""
    if value is None:
        return None
    if field_type in ("integer", "year") and isinstance(value, int):
        return value
    if field_type == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    if field_type == "date":
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    return as_text(value)


def comparison_key(field_type: str, value: Any) -> Any:
    """Two answers agree when their keys are equal: text ignoring case and spacing, numbers by value."""
    if is_blank(value):
        return None
    if isinstance(value, list):
        return tuple(sorted(value))
    if field_type in ("integer", "year", "decimal"):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    return " ".join(str(value).split()).casefold()


def as_number(value: Any) -> Decimal | None:
    if is_blank(value) or isinstance(value, list | bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
