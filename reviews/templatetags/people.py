"""How a person is named on every page: their display name where they set one, else their username.

A template builtin (``config/settings.py``), so every app's templates use it without loading it. The display
name is the account's own ``first_name``/``last_name``, read from the row already fetched: no extra query.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()
