"""How history entries read: one line per field, in words."""

from __future__ import annotations

from types import SimpleNamespace

from reviews.templatetags.history import history_changes


def _event(before=None, after=None):
    return SimpleNamespace(before=before or {}, after=after or {})


def test_a_change_reads_before_and_after_per_field_in_words():
    rows = history_changes(
        _event(
            before={"reviewers_per_record": 1, "lead_may_screen": False, "keywords": []},
            after={"reviewers_per_record": 2, "lead_may_screen": True, "keywords": ["nurs*", "care"]},
        )
    )
    assert rows == [
        {"field": "reviewers per record", "before": "1", "after": "2", "both": True},
        {"field": "lead may screen", "before": "no", "after": "yes", "both": True},
        {"field": "keywords", "before": "—", "after": "nurs*, care", "both": True},
    ]


def test_a_creation_lists_only_the_fields_it_filled():
    rows = history_changes(
        _event(after={"title": "Review", "question": "", "protocol": None, "type": "scoping"})
    )
    assert [(row["field"], row["after"]) for row in rows] == [("title", "Review"), ("type", "scoping")]


def test_a_deletion_keeps_what_was_there_and_anything_else_reads_as_text():
    rows = history_changes(_event(before={"records": 3, "file": "a.ris"}))
    assert [(row["field"], row["before"], row["after"]) for row in rows] == [
        ("records", "3", ""),
        ("file", "a.ris", ""),
    ]
    assert history_changes(SimpleNamespace(before=None, after=["not", "a", "dict"])) == []
    nested = history_changes(_event(after={"moves": {"a": 1}}))
    assert nested[0]["after"] == '{"a": 1}'
