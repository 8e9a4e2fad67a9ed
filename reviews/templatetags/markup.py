"""Titles and abstracts on every page: the safe inline markup databases export (``lib.markup``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from lib.markup import inline_markup as _inline_markup
from lib.markup import plain_text as _plain_text

register = template.Library()


@register.filter
def inline_markup(value: str) -> SafeString:
    return mark_safe(_inline_markup(value or ""))  # noqa: S308 - lib.markup escapes the text, keeps safe tags


@register.filter
def plain_text(value: str) -> str:
    """The words without markup, for places that hold text only (attributes, truncated lines)."""
    return _plain_text(value or "")
