from __future__ import annotations

import datetime as dt

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
    reviewers_per_record = models.PositiveSmallIntegerField(
        default=2,
        choices=[(1, "One reviewer (single screening)"), (2, "Two reviewers (dual screening)")],
        help_text="How many reviewers decide each record at each stage.",
    )
    lead_may_screen = models.BooleanField(
        default=False,
        help_text="Let a lead also be one of the deciding reviewers (the lead sees every decision).",
    )
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

    @property
    def may_decide(self) -> bool:
        """Screens and extracts as one of the deciding reviewers: a lead only where the review allows it."""
        return self.is_reviewer and (not self.is_lead or self.review.lead_may_screen)


class Invitation(models.Model):
    """An owner's invitation to join a review, sent as a one-time link.

    ``invitee`` is what the owner typed (an e-mail address or a username) and all the Team page shows, so
    the page reads the same whether or not an account answers to it. ``email`` is where the link went
    (blank when nothing could be sent). ``key`` is the secret inside the link; sending again replaces it,
    so earlier links stop working.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Withdrawn"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.CharField(max_length=254)
    email = models.EmailField(blank=True)
    is_owner = models.BooleanField(default=False)
    is_lead = models.BooleanField(default=False)
    is_reviewer = models.BooleanField(default=False)
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "invitee"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_invitee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.review} ({self.status})"

    @property
    def roles(self) -> set[str]:
        return {role for role in Role.values if getattr(self, f"is_{role}")}

    @property
    def role_names(self) -> list[str]:
        return [label for value, label in Role.choices if getattr(self, f"is_{value}")]

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


class Profile(models.Model):
    """A person's preferences. The display name is Django's own ``first_name`` (shown without a join)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Blank: the site's time zone.")

    def __str__(self) -> str:
        return f"{self.user}'s profile"


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
        indexes = [
            models.Index(fields=["review", "object_type", "object_id"], name="audit_review_object"),
            # The entries of one kind in a review (when ranking was on, when screening stopped), read by the
            # report and the overview without scanning the review's every decision.
            models.Index(fields=["review", "action", "created_at"], name="audit_review_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        # Guard, not logic: an existing event is history and must stay as written.
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit events cannot be deleted")


def _import_upload_path(batch: ImportBatch, filename: str) -> str:
    import uuid

    # A random name: the person's file name is kept in the row, never trusted as a path.
    return f"imports/{batch.review_id}/{uuid.uuid4().hex}"


class ImportBatch(models.Model):
    """One uploaded search export and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="import_batches")
    source_name = models.CharField(max_length=120, help_text="The database the records came from.")
    search_date = models.DateField(null=True, blank=True)
    search_string = models.TextField(blank=True)
    file = models.FileField(upload_to=_import_upload_path, max_length=300)
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    requested_format = models.CharField(max_length=20, blank=True)
    format = models.CharField(max_length=20, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    records_count = models.PositiveIntegerField(default=0)
    auto_merged = models.PositiveIntegerField(
        default=0, help_text="Source records merged into another study."
    )
    possible_duplicates = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    # Seconds per phase of the job (reading, parsing, deduplicating, writing), for tuning and support.
    timings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same file twice in one review would double every record; a failed try may be repeated.
            models.UniqueConstraint(
                fields=["review", "sha256"],
                condition=~Q(status="failed"),
                name="import_batch_file_once_per_review",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.source_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def failed_file_kept_until(self):
        """When a failed import's uploaded file is removed (its row and error stay); None otherwise."""
        if self.status != self.Status.FAILED or not self.file or self.finished_at is None:
            return None
        return self.finished_at + dt.timedelta(days=settings.FAILED_IMPORT_KEEP_DAYS)


class StoredJSONField(models.JSONField):
    """JSON kept as the text it was written as (PostgreSQL's ``json``, not ``jsonb``): for values that are
    shown and exported, never searched into. PostgreSQL checks the text and stores it; converting to jsonb
    cost an import of 100,000 source records about 3 s more of the server's time for their raw fields."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg reads json (unlike jsonb, which Django asks for as text) into Python values itself.
        if value is None or not isinstance(value, str | bytes):
            return value
        return super().from_db_value(value, expression, connection)


class BibliographicFields(models.Model):
    """What a reference says about a study: shared by the source records and the study record they make."""

    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.TextField(blank=True)
    volume = models.CharField(max_length=60, blank=True)
    issue = models.CharField(max_length=60, blank=True)
    pages = models.CharField(max_length=60, blank=True)
    doi = models.CharField(max_length=255, blank=True)
    pmid = models.CharField(max_length=20, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=60, blank=True)
    publication_type = models.CharField(max_length=120, blank=True)
    urls = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True


class Record(BibliographicFields):
    """A study record: what reviewers screen. It gathers one or more source records (duplicates).

    A record absorbed by a merge keeps its row with ``merged_into`` set, so the merge can be undone
    and everything that pointed at it stays explainable.
    """

    # Not indexed on its own: record_review_active starts with the review (an import writes every index).
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="records", db_index=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_removed = models.BooleanField(default=False)
    removed_reason = models.CharField(max_length=200, blank=True)
    doi = models.CharField(max_length=255, blank=True, db_index=True)
    is_edited = models.BooleanField(
        default=False, help_text="Edited by hand: merges no longer refresh the fields."
    )
    # Lower-case title, authors, DOI and PMID, for the Records page's search (trigram-indexed on PostgreSQL).
    search_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["review", "merged_into", "is_removed"], name="record_review_active"),
            # The Records page's counts and filters read the records in the review from this index alone,
            # never from the wide rows (at 100,000 records the rows take 220 MB, this index 3 MB).
            models.Index(
                fields=["review", "id"],
                condition=Q(merged_into__isnull=True, is_removed=False),
                name="record_in_review",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"Record {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None and not self.is_removed

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


class SourceRecord(BibliographicFields):
    """One record exactly as one export gave it, with every raw field."""

    # Neither is indexed on its own: source_review_record and source_batch_record start with them.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+", db_index=False)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="source_records", db_index=False
    )
    position = models.PositiveIntegerField(help_text="1-based position in the file.")
    line = models.PositiveIntegerField(default=0)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="sources")
    home_record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="+", help_text="The record it was imported as."
    )
    source_record_id = models.CharField(max_length=255, blank=True)
    # Every field of the record as the file gave it ({tag: [values]}), except that the field holding the
    # abstract exactly as the abstract column does holds null: it was half of the raw fields' size, written
    # twice. ``raw_fields`` gives them back whole.
    raw = StoredJSONField(default=dict, blank=True)
    # The duplicate detector's normalised form of this record (JSON, versioned), written at import: a
    # freshly started worker reads it instead of normalising every record already in the review again.
    dedup_state = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            # A retried job cannot write a record twice.
            models.UniqueConstraint(fields=["batch", "position"], name="source_record_once_per_position")
        ]
        indexes = [
            models.Index(fields=["review", "record"], name="source_review_record"),
            # "Records from a database": the records of a file's source records, without reading the rows.
            models.Index(fields=["batch", "record"], name="source_batch_record"),
        ]

    def __str__(self) -> str:
        return f"{self.batch.source_name} #{self.position}: {self.title[:60]}"

    @staticmethod
    def raw_to_store(raw: dict[str, list[str]], abstract: str) -> dict[str, list[str] | None]:
        """The raw fields as stored: the one that is exactly the abstract replaced by null. Changed in place
        (an import hands over its parsed records' own; a copy of each raised the peak by about 70 MB)."""
        if abstract:
            for tag, values in raw.items():
                if values == [abstract]:
                    raw[tag] = None
        return raw

    @property
    def raw_fields(self) -> dict[str, list[str]]:
        """Every field as the file gave it, the abstract's put back."""
        return {tag: [self.abstract] if values is None else values for tag, values in self.raw.items()}


class DuplicatePair(models.Model):
    """Two source records that may be one study, and what a person decided about them."""

    class Status(models.TextChoices):
        OPEN = "open", "Undecided"
        SAME = "same", "Same study"
        DIFFERENT = "different", "Different studies"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="duplicate_pairs")
    source_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    source_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_a", "source_b"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(source_a__lt=models.F("source_b")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["review", "status"], name="duplicate_pair_queue")]

    def __str__(self) -> str:
        return f"{self.source_a_id} ~ {self.source_b_id} ({self.status})"


class Merge(models.Model):
    """Source records moved into one study record, by the deduplication or by a person; undoable."""

    class Kind(models.TextChoices):
        AUTOMATIC = "auto", "Automatic"
        MANUAL = "manual", "Manual"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="merges")
    target = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="merges")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # [{"source": source record id, "from_record": record id it left}], for undo.
    moves = models.JSONField(default=list)
    reasons = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Records merged from several sources": the merges that stand, read from the index alone.
            models.Index(fields=["target"], condition=Q(undone_at__isnull=True), name="merge_target_standing")
        ]

    def __str__(self) -> str:
        return f"merge into {self.target_id} ({self.kind})"
