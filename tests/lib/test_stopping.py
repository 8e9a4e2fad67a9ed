import pytest

from lib.stopping import stopping_test


def test_a_long_run_without_relevant_records_is_not_enough_in_a_small_review():
    # 100 records screened so far: 60. The first 10 are relevant, the next 50 not.
    # Best sample: the last 50 (none relevant), drawn from the 90 unscreened when it began.
    # Recall < 95% would need floor(10 / 0.95) + 1 = 11 relevant: one more among those 90.
    # P(it is not among 50 drawn from 90) = 40/90 = 0.4444.
    result = stopping_test([True] * 10 + [False] * 50, 100)
    assert (result.p_value, result.sample, result.since_last_relevant) == (0.4444, 50, 50)
    assert not result.may_stop


def test_a_large_review_with_a_long_empty_tail_may_stop():
    # 10,000 records; 50 relevant found first, then 3,450 screened without one.
    # Recall < 95% needs floor(50 / 0.95) + 1 = 53 relevant: 3 more among the 9,950 unscreened when the
    # tail began; P(none in 3,450 of 9,950) = (6500/9950)(6499/9949)(6498/9948) ≈ 0.279: not yet (< 0.05).
    result = stopping_test([True] * 50 + [False] * 3450, 10_000)
    assert result.p_value == pytest.approx((6500 / 9950) * (6499 / 9949) * (6498 / 9948), abs=0.001)
    assert not result.may_stop
    # 7,950 screened without one: (2000/9950)(1999/9949)(1998/9948) ≈ 0.008, and stopping is safe.
    result = stopping_test([True] * 50 + [False] * 7950, 10_000)
    assert result.may_stop and result.p_value == pytest.approx(
        (2000 / 9950) * (1999 / 9949) * (1998 / 9948), abs=0.001
    )
    # At most this many relevant records are likely left among the 2,000 unscreened.
    assert result.remaining_upper is not None and 0 <= result.remaining_upper <= 2


def test_nothing_to_test_before_the_first_relevant_record_and_everything_screened_is_final():
    assert stopping_test([], 10).p_value is None
    assert stopping_test([False] * 5, 10).p_value is None
    done = stopping_test([True, False, False], 3)
    assert done.p_value == 0.0 and done.remaining_upper == 0


def _smallest_p_by_hand(screened: list[bool], total: int, target: float) -> tuple[float, int]:
    """The test as its definition reads, one sample at a time: the smallest p-value and the first sample
    that gives it."""
    from scipy.stats import hypergeom

    from lib.stopping import _sample_sizes

    found, best = sum(screened), (1.0, 0)
    needed = int(found / target) + 1
    for sample in _sample_sizes(len(screened)):
        in_sample = sum(screened[len(screened) - sample :])
        population = total - (len(screened) - sample)
        relevant_there = needed - (found - in_sample)
        p = (
            0.0
            if relevant_there > population
            else hypergeom.cdf(in_sample, population, relevant_there, sample)
        )
        if p < best[0]:
            best = (p, sample)
    return round(best[0], 4), best[1]


@pytest.mark.parametrize("seed", range(6))
def test_every_sample_is_tested_as_the_definition_reads(seed):
    import random

    rng = random.Random(seed)
    screened_count = rng.choice([40, 199, 201, 900])
    # Relevant records thin out as a ranked order's do.
    screened = [
        rng.random() < (0.4 if index < screened_count / 4 else 0.03) for index in range(screened_count)
    ]
    screened[0] = True
    total = screened_count + rng.choice([5, 300, 4000])
    result = stopping_test(screened, total, target=0.9)
    assert (result.p_value, result.sample) == _smallest_p_by_hand(screened, total, 0.9)
