"""The screening rules as plain functions: what decisions settle a record, and agreement statistics."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

ADVANCE = {"include", "maybe"}


def order_key(review_id: int, record_id: int) -> int:
    """A stable pseudo-random queue position, the same for every reviewer of one review."""
    digest = hashlib.blake2b(f"{review_id}:{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class Outcome:
    status: str  # "included", "excluded" or "conflict"
    reason: str = ""


def stage_outcome(stage: str, decisions: Sequence[tuple[str, str]]) -> Outcome:
    """What the reviewers' (choice, reason) pairs mean once every needed decision is in."""
    choices = {choice for choice, _ in decisions}
    if stage == "title_abstract":
        if choices <= ADVANCE:
            return Outcome("included")
        if choices == {"exclude"}:
            return Outcome("excluded")
        return Outcome("conflict")
    if choices == {"include"}:
        return Outcome("included")
    if choices == {"exclude"}:
        reasons = {reason for _, reason in decisions}
        # PRISMA reports one reason per excluded full text: differing reasons are the lead's to settle.
        return Outcome("excluded", reasons.pop()) if len(reasons) == 1 else Outcome("conflict")
    return Outcome("conflict")


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    percent: float | None
    kappa: float | None
    ac1: float | None


@dataclass(frozen=True)
class JudgementTable:
    """Two raters' yes/no judgements counted in a 2x2 table (yes = advance the record)."""

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


def agreement(pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    """Percent agreement, Cohen's kappa and Gwet's AC1 for two raters' yes/no judgements.

    Each pair is (rater A says advance, rater B says advance).
    """
    return agreement_of(
        JudgementTable(
            both_yes=sum(1 for a, b in pairs if a and b),
            only_a=sum(1 for a, b in pairs if a and not b),
            only_b=sum(1 for a, b in pairs if b and not a),
            both_no=sum(1 for a, b in pairs if not a and not b),
        )
    )


def agreement_of(table: JudgementTable) -> Agreement:
    """Agreement statistics of a 2x2 table. AC1 stays meaningful when nearly everything is excluded,
    where kappa collapses (the "kappa paradox")."""
    n = table.both_yes + table.only_a + table.only_b + table.both_no
    if n == 0:
        return Agreement(0, 0, None, None, None)
    agreed = table.both_yes + table.both_no
    observed = agreed / n
    yes_a = (table.both_yes + table.only_a) / n
    yes_b = (table.both_yes + table.only_b) / n
    chance_kappa = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    # Kappa is undefined when both raters put everything in one category; AC1 is not.
    kappa = None if chance_kappa == 1 else round((observed - chance_kappa) / (1 - chance_kappa), 3)
    mean_yes = (yes_a + yes_b) / 2
    chance_ac1 = 2 * mean_yes * (1 - mean_yes)
    ac1 = 1.0 if chance_ac1 == 1 else (observed - chance_ac1) / (1 - chance_ac1)
    return Agreement(n, agreed, round(100 * observed, 1), kappa, round(ac1, 3))
