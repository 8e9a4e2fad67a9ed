"""Marking the review's include and exclude keywords in a title or abstract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

from lib.markup import markup_with_marks


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
    """The title or abstract as safe markup (``lib.markup``), each keyword match wrapped in a mark element,
    green for include, red for exclude. Matches are found on the words without their tags."""
    matcher = _matcher(tuple(include), tuple(exclude))

    def find(plain: str) -> list[tuple[int, int, str]]:
        if matcher is None:
            return []
        return [
            (match.start(), match.end(), "kw-include" if match.lastgroup == "include" else "kw-exclude")
            for match in matcher.finditer(plain)
            if match.start() != match.end()
        ]

    return mark_safe(markup_with_marks(text or "", find))  # noqa: S308 - lib.markup escapes every piece of text
