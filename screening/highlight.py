"""Marking the review's include and exclude keywords in a title or abstract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _pattern_for(keyword: str) -> str:
    # "*" stands for any word ending ("barrier*" finds barriers); everything else is literal.
    parts = [re.escape(part) for part in keyword.strip().split("*")]
    body = r"\w*".join(parts)
    ends_open = keyword.strip().endswith("*")
    return r"\b" + body + ("" if ends_open else r"\b")


@lru_cache(maxsize=64)
def _matcher(include: tuple[str, ...], exclude: tuple[str, ...]) -> re.Pattern | None:
    alternatives = []
    for group, keywords in (("include", include), ("exclude", exclude)):
        patterns = [_pattern_for(keyword) for keyword in keywords if keyword.strip().strip("*")]
        if patterns:
            alternatives.append(f"(?P<{group}>{'|'.join(sorted(patterns, key=len, reverse=True))})")
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE)


def highlight_keywords(text: str, *, include: Sequence[str], exclude: Sequence[str]) -> SafeString:
    """Escape the text and wrap each keyword match in a mark element, green for include, red for exclude."""
    matcher = _matcher(tuple(include), tuple(exclude))
    if matcher is None or not text:
        return escape(text)
    pieces, last = [], 0
    for match in matcher.finditer(text):
        if match.start() == match.end():
            continue
        kind = "include" if match.lastgroup == "include" else "exclude"
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f'<mark class="kw-{kind}">{escape(match.group(0))}</mark>')
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of the text is escaped above
