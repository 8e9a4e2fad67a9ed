from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Review(models.Model):
    class ReviewType(models.TextChoices):
        SCOPING = "scoping", "Scoping review"
        SYSTEMATIC = "systematic", "Systematic review"

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    review_type = models.CharField(max_length=20, choices=ReviewType.choices, default=ReviewType.SCOPING)
    question = models.TextField(blank=True)
    protocol_registration = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the protocol is registered, e.g. an OSF DOI or PROSPERO ID.",
    )
    population = models.TextField(blank=True)
    concept = models.TextField(blank=True)
    context = models.TextField(blank=True)
    # Ordered lists of short texts; order is what reviewers see beside each record.
    inclusion_criteria = models.JSONField(default=list, blank=True)
    exclusion_criteria = models.JSONField(default=list, blank=True)
    fulltext_exclusion_reasons = models.JSONField(default=list, blank=True)
    include_keywords = models.JSONField(default=list, blank=True)
    exclude_keywords = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"


class Membership(models.Model):
    """One person's place in one review. The three roles combine freely (an owner may also screen)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    is_owner = models.BooleanField(default=False)
    is_lead = models.BooleanField(default=False)
    is_reviewer = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="membership_one_per_user_and_review"),
            models.CheckConstraint(
                condition=Q(is_owner=True) | Q(is_lead=True) | Q(is_reviewer=True),
                name="membership_has_a_role",
            ),
        ]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.review} ({', '.join(self.role_names)})"

    @property
    def roles(self) -> set[str]:
        return {role for role in Role.values if getattr(self, f"is_{role}")}

    @property
    def role_names(self) -> list[str]:
        return [label for value, label in Role.choices if getattr(self, f"is_{value}")]

    def has_role(self, role: str) -> bool:
        return getattr(self, f"is_{role}")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit events cannot be changed")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit events cannot be deleted")


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """One thing someone did. Written by ``reviews.services.audit_record`` and never changed after.

    On PostgreSQL a trigger refuses UPDATE and DELETE too, so not even a raw query can rewrite history.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    review = models.ForeignKey(Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["review", "object_type", "object_id"], name="audit_review_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        # Guard, not logic: an existing event is history and must stay as written.
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit events cannot be deleted")
