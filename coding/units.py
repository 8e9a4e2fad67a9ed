"""Two coders' excerpts of one study paired into units, and the agreement between them. Plain functions over
plain values, so the rules are tested without a database.

The rule, as the reconciliation page states it: two excerpts are the same unit when their passages overlap by
at least half of the shorter one (for typed-in quotes, when one quote contains the other). Each excerpt is in
at most one unit; candidates are paired largest overlap first. An excerpt only one coder made is a unit of its
own and counts as a disagreement: on valence, and on each domain it was mapped to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lib.agreement import Agreement, JudgementTable, category_agreement, table_agreement

PAIRING_RULE = (
    "Two coders' excerpts are one unit when their passages overlap by at least half of the shorter one "
    "(typed-in quotes: when one contains the other). An excerpt only one coder made counts as a "
    "disagreement on its valence and on each domain it was mapped to."
)
ABSENT = "(no excerpt)"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Coded:
    """What pairing and agreement need of one excerpt."""

    id: int
    quote: str
    start: int | None = None
    end: int | None = None
    valence: int | None = None
    domains: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anchored(self) -> bool:
        return self.start is not None and self.end is not None


@dataclass(frozen=True)
class Unit:
    first: Coded | None
    second: Coded | None

    @property
    def is_paired(self) -> bool:
        return self.first is not None and self.second is not None

    @property
    def position(self) -> int:
        starts = [
            each.start for each in (self.first, self.second) if each is not None and each.start is not None
        ]
        return min(starts) if starts else 1 << 62

    @property
    def members(self) -> list[Coded]:
        return [each for each in (self.first, self.second) if each is not None]


def _normalised(quote: str) -> str:
    return _SPACE.sub(" ", quote).strip().lower()


def overlap(a: Coded, b: Coded) -> int:
    """How much two excerpts share, in characters; 0 when they are not the same unit by the rule."""
    if a.is_anchored and b.is_anchored:
        shared = min(a.end, b.end) - max(a.start, b.start)
        shorter = min(a.end - a.start, b.end - b.start)
        return shared if shared > 0 and 2 * shared >= shorter else 0
    quote_a, quote_b = _normalised(a.quote), _normalised(b.quote)
    if not quote_a or not quote_b:
        return 0
    shorter, longer = sorted((quote_a, quote_b), key=len)
    return len(shorter) if shorter in longer else 0


def pair_units(first: Sequence[Coded], second: Sequence[Coded]) -> list[Unit]:
    candidates = sorted(
        ((overlap(a, b), a, b) for a in first for b in second),
        key=lambda item: (-item[0], item[1].id, item[2].id),
    )
    used_first, used_second, units = set(), set(), []
    for shared, a, b in candidates:
        if shared == 0:
            break
        if a.id in used_first or b.id in used_second:
            continue
        used_first.add(a.id)
        used_second.add(b.id)
        units.append(Unit(a, b))
    units += [Unit(a, None) for a in first if a.id not in used_first]
    units += [Unit(None, b) for b in second if b.id not in used_second]
    return sorted(units, key=lambda unit: (unit.position, min(member.id for member in unit.members)))


@dataclass(frozen=True)
class UnitAgreement:
    units: int
    paired: int
    valence: Agreement
    domains: Agreement


def _valence(coded: Coded | None):
    return ABSENT if coded is None else coded.valence


def unit_agreement(units: Sequence[Unit], domain_ids: Sequence[int]) -> UnitAgreement:
    """Percent agreement and Cohen's kappa on valence (a category per unit) and on domain presence (yes/no per
    unit and domain: every domain for a paired unit, the mapped domains for a lone excerpt)."""
    valence_pairs = [(_valence(unit.first), _valence(unit.second)) for unit in units]
    table = JudgementTable()
    for unit in units:
        if unit.is_paired:
            pairs = [(d in unit.first.domains, d in unit.second.domains) for d in domain_ids]
        else:
            lone = unit.first or unit.second
            pairs = [(unit.first is not None, unit.second is not None) for _ in lone.domains]
        table = table + JudgementTable.of(pairs)
    return UnitAgreement(
        units=len(units),
        paired=sum(1 for unit in units if unit.is_paired),
        valence=category_agreement(valence_pairs),
        domains=table_agreement(table),
    )
