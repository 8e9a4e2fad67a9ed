"""Qualitative coding of the included studies: their text, the codebook, frameworks and coded excerpts.

An *excerpt* is a quote from a study with its place in the study's text, coded with codes of the review's
codebook (theme → sub-theme → code), mapped to domains of one or more frameworks (the TDF by default),
and marked with a valence (barrier, facilitator, ...) and a perspective group (HCP, patient, ...).

With two coders per study each coder's excerpts are theirs alone until the lead reconciles the study; the
lead's reconciled excerpts (``coder`` empty) are the set the synthesis counts (``is_final``). With one coder
per study the coder's excerpts count directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Record, Review


class CodingSettings(models.Model):
    class HighlightBy(models.TextChoices):
        VALENCE = "valence", "Valence"
        THEME = "theme", "Theme"

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="coding_settings")
    coders_per_study = models.PositiveSmallIntegerField(
        default=2,
        choices=[(1, "One coder per study"), (2, "Two coders per study, blind to each other")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"coding settings of {self.review}"

    @property
    def is_dual(self) -> bool:
        return self.coders_per_study >= 2


class Framework(models.Model):
    """A set of domains excerpts are mapped to: the TDF (built in, as data) or one an owner adds."""

    class Source(models.TextChoices):
        BUILT_IN = "built_in", "Built in"
        TYPED = "typed", "Typed in"
        CSV = "csv", "Uploaded CSV"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="coding_frameworks")
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=30, blank=True)
    citation = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TYPED)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="framework_name_once")]

    def __str__(self) -> str:
        return self.short_name or self.name


class Domain(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "name"], name="domain_name_once")]

    def __str__(self) -> str:
        return self.name


class Valence(models.Model):
    """Barrier, facilitator, neither: the review may rename them or add its own."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="coding_valences")
    name = models.CharField(max_length=60)
    # One of a few colours the stylesheet defines (valence-1 … valence-6), so no style is inline.
    colour = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="valence_name_once")]

    def __str__(self) -> str:
        return self.name


class PerspectiveGroup(models.Model):
    """Whose view an excerpt gives: HCP, patient, other (per review)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="coding_groups")
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="perspective_group_name_once")]

    def __str__(self) -> str:
        return self.name


class Code(models.Model):
    """One node of the codebook: a theme, a sub-theme (under a theme) or a code (under either, or loose)."""

    class Kind(models.TextChoices):
        THEME = "theme", "Theme"
        SUBTHEME = "subtheme", "Sub-theme"
        CODE = "code", "Code"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="coding_codes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CODE)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    colour = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="theme") | Q(parent__isnull=True), name="code_theme_at_top"
            ),
            models.CheckConstraint(
                condition=~Q(kind="subtheme") | Q(parent__isnull=False), name="code_subtheme_under_theme"
            ),
        ]
        indexes = [models.Index(fields=["review", "kind"], name="code_review_kind")]

    def __str__(self) -> str:
        return self.name


class StudyText(models.Model):
    """A study's text, read once from its PDF's text layer (or pasted where the PDF has none)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be read"
        READY = "ready", "Ready"
        NO_TEXT = "no_text", "No text layer"
        FAILED = "failed", "Could not be read"

    class Source(models.TextChoices):
        PDF = "pdf", "PDF text layer"
        PASTED = "pasted", "Pasted"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="study_text")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PDF)
    # The PDF this text was read from: a different PDF on the record means the text must be read again.
    source_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    pages_count = models.PositiveIntegerField(default=0)
    characters = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"text of {self.record_id} ({self.status})"


class StudyTextPage(models.Model):
    """One page of a study's text. ``start`` is the offset of its first character in the whole text (the
    pages joined with nothing between them), so an excerpt's offsets are the same on every page."""

    study_text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["study_text", "number"], name="study_text_page_once")]

    def __str__(self) -> str:
        return f"page {self.number} of {self.study_text.record_id}"

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class CodingStudy(models.Model):
    """The coding of one included study: its coders and where reconciliation stands."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="coding")
    reconciliation_opened_at = models.DateTimeField(null=True, blank=True)
    reconciliation_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["review"], name="coding_study_review")]

    def __str__(self) -> str:
        return f"coding of {self.record_id}"

    @property
    def is_reconciling(self) -> bool:
        return self.reconciliation_opened_at is not None


class CodingAssignment(models.Model):
    """A coder on a study: assigned by the lead or claimed by the coder; done once they say so."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey(CodingStudy, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "coder"], name="coding_assignment_once")]
        indexes = [models.Index(fields=["review", "coder"], name="coding_assignment_coder")]

    def __str__(self) -> str:
        return f"{self.coder_id} codes {self.study.record_id}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Excerpt(models.Model):
    class Anchor(models.TextChoices):
        ANCHORED = "anchored", "In the text"
        TYPED = "typed", "Typed in"
        LOST = "lost", "Quote not found in the text"

    class Reconcile(models.TextChoices):
        PENDING = "pending", "Not reconciled"
        KEPT = "kept", "Kept"
        DROPPED = "dropped", "Dropped"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="excerpts")
    # Empty for the reconciled set (the lead's, or imported as such).
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_final = models.BooleanField(default=False, help_text="Counted by the synthesis.")
    quote = models.TextField()
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)
    anchor = models.CharField(max_length=10, choices=Anchor.choices, default=Anchor.ANCHORED)
    valence = models.ForeignKey(Valence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    group = models.ForeignKey(
        PerspectiveGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    codes = models.ManyToManyField(Code, blank=True, related_name="excerpts")
    domains = models.ManyToManyField(Domain, blank=True, related_name="excerpts")
    note = models.TextField(blank=True)
    # A coder's excerpt in a dual-coded study: what reconciliation made of it.
    reconcile_state = models.CharField(max_length=10, choices=Reconcile.choices, default=Reconcile.PENDING)
    reconciled_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reconciled_from"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True) | Q(start__lte=models.F("end")),
                name="excerpt_offsets_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["review", "is_final"], name="excerpt_review_final"),
            models.Index(fields=["record", "coder"], name="excerpt_record_coder"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.quote[:60]}"

    @property
    def is_reconciled_set(self) -> bool:
        return self.coder_id is None
