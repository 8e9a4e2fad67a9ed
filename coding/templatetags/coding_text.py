"""Quotes cut short for lists, as Django's ``truncatechars`` cuts them, without its walk over every
character when the text has no combining characters (a synthesis page cuts hundreds of long quotes); and the
heat map's cells, written in one go rather than by a template loop over a thousand of them."""

from __future__ import annotations

import unicodedata

from django import template
from django.template.defaultfilters import stringfilter
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import pgettext

register = template.Library()


@register.filter(is_safe=True)
@stringfilter
def clip(value: str, length: int) -> str:
    """``truncatechars``: at most ``length`` characters (combining ones not counted), ending in an ellipsis
    when cut."""
    length = int(length)
    if length <= 0:
        return ""
    text = unicodedata.normalize("NFC", value)
    if len(text) <= length:
        return text
    if any(map(unicodedata.combining, text)):
        return Truncator(text).chars(length)
    ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")  # as Django's
    return add_truncation_text(text[: calculate_truncate_chars_length(length, ellipsis)], ellipsis)


NO_ITEMS = mark_safe('<span class="visually-hidden">0</span>')  # noqa: S308 (a constant)


@register.filter
def heat_cells(cells: list[tuple[str, str]]) -> SafeString:
    """A heat map row's cells from ``Matrix.rows``: (count as printed, or "" for none; heat level)."""
    return format_html_join(
        "", '<td class="num heat-{}">{}</td>', ((heat, n or NO_ITEMS) for n, heat in cells)
    )
