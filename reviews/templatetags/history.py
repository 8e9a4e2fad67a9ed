"""How a history entry's before/after values read on the History page: one line per field."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()

_MISSING = object()


def _readable(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return ", ".join(_readable(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@register.filter
def history_changes(event) -> list[dict[str, str]]:
    """[{field, before, after}] for the fields an entry names; before or after is "" when the entry has
    only one side (a creation, a deletion)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for field in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(field, _MISSING), after.get(field, _MISSING)
        if (old is _MISSING) != (new is _MISSING) and _readable(new if old is _MISSING else old) == "—":
            continue  # an empty field of something created or deleted says nothing
        rows.append(
            {
                "field": field.replace("_", " "),
                "before": "" if old is _MISSING else _readable(old),
                "after": "" if new is _MISSING else _readable(new),
                "both": old is not _MISSING and new is not _MISSING,
            }
        )
    return rows
