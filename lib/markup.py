"""Titles and abstracts as databases export them: a little HTML (PM<sub>2.5</sub>, <i>Strix occidentalis</i>,
<p>) inside plain text. A safe subset is kept as markup, everything else is read as text: block tags become
line breaks and other tags are dropped, their words kept. Keywords are matched on the words alone, so
"PM2.5" finds PM<sub>2.5</sub>. The record itself keeps the value exactly as it was imported.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3

INLINE_TAGS = frozenset({"sub", "sup", "i", "em", "b", "strong"})
_BLOCK_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/?\s*(?:p|div|li|h[1-6])(?:\s[^>]*)?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Elements a database's titles and abstracts carry (HTML, and JATS's inline names in some exports).
_ELEMENTS = (
    "a|abbr|b|big|blockquote|bold|br|caption|cite|code|dd|del|dfn|div|dl|dt|em|font|h[1-6]|hr|i|iframe|img|inf|ins|"
    "italic|kbd|li|mark|object|ol|p|pre|q|s|sc|script|small|span|strike|strong|style|sub|sup|table|tbody|td|"
    "tfoot|th|thead|tr|tt|u|ul|underline|var|wbr"
)
# A "<" that does not open a whole tag of one of those is text ("p <0.05", "x <y", "values <LOD and >LOQ",
# "scores <median were >mean"): escaped before the HTML is read, so no words are lost between two signs.
_STRAY_LESS_THAN = re.compile(rf"<(?!/?(?:{_ELEMENTS})(?:\s[^<>]*)?/?>)", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z]")


def inline_markup(text: str) -> str:
    """Safe HTML for a title or abstract: the inline tags kept, every other tag dropped, the text escaped."""
    if not text:
        return ""
    if not _LOOKS_LIKE_MARKUP.search(text):
        return html.escape(text, quote=False)
    text = _BLANK_LINES.sub("\n", _BLOCK_BREAK.sub("\n", _STRAY_LESS_THAN.sub("&lt;", text)))
    return nh3.clean(text, tags=set(INLINE_TAGS), attributes={}, strip_comments=True, link_rel=None).strip()


def plain_text(text: str) -> str:
    """The words alone: what a title reads as without its markup (for matching, sorting and labels)."""
    return html.unescape(_TAG.sub("", inline_markup(text)))


def markup_with_marks(text: str, find: Callable[[str], list[tuple[int, int, str]]]) -> str:
    """``inline_markup(text)`` with each span that ``find`` returns on the plain words — (start, end, css
    class) — wrapped in <mark>, split where a span crosses a tag (PM<sub>2.5</sub> gives two marks)."""
    tokens = _TAG.split(inline_markup(text))
    plain_parts = [html.unescape(token) if index % 2 == 0 else "" for index, token in enumerate(tokens)]
    spans = sorted(find("".join(plain_parts)))
    out, offset = [], 0
    for index, token in enumerate(tokens):
        if index % 2 == 1:
            out.append(token)
            continue
        plain = plain_parts[index]
        out.append(_marked(plain, offset, spans))
        offset += len(plain)
    return "".join(out)


def _marked(plain: str, offset: int, spans: list[tuple[int, int, str]]) -> str:
    end, position, pieces = offset + len(plain), offset, []
    for start, stop, css in spans:
        if stop <= offset or start >= end:
            continue
        left, right = max(start, offset), min(stop, end)
        if left > position:
            pieces.append(html.escape(plain[position - offset : left - offset], quote=False))
        pieces.append(
            f'<mark class="{css}">{html.escape(plain[left - offset : right - offset], quote=False)}</mark>'
        )
        position = right
    pieces.append(html.escape(plain[position - offset :], quote=False))
    return "".join(pieces)
