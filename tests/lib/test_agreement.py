import pytest

from lib.agreement import JudgementTable, binary_agreement, category_agreement, cohen_kappa, table_agreement


def test_binary_agreement_matches_hand_computed_kappa_and_ac1():
    # 10 records: both yes 3, both no 4, A yes B no 2, A no B yes 1.
    pairs = [(True, True)] * 3 + [(False, False)] * 4 + [(True, False)] * 2 + [(False, True)]
    result = binary_agreement(pairs)
    observed = 0.7
    yes_a, yes_b = 0.5, 0.4
    chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    mean = (yes_a + yes_b) / 2
    assert (result.pairs, result.agreed, result.percent) == (10, 7, 70.0)
    assert result.kappa == round((observed - chance) / (1 - chance), 3) == 0.4
    assert result.ac1 == round((observed - 2 * mean * (1 - mean)) / (1 - 2 * mean * (1 - mean)), 3)


def test_ac1_stays_high_when_nearly_everything_is_no_while_kappa_collapses():
    result = binary_agreement([(False, False)] * 98 + [(True, False), (False, True)])
    assert result.percent == 98.0
    assert result.kappa < 0.1 and result.ac1 > 0.95


def test_kappa_is_undefined_when_everything_falls_in_one_category():
    result = binary_agreement([(False, False)] * 5)
    assert result.kappa is None and result.ac1 == 1.0
    assert cohen_kappa([("yes", "yes")] * 4) is None


def test_no_pairs_means_no_statistics():
    assert binary_agreement([]).percent is None
    assert category_agreement([]) == category_agreement([], with_kappa=False)
    assert category_agreement([]).kappa is None and cohen_kappa([]) is None


def test_tables_add_up_and_give_the_same_result_as_their_pairs():
    first = [(True, True), (False, True)]
    second = [(True, False), (False, False), (False, False)]
    added = JudgementTable.of(first) + JudgementTable.of(second)
    assert added == JudgementTable(both_yes=1, only_a=1, only_b=1, both_no=2)
    assert table_agreement(added) == binary_agreement(first + second)


def test_cohen_kappa_over_several_categories():
    # Three categories, po = 0.5; marginals A (4, 4, 2) and B (4, 3, 3) give pe = 0.34.
    pairs = [("a", "a")] * 2 + [("b", "b")] * 2 + [("c", "c")]
    pairs += [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c"), ("b", "a")]
    assert cohen_kappa(pairs) == pytest.approx((0.5 - 0.34) / 0.66, abs=0.001)


def test_kappa_over_two_categories_is_the_binary_kappa():
    pairs = [(True, True)] * 3 + [(False, False)] * 4 + [(True, False)] * 2 + [(False, True)]
    assert cohen_kappa(pairs) == binary_agreement(pairs).kappa


def test_category_agreement_counts_blank_as_a_category_and_kappa_only_when_asked():
    result = category_agreement([("x", "x"), ("x", "y"), (None, None)], with_kappa=False)
    assert (result.pairs, result.agreed, result.percent, result.kappa) == (3, 2, 66.7, None)
    assert category_agreement([("x", "x"), ("x", "y"), (None, None)]).kappa == pytest.approx(0.5)
