"""The key hints under the screening panel name exactly the keys that do something on it."""

import re

import pytest
from django.urls import reverse

from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen


@pytest.fixture
def records(review, owner):
    return records_to_screen(review, owner, count=3)


def _hinted(body: str) -> list[str]:
    match = re.search(r'<p class="shortcuts muted">(.*?)</p>', body, re.S)
    return re.findall(r"<kbd>(\w)</kbd>", match.group(1)) if match else []


def _wired(body: str) -> list[str]:
    """The keys the page's script acts on: one element with data-key each."""
    return re.findall(r'data-key="(\w)"', body)


def _page(client, review, record, stage="title-abstract") -> str:
    return client.get(reverse("screening:record", args=[review.slug, stage, record.pk])).content.decode()


def test_a_fresh_record_hints_no_undo(review, records, reviewer, client_for):
    body = _page(client_for(reviewer), review, records[0])
    assert _hinted(body) == ["i", "m", "e", "n"] == _wired(body)


def test_after_a_decision_the_undo_key_is_hinted_with_its_button(review, records, reviewer, client_for):
    response = client_for(reviewer).post(
        reverse("screening:decide", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "include"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "Undo" in body and _hinted(body) == ["i", "m", "e", "u", "n"]
    assert sorted(_hinted(body)) == sorted(_wired(body))


def test_full_text_hints_no_maybe(review, records, reviewer, second_reviewer, client_for):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    body = _page(client_for(reviewer), review, records[0], "full-text")
    assert _hinted(body) == ["i", "e", "n"] == _wired(body)


def test_a_settled_record_hints_no_keys(review, records, reviewer, second_reviewer, client_for):
    decide(review, records[0], reviewer, "exclude")
    decide(review, records[0], second_reviewer, "exclude", stage=Stage.TITLE_ABSTRACT)
    body = _page(client_for(reviewer), review, records[0])
    assert "Settled at this stage" in body
    assert _hinted(body) == [] == _wired(body) and "Keys:" not in body
