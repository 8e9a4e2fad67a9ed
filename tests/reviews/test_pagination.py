import pytest
from django.core.paginator import EmptyPage, Paginator

from reviews.models import AuditEvent, Review
from reviews.pagination import QuickPaginator
from tests.factories import review_with_team


@pytest.fixture
def reviews(owner) -> list[Review]:
    """Seven reviews, in id order: enough rows for pages of three."""
    return [
        review_with_team(slug=f"review-{number}", title=f"Review {number}", team={"owner": owner})
        for number in range(7)
    ]


def _ids(page) -> list[int]:
    return [review.pk for review in page]


def test_it_gives_the_same_pages_as_djangos_paginator(reviews):
    rows = Review.objects.order_by("id")
    ours, django = QuickPaginator(rows, 3), Paginator(rows, 3)
    assert ours.count == django.count == 7 and ours.num_pages == django.num_pages == 3
    assert not ours.is_count_capped
    for number in (1, 2, 3):
        page, expected = ours.page(number), django.page(number)
        assert _ids(page) == _ids(expected)
        assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())
    assert _ids(ours.get_page(99)) == _ids(django.page(3))
    with pytest.raises(EmptyPage):
        ours.page(4)


def test_it_keeps_the_lists_order_on_a_later_page(reviews):
    rows = Review.objects.order_by("-id")
    assert _ids(QuickPaginator(rows, 3).page(2)) == [review.pk for review in reversed(reviews)][3:6]


def test_a_count_under_its_cap_is_exact(reviews):
    paginator = QuickPaginator(Review.objects.order_by("id"), 3, count_cap=7)
    assert paginator.count == 7 and not paginator.is_count_capped and paginator.num_pages == 3
    assert not paginator.page(3).has_next()


def test_past_its_cap_the_count_stops_and_the_pages_go_on(reviews):
    paginator = QuickPaginator(Review.objects.order_by("id"), 3, count_cap=4)
    assert paginator.count == 4 and paginator.is_count_capped
    pages = [paginator.get_page(number) for number in (1, 2, 3)]
    assert [_ids(page) for page in pages] == [
        [review.pk for review in reviews][start : start + 3] for start in (0, 3, 6)
    ]
    assert [page.has_next() for page in pages] == [True, True, False]
    assert pages[2].has_previous() and pages[2].end_index() == 7


def test_a_page_past_the_end_of_a_capped_list_gives_the_last_counted_page(reviews):
    paginator = QuickPaginator(Review.objects.order_by("id"), 3, count_cap=4)
    with pytest.raises(EmptyPage):
        paginator.page(4)
    assert paginator.get_page(4).number == 2
    assert paginator.get_page("0").number == 2 and paginator.get_page("x").number == 1


def test_an_empty_list_has_one_empty_page(db):
    for cap in (None, 5):
        page = QuickPaginator(AuditEvent.objects.none().order_by("id"), 3, count_cap=cap).get_page(1)
        assert list(page) == [] and page.paginator.count == 0 and not page.has_other_pages()
