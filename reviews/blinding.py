"""Blinding: who sees work that is not yet settled, and which history entries would give it away.

One rule for every stage (screening, extraction, coding): a member sees other people's unsettled work
(decisions, answers, excerpts, the counts and history entries that reveal them) when they are a lead,
or an owner who does not take part as a reviewer. Everyone else sees their own work and what is
settled. A lead who also screens (``Review.lead_may_screen``) is not blinded: the review chose that.

An owner who does not review may see everything because nothing they see can reach a decision; an
owner who also reviews is blinded like any reviewer. Extraction used to blind such an owner too; it now
follows the same rule, and reconciling stays the lead's job (the role check on that view), not a
matter of what one may see.
"""

from __future__ import annotations

from reviews.models import Membership

_blinded_actions: set[str] = set()


def sees_unsettled(membership: Membership) -> bool:
    return membership.is_lead or (membership.is_owner and not membership.is_reviewer)


def blinded_actions_register(*actions: str) -> None:
    """A stage names the audit actions that say who did what on work that may still be unsettled; the
    History page hides other people's such entries from blinded members."""
    _blinded_actions.update(actions)


def blinded_actions() -> frozenset[str]:
    return frozenset(_blinded_actions)
