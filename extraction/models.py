from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from reviews.models import Record, Review


class FieldType(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    YEAR = "year", "Year"
    DATE = "date", "Date"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    YES_NO_UNCLEAR = "yes_no_unclear", "Yes / no / unclear"
    COUNTRY = "country", "Country"


CHOICE_TYPES = (
    FieldType.SINGLE_CHOICE,
    FieldType.MULTIPLE_CHOICE,
    FieldType.YES_NO_UNCLEAR,
    FieldType.COUNTRY,
)
NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.YEAR)
# The types a field counting a participant group may have.
COUNT_TYPES = (FieldType.INTEGER, FieldType.DECIMAL)


class ParticipantGroup(models.Model):
    """A group of people the review's studies involve ("HCPs", "patients"), as the review defines them; none
    by default. A number field may count one, and the overview adds it up: "22 studies involving 307 HCPs
    and 76 patients". The name is shown as written, so it is written as it reads in that sentence."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="participant_groups")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "review", name="participant_group_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class FormSection(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_sections")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """One question of the extraction form. Removing it archives it, so answers already given stay."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_fields")
    section = models.ForeignKey(FormSection, on_delete=models.PROTECT, related_name="fields")
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=500, blank=True)
    field_type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.SHORT_TEXT)
    choices = models.JSONField(default=list, blank=True)
    is_required = models.BooleanField(default=False)
    # The participant group this number field counts, if any (removing a group is refused while one does).
    group = models.ForeignKey(
        ParticipantGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="fields"
    )
    position = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["section__position", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.field_type in CHOICE_TYPES


class Extraction(models.Model):
    """One reviewer's extraction of one included study; a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="extractions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "reviewer"], name="extraction_once_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.record_id} ({self.status})"


class Answer(models.Model):
    extraction = models.ForeignKey(Extraction, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="answers")
    # A string, a number, a list of strings (multiple choice) or null: as the field type says.
    value = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["extraction", "field"], name="answer_once_per_field")]


class ReconciledValue(models.Model):
    """The study's final value for one field, chosen or written by the lead."""

    class Source(models.TextChoices):
        AGREED = "agreed", "Both reviewers agreed"
        FIRST = "first", "First reviewer's value"
        SECOND = "second", "Second reviewer's value"
        CONSENSUS = "consensus", "Consensus value"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="reconciled_values")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="reconciled_values")
    value = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # Optimistic lock: a save names the version it was based on; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "field"], name="reconciled_once_per_field")]
        indexes = [models.Index(fields=["review", "record"], name="reconciled_by_study")]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.field_id}: {self.value!r}"
