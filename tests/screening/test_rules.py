import pytest

from screening.highlight import highlight_keywords
from screening.rules import order_key, stage_outcome


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ([("include", ""), ("include", "")], "included"),
        ([("include", ""), ("maybe", "")], "included"),
        ([("maybe", ""), ("maybe", "")], "included"),
        ([("exclude", ""), ("exclude", "")], "excluded"),
        ([("include", ""), ("exclude", "")], "conflict"),
        ([("maybe", ""), ("exclude", "")], "conflict"),
        ([("include", "")], "included"),
        ([("exclude", "")], "excluded"),
    ],
)
def test_title_abstract_outcomes_follow_the_rule(choices, expected):
    assert stage_outcome("title_abstract", choices).status == expected


def test_full_text_exclusions_need_one_reason():
    assert (
        stage_outcome("full_text", [("exclude", "Wrong design"), ("exclude", "Wrong design")]).reason
        == "Wrong design"
    )
    assert (
        stage_outcome("full_text", [("exclude", "Wrong design"), ("exclude", "Wrong population")]).status
        == "conflict"
    )
    assert stage_outcome("full_text", [("include", ""), ("exclude", "Wrong design")]).status == "conflict"


def test_the_queue_order_is_stable_across_releases_and_differs_between_reviews():
    # Stored in every queue row: a changed function would interleave old and new rows in a new order.
    assert (order_key(1, 5), order_key(2, 5)) == (6957491102745643496, 4662398891265857176)
    assert [order_key(1, n) for n in range(5)] != [order_key(2, n) for n in range(5)]
    # Not the import order: the queue does not hand every reviewer the records file by file.
    keys = [order_key(1, n) for n in range(50)]
    assert keys != sorted(keys) and len(set(keys)) == 50


def test_keywords_are_highlighted_with_stems_and_escaped():
    html = highlight_keywords(
        "Barriers <b>and</b> trial of RATS; barrier-free", include=["barrier*"], exclude=["rat", "trial"]
    )
    assert '<mark class="kw-include">Barriers</mark>' in html
    assert "<b>and</b>" in html  # the inline markup databases export stays markup
    assert '<mark class="kw-exclude">trial</mark>' in html
    assert "RATS" in html and '<mark class="kw-exclude">RATS</mark>' not in html  # "rat" is a whole word
    assert '<mark class="kw-include">barrier</mark>-free' in html
