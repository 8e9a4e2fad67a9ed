"""Agreement between two extractors on one field: percent agreement and Cohen's kappa (any number of
categories). Plain functions over comparison keys, so they are tested without a database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldAgreement:
    pairs: int
    agreed: int
    percent: float | None
    kappa: float | None


def field_agreement(pairs: Sequence[tuple[Hashable, Hashable]], *, with_kappa: bool) -> FieldAgreement:
    """Each pair is (first extractor's key, second extractor's key); None (blank) is a category too."""
    n = len(pairs)
    if n == 0:
        return FieldAgreement(0, 0, None, None)
    agreed = sum(1 for a, b in pairs if a == b)
    kappa = cohen_kappa(pairs) if with_kappa else None
    return FieldAgreement(n, agreed, round(100 * agreed / n, 1), kappa)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa: (po - pe) / (1 - pe), pe summed over every category either rater used.

    Undefined (None) when chance agreement is total: both raters put everything in one category.
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[category] * second[category] for category in first.keys() | second.keys()) / n**2
    if chance == 1:
        return None
    return round((observed - chance) / (1 - chance), 3)
