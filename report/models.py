"""What the report needs beyond the data: the PRISMA flow's "other methods" column, typed by an owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from reviews.models import Review


class OtherMethods(models.Model):
    """Studies found other than by the database searches (websites, organisations, citation searching),
    counted by hand, as PRISMA 2020's second column shows them.

    ``data`` holds ``identified`` (source → records), ``sought``, ``not_retrieved``, ``assessed``,
    ``excluded`` (reason → reports) and ``included``.
    """

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="other_methods")
    data = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"other methods of {self.review}"
