"""The audit trail: every write in Tandem records what it did through ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from reviews.models import AuditEvent, Review


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    review: Review | None,
    action: str,
    target: models.Model | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=getattr(actor, "username", "") or "",
        review=review,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        before=before,
        after=after,
    )
