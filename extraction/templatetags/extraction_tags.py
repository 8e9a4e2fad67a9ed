from __future__ import annotations

from typing import Any

from django import template

from extraction.values import as_text

register = template.Library()


@register.filter
def answer(value: Any) -> str:
    """A stored answer as it reads on a page (lists joined with semicolons)."""
    return as_text(value)


@register.filter
def is_chosen(option: str, value: Any) -> bool:
    """Whether a choice is the value, or among the values of a multiple-choice answer."""
    if isinstance(value, list | tuple):
        return option in value
    return option == value


@register.filter
def lines(values: Any) -> str:
    """A list as one item per line, for a textarea."""
    return "\n".join(str(value) for value in values or [])
