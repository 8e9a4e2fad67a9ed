"""The History page reads in words, links each entry's record by its title, and filters."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape

from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen


def _history(client, review, **query) -> str:
    return client.get(reverse("reviews:audit_log", args=[review.slug]), query).content.decode()


def test_entries_say_what_happened_and_to_which_record(
    review, owner, lead, reviewer, second_reviewer, client_for
):
    records = records_to_screen(review, owner, count=2)
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    decide(review, records[0], reviewer, "include", stage=Stage.FULL_TEXT)
    page = _history(client_for(lead), review)
    assert "screened a record" in page and "imported a search export" in page
    link = reverse("reviews:record", args=[review.slug, records[0].pk])
    assert f'<a href="{link}">{escape(records[0].title[:60])}' in page


def test_it_filters_by_person_stage_and_record(review, owner, lead, reviewer, second_reviewer, client_for):
    records = records_to_screen(review, owner, count=2)
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    decide(review, records[1], second_reviewer, "exclude")
    decide(review, records[0], reviewer, "include", stage=Stage.FULL_TEXT)
    client = client_for(lead)
    bob = _history(client, review, person="bob")
    assert bob.count("screened a record") == 2 and "imported a search export" not in bob
    full = _history(client, review, area="full_text")
    assert full.count("screened a record") == 1
    title = _history(client, review, area="title_abstract")
    assert title.count("screened a record") == 3
    second = _history(client, review, record=str(records[1].pk))
    assert second.count("screened a record") == 1 and escape(records[0].title[:40]) not in second
    assert "Nothing matches" in _history(client, review, person="nobody")


def test_a_blinded_member_still_sees_only_what_the_rule_allows(
    review, owner, lead, reviewer, second_reviewer, client_for
):
    records = records_to_screen(review, owner, count=1)
    decide(review, records[0], second_reviewer, "exclude")
    page = _history(client_for(lead), review)
    assert "screened a record" in page
    # bob may not open the History page at all (owners and the lead); the rule is tested on its selector too.
    assert client_for(reviewer).get(reverse("reviews:audit_log", args=[review.slug])).status_code == 403
