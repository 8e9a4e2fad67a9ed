"""When can screening stop? The hypergeometric stopping test of Callaghan and Müller-Hansen (2020),
*Statistical stopping criteria for automated screening in systematic reviews*, Systematic Reviews 9:273.

The records screened last are treated as a random sample of the records that were still unscreened when
that sample began. (With relevance ranking the last records are the ones the model thought most likely to be
relevant, so treating them as random is conservative: a random sample would hold more.) The null hypothesis is
that recall is below the target: that at least ``floor(found / target) + 1`` relevant records exist in all.
If so, finding as few relevant records as were found in the sample is unlikely; its probability is the test's
p-value. Samples ending at the last record screened are tried (the last 1, 2, ... records) and the smallest
p-value is reported, as the authors' own implementation does; to stay quick at 100,000 records every size up
to 200 is tried, then sizes about 2% apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StoppingTest:
    total: int  # records in the review at this stage
    screened: int
    relevant_found: int
    target: float  # the recall the team wants, e.g. 0.95
    p_value: float | None  # None: nothing to test yet
    sample: int  # how many of the last records the smallest p-value came from
    remaining_upper: int | None  # at most this many relevant records are likely still unscreened
    since_last_relevant: int
    alpha: float = 0.05

    @property
    def may_stop(self) -> bool:
        return self.p_value is not None and self.p_value < self.alpha


def _hypergeom_cdf(found: int, population: int, relevant: int, sample: int) -> float:
    # SciPy's statistics are imported when a test is run, not with the web process (tens of MB).
    from scipy.stats import hypergeom

    return hypergeom.cdf(found, population, relevant, sample)


def _p_value(
    unscreened_at_start: int, sample: int, found_in_sample: int, found_before: int, target: float
) -> float:
    found = found_before + found_in_sample
    needed = math.floor(found / target) + 1  # relevant records in all if recall were below the target
    in_population = needed - found_before  # of which this many among the records the sample was drawn from
    if in_population > unscreened_at_start:
        return 0.0
    return float(_hypergeom_cdf(found_in_sample, unscreened_at_start, in_population, sample))


def _upper_bound(unscreened_at_start: int, sample: int, found_in_sample: int, alpha: float) -> int:
    """The largest number of relevant records among the unscreened (after the sample) that would still make
    finding so few in the sample at least ``alpha`` likely: a one-sided (1 - alpha) upper bound."""
    low, high = found_in_sample, unscreened_at_start - (sample - found_in_sample)
    # The probability falls as the number of relevant records grows: find the last one still >= alpha.
    while low < high:
        middle = (low + high + 1) // 2
        if _hypergeom_cdf(found_in_sample, unscreened_at_start, middle, sample) >= alpha:
            low = middle
        else:
            high = middle - 1
    return low - found_in_sample


def _sample_sizes(screened: int) -> list[int]:
    sizes = list(range(1, min(screened, 200) + 1))
    size = 200
    while size < screened:
        size = min(screened, max(size + 1, round(size * 1.02)))
        sizes.append(size)
    return sizes


def since_last_relevant(screened: Sequence[bool]) -> int:
    """How many records were screened after the last relevant one (all of them if none was relevant)."""
    last_relevant = max((index for index, relevant in enumerate(screened) if relevant), default=-1)
    return len(screened) - 1 - last_relevant


def stopping_test(
    screened: Sequence[bool], total: int, *, target: float = 0.95, alpha: float = 0.05
) -> StoppingTest:
    """``screened`` is each screened record's relevance, in the order they were screened; ``total`` counts
    every record at the stage, screened or not."""
    n = len(screened)
    found = sum(screened)
    since = since_last_relevant(screened)
    if n == 0 or found == 0 or n >= total:
        return StoppingTest(
            total, n, found, target, None if n < total else 0.0, 0, None if n < total else 0, since, alpha
        )
    best_p, best_sample, bound = 1.0, 0, total - n
    # Relevant records among the last k screened, for every k: found_in_last[k].
    found_in_last = [0]
    for relevant in reversed(screened):
        found_in_last.append(found_in_last[-1] + relevant)
    for sample in _sample_sizes(n):
        found_in_sample = found_in_last[sample]
        unscreened_at_start = total - (n - sample)
        p = _p_value(unscreened_at_start, sample, found_in_sample, found - found_in_sample, target)
        if p < best_p:
            best_p, best_sample = p, sample
            bound = _upper_bound(unscreened_at_start, sample, found_in_sample, alpha)
    return StoppingTest(
        total, n, found, target, round(best_p, 4), best_sample, min(bound, total - n), since, alpha
    )
