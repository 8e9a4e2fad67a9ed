import pytest

from screening.highlight import highlight_keywords
from screening.rules import agreement, order_key, stage_outcome


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


def test_agreement_matches_hand_computed_kappa_and_ac1():
    # 10 records: both advance 3, both exclude 4, A advances B excludes 2, A excludes B advances 1.
    pairs = [(True, True)] * 3 + [(False, False)] * 4 + [(True, False)] * 2 + [(False, True)]
    result = agreement(pairs)
    observed = 0.7
    yes_a, yes_b = 0.5, 0.4
    chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    mean = (yes_a + yes_b) / 2
    assert result.percent == 70.0
    assert result.kappa == round((observed - chance) / (1 - chance), 3)
    assert result.ac1 == round((observed - 2 * mean * (1 - mean)) / (1 - 2 * mean * (1 - mean)), 3)


def test_ac1_stays_high_when_nearly_everything_is_excluded_while_kappa_collapses():
    pairs = [(False, False)] * 98 + [(True, False), (False, True)]
    result = agreement(pairs)
    assert result.percent == 98.0
    assert result.kappa < 0.1 and result.ac1 > 0.95


def test_kappa_is_undefined_when_everything_falls_in_one_category():
    result = agreement([(False, False)] * 5)
    assert result.kappa is None and result.ac1 == 1.0


def test_no_pairs_means_no_statistics():
    assert agreement([]).percent is None


def test_the_queue_order_is_stable_and_differs_between_reviews():
    assert order_key(1, 5) == order_key(1, 5)
    assert [order_key(1, n) for n in range(5)] != [order_key(2, n) for n in range(5)]


def test_keywords_are_highlighted_with_stems_and_escaped():
    html = highlight_keywords(
        "Barriers <b>and</b> trial of RATS; barrier-free", include=["barrier*"], exclude=["rat", "trial"]
    )
    assert '<mark class="kw-include">Barriers</mark>' in html
    assert "&lt;b&gt;and&lt;/b&gt;" in html
    assert '<mark class="kw-exclude">trial</mark>' in html
    assert "RATS" in html and '<mark class="kw-exclude">RATS</mark>' not in html  # "rat" is a whole word
    assert '<mark class="kw-include">barrier</mark>-free' in html
