"""The screening rules as plain functions: the queue order and what decisions settle a record.

Agreement statistics live in ``lib.agreement``, shared with extraction and coding."""

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
