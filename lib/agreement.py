"""Agreement between two raters, as the review reports it: percent agreement, Cohen's kappa, Gwet's AC1.

Plain functions over plain values, used by screening (include/exclude), extraction (field values) and
coding (domains and valence of paired excerpts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    percent: float | None
    kappa: float | None
    ac1: float | None = None


@dataclass(frozen=True)
class JudgementTable:
    """Two raters' yes/no judgements counted in a 2x2 table."""

    both_yes: int = 0
    only_a: int = 0
    only_b: int = 0
    both_no: int = 0

    def __add__(self, other: JudgementTable) -> JudgementTable:
        return JudgementTable(
            self.both_yes + other.both_yes,
            self.only_a + other.only_a,
            self.only_b + other.only_b,
            self.both_no + other.both_no,
        )

    @classmethod
    def of(cls, pairs: Sequence[tuple[bool, bool]]) -> JudgementTable:
        return cls(
            both_yes=sum(1 for a, b in pairs if a and b),
            only_a=sum(1 for a, b in pairs if a and not b),
            only_b=sum(1 for a, b in pairs if b and not a),
            both_no=sum(1 for a, b in pairs if not a and not b),
        )


def _kappa(observed: float, chance: float) -> float | None:
    # Undefined when chance agreement is total: both raters put everything in one category.
    return None if chance == 1 else round((observed - chance) / (1 - chance), 3)


def binary_agreement(pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    """Percent agreement, Cohen's kappa and Gwet's AC1 for (rater A says yes, rater B says yes) pairs."""
    return table_agreement(JudgementTable.of(pairs))


def table_agreement(table: JudgementTable) -> Agreement:
    """Agreement statistics of a 2x2 table. AC1 stays meaningful when nearly every answer is "no",
    where kappa collapses (the "kappa paradox")."""
    n = table.both_yes + table.only_a + table.only_b + table.both_no
    if n == 0:
        return Agreement(0, 0, None, None, None)
    agreed = table.both_yes + table.both_no
    observed = agreed / n
    yes_a = (table.both_yes + table.only_a) / n
    yes_b = (table.both_yes + table.only_b) / n
    kappa = _kappa(observed, yes_a * yes_b + (1 - yes_a) * (1 - yes_b))
    mean_yes = (yes_a + yes_b) / 2
    chance_ac1 = 2 * mean_yes * (1 - mean_yes)
    ac1 = 1.0 if chance_ac1 == 1 else (observed - chance_ac1) / (1 - chance_ac1)
    return Agreement(n, agreed, round(100 * observed, 1), kappa, round(ac1, 3))


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa over any number of categories: (po - pe) / (1 - pe), pe summed over every category
    either rater used. None (blank) is a category like any other."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[category] * second[category] for category in first.keys() | second.keys()) / n**2
    return _kappa(observed, chance)


def category_agreement(pairs: Sequence[tuple[Hashable, Hashable]], *, with_kappa: bool = True) -> Agreement:
    """Percent agreement and (when asked) Cohen's kappa for two raters' categorical answers."""
    n = len(pairs)
    if n == 0:
        return Agreement(0, 0, None, None)
    agreed = sum(1 for a, b in pairs if a == b)
    return Agreement(n, agreed, round(100 * agreed / n, 1), cohen_kappa(pairs) if with_kappa else None)
