from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Record, Review


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title and abstract"
    FULL_TEXT = "full_text", "Full text"


# How stages appear in addresses.
STAGE_SLUGS = {Stage.TITLE_ABSTRACT: "title-abstract", Stage.FULL_TEXT: "full-text"}


class Choice(models.TextChoices):
    INCLUDE = "include", "Include"
    MAYBE = "maybe", "Maybe"
    EXCLUDE = "exclude", "Exclude"


class RecordStage(models.Model):
    """Where one record stands at one stage. Its row is the lock two reviewers deciding at once share."""

    class Status(models.TextChoices):
        OPEN = "open", "To screen"
        CONFLICT = "conflict", "Conflict"
        INCLUDED = "included", "Included"
        EXCLUDED = "excluded", "Excluded"
        NOT_RETRIEVABLE = "not_retrievable", "Not retrievable"
        # Title/abstract only: nobody had screened the record when the team stopped screening (a stopping
        # rule met); not a decision, so not settled, and screening may be resumed.
        SET_ASIDE = "set_aside", "Not screened (screening stopped)"

    SETTLED = (Status.INCLUDED, Status.EXCLUDED, Status.NOT_RETRIEVABLE)

    # No index of its own: every index below starts with the review, and an import writes one less.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # A stable pseudo-random position per review: every reviewer meets the records in one fair order.
    order_key = models.BigIntegerField()
    # Relevance ranking (a later feature) fills this; the queue orders by it first when present.
    rank = models.FloatField(null=True, blank=True)
    decision_count = models.PositiveSmallIntegerField(default=0)
    # False while the record is merged into another or removed: kept here so queues and counts need
    # no join to the records table (reviews' services keep it in step through screening_records_sync).
    is_active = models.BooleanField(default=True, db_default=True)
    exclusion_reason = models.CharField(max_length=200, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # In a team larger than a record needs, the record a reviewer has open is theirs for a short while, so
    # that the others are served other records (screening.services.leases); ignored in a team of two.
    leased_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "stage"], name="record_stage_once")]
        indexes = [
            models.Index(
                fields=["review", "stage", "is_active", "status", "order_key"], name="record_stage_queue"
            ),
            # The overview's counts per status, read from this index alone: its keys repeat, so it is stored
            # as a few posting lists (under 1 MB at 100,000 records) and read in a tenth of the table's time.
            models.Index(
                fields=["review", "stage", "is_active", "status", "decision_count"],
                name="record_stage_counts",
            ),
            # The records that may still need a decision, in queue order: what every "next record" walks.
            # Its condition is the queue's own (selectors._waiting; a review needs at most two decisions a
            # record), so the walk stops at the first record that fits instead of sorting all open ones.
            models.Index(
                fields=["review", "stage", "order_key"],
                condition=Q(is_active=True) & (Q(status="open") | Q(status="conflict", decision_count__lt=2)),
                name="record_stage_waiting",
            ),
            # Records waiting for a second reviewer: few at any time, counted on every decision.
            models.Index(
                fields=["review", "stage"],
                condition=Q(status="open", decision_count__gt=0),
                name="record_stage_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.stage}: {self.status}"

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED


class Decision(models.Model):
    """One reviewer's decision on one record at one stage; changed in place until the record locks."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="screening_decisions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    # An include at full text with no PDF says why (read at the publisher's site, say); the lead sees it.
    without_full_text = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "stage", "reviewer"], name="decision_once_per_reviewer"
            ),
            models.CheckConstraint(
                condition=~Q(stage="full_text", choice="maybe"), name="decision_no_maybe_at_full_text"
            ),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "reviewer"], name="decision_by_reviewer"),
            # The latest change at a stage, part of the agreement figures' cache key (read on every overview):
            # without it, the newest of 100,000 decisions was found by reading them all.
            models.Index(fields=["review", "stage", "updated_at"], name="decision_latest_change"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.choice} {self.record_id} ({self.stage})"


def _fulltext_upload_path(full_text: FullText, filename: str) -> str:
    import uuid

    return f"fulltexts/{full_text.review_id}/{uuid.uuid4().hex}.pdf"


class FullText(models.Model):
    """The full text of a record: a PDF, or a note that it could not be retrieved (counted in PRISMA)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="full_text")
    file = models.FileField(upload_to=_fulltext_upload_path, max_length=300, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    is_not_retrievable = models.BooleanField(default=False)
    not_retrievable_note = models.CharField(max_length=300, blank=True)
    # One reviewer's "not retrievable" settles the record for both; the lead confirms it (or reopens it).
    not_retrievable_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    not_retrievable_confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.original_filename or ("not retrievable" if self.is_not_retrievable else "no file")


# --- Relevance ranking ---------------------------------------------------------------------------------


class RankingSettings(models.Model):
    """Whether title/abstract queues are ordered by relevance, and the recall the stopping aid aims at."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="ranking_settings")
    is_enabled = models.BooleanField(default=False)
    recall_target = models.FloatField(default=0.95)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"ranking {'on' if self.is_enabled else 'off'} for {self.review}"


def _features_upload_path(features: RankingFeatures, filename: str) -> str:
    import uuid

    return f"ranking/{features.review_id}/{uuid.uuid4().hex}.npz"


class RankingFeatures(models.Model):
    """The review's records as the ranking model reads them, computed once per import and kept in a file
    every web and worker process shares (the records' ids in the same order inside)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=_features_upload_path, max_length=300, blank=True)
    records = models.PositiveIntegerField(default=0)
    is_stale = models.BooleanField(default=True)
    built_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ranking features of {self.review} ({self.records} records)"


class ReviewerRanking(models.Model):
    """One reviewer's title/abstract queue as their own model orders it: the top of it, best first.

    The model learns from this reviewer's decisions and from settled records only, never from another
    reviewer's pending votes, so nothing in the order can tell them how a colleague voted.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    record_ids = models.JSONField(default=list, blank=True)
    own_relevant = models.PositiveIntegerField(default=0)
    own_irrelevant = models.PositiveIntegerField(default=0)
    settled = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "reviewer"], name="reviewer_ranking_once")]

    def __str__(self) -> str:
        return f"ranking of {self.reviewer_id} in {self.review_id}"


class ConflictVote(models.Model):
    """A reviewer's vote as it stood when their record became a conflict. Agreement is counted on these
    (votes changed while the lead has the record do not move the statistics), and they outlive the
    resolution as the history of the disagreement."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="conflict_vote_once")
        ]
        indexes = [models.Index(fields=["review", "stage"], name="conflict_vote_review")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.choice} {self.record_id} ({self.stage}, in conflict)"
