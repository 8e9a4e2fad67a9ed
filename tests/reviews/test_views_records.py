"""The Records page's filters and pages (review_with_records: records 1-3 from Embase, 4 and 5 from PubMed,
4 merged into 1, an open pair between 1 and 2)."""

import pytest
from django.urls import reverse

from reviews.models import DuplicatePair, Merge, Record
from reviews.services.duplicates import duplicate_pair_mark_different, merge_undo
from reviews.services.records import record_remove


@pytest.fixture
def records_page(review_with_records, owner, client_for):
    client = client_for(owner)
    url = reverse("reviews:records", args=[review_with_records.slug])

    def get(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response

    return get


def _titles(review, response) -> list[str]:
    return [record.title for record in response.context["page"]]


def _record_titles(review, **filters) -> list[str]:
    return list(
        Record.objects.filter(review=review, merged_into__isnull=True, **filters)
        .order_by("id")
        .values_list("title", flat=True)
    )


def test_each_status_shows_its_records(review_with_records, owner, records_page):
    review = review_with_records
    merged_target = Merge.objects.get(review=review).target
    pair = DuplicatePair.objects.get(review=review)
    paired = {pair.source_a.record.title, pair.source_b.record.title}
    assert _titles(review, records_page()) == _record_titles(review, is_removed=False)
    assert _titles(review, records_page(status="merged")) == [merged_target.title]
    assert set(_titles(review, records_page(status="possible"))) == paired
    assert _titles(review, records_page(status="removed")) == []

    record_remove(actor=owner, record=merged_target, reason="Retracted")
    assert _titles(review, records_page(status="removed")) == [merged_target.title]
    assert _titles(review, records_page(status="merged")) == []
    assert merged_target.title not in _titles(review, records_page(status="possible"))


def test_a_decided_pair_and_an_undone_merge_leave_their_filters(
    review_with_records, owner, lead, records_page
):
    review = review_with_records
    duplicate_pair_mark_different(actor=lead, pair=DuplicatePair.objects.get(review=review))
    merge_undo(actor=lead, merge=Merge.objects.get(review=review))
    assert records_page(status="possible").context["page"].paginator.count == 0
    assert records_page(status="merged").context["page"].paginator.count == 0


def test_the_database_filter_counts_a_merged_record_once(review_with_records, records_page):
    response = records_page(source="Embase")
    assert response.context["page"].paginator.count == 3
    assert "3 records." in response.content.decode()


def test_a_later_page_shows_the_next_records(review_with_records, records_page, monkeypatch):
    monkeypatch.setattr("reviews.views.records.RECORDS_PER_PAGE", 3)
    titles = _record_titles(review_with_records, is_removed=False)
    first, second = records_page(), records_page(page=2)
    assert _titles(review_with_records, first) + _titles(review_with_records, second) == titles
    body = second.content.decode()
    assert "4 records." in body and "Page 2 of 2" in body and 'rel="prev"' in body


def test_a_broad_search_says_more_than_its_cap_and_pages_on(review_with_records, records_page, monkeypatch):
    monkeypatch.setattr("reviews.views.records.RECORDS_PER_PAGE", 2)
    monkeypatch.setattr("reviews.views.records.SEARCH_COUNT_CAP", 2)
    first = records_page(q="e")  # in every record
    body = first.content.decode()
    assert "More than 2 records matching “e”." in body
    assert "Page 1</span>" in body and 'rel="next"' in body
    last = records_page(q="e", page=2)
    body = last.content.decode()
    assert "Page 2</span>" in body and 'rel="prev"' in body and 'rel="next"' not in body
    assert len(_titles(review_with_records, first) + _titles(review_with_records, last)) == 4


def test_a_search_under_its_cap_is_counted_exactly(review_with_records, records_page):
    body = records_page(q="e").content.decode()
    assert "4 records matching “e”." in body and "More than" not in body
