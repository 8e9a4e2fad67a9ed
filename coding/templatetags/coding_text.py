"""Quotes cut short for lists, as Django's ``truncatechars`` cuts them, without its walk over every
character when the text has no combining characters (a synthesis page cuts hundreds of long quotes)."""

from __future__ import annotations

import unicodedata

from django import template
from django.template.defaultfilters import stringfilter
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length

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
    return add_truncation_text(text[: calculate_truncate_chars_length(length, None)])
