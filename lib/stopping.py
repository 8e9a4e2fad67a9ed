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

import numpy as np


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


def _p_values(
    unscreened_at_start: np.ndarray,
    samples: np.ndarray,
    found_in_sample: np.ndarray,
    found: int,
    target: float,
) -> np.ndarray:
    """The test's p-value for each sample at once: one call into SciPy rather than one per sample, which at
    100,000 records took most of a second."""
    needed = math.floor(found / target) + 1  # relevant records in all if recall were below the target
    in_population = needed - (found - found_in_sample)  # of which this many where each sample was drawn from
    possible = in_population <= unscreened_at_start
    p = np.zeros(len(samples))
    if possible.any():
        p[possible] = _hypergeom_cdf(
            found_in_sample[possible],
            unscreened_at_start[possible],
            in_population[possible],
            samples[possible],
        )
    return p


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
    found_in_last = np.concatenate(([0], np.cumsum(np.asarray(screened, dtype=np.int64)[::-1])))
    samples = np.asarray(_sample_sizes(n), dtype=np.int64)
    unscreened_at_start = total - (n - samples)
    p = _p_values(unscreened_at_start, samples, found_in_last[samples], found, target)
    smallest = int(np.argmin(p))  # the first of the smallest, as trying the sizes in turn finds it
    if p[smallest] < best_p:
        best_p, best_sample = float(p[smallest]), int(samples[smallest])
        bound = _upper_bound(
            int(unscreened_at_start[smallest]), best_sample, int(found_in_last[best_sample]), alpha
        )
    return StoppingTest(
        total, n, found, target, round(best_p, 4), best_sample, min(bound, total - n), since, alpha
    )
