from django.urls import reverse

from reviews.links import link_for_each


def test_a_link_for_each_record_is_the_url_reverse_gives():
    # A slug that is all digits, and ids that repeat its digits, still give the id its own place.
    for slug in ("scoping-review", "918273645546372819", "2024"):
        record_url = link_for_each("reviews:record", slug)
        resolve_url = link_for_each("screening:resolve", slug, "full-text")
        for pk in (1, 7, 2024, 918273645546372819):
            assert record_url(pk) == reverse("reviews:record", args=[slug, pk])
            assert resolve_url(pk) == reverse("screening:resolve", args=[slug, "full-text", pk])
