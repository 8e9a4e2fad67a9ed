from __future__ import annotations

from django import forms

from reviews.models import Review, Role


class LinesField(forms.CharField):
    """An ordered list of short texts, edited one per line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ReviewCreateForm(forms.Form):
    title = forms.CharField(max_length=300)
    slug = forms.SlugField(
        max_length=60,
        label="Short name",
        help_text="Used in addresses, e.g. “tdf-barriers”. Letters, digits, hyphens.",
    )
    review_type = forms.ChoiceField(choices=Review.ReviewType.choices, label="Type of review")
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Review question"
    )


class ReviewSettingsForm(forms.Form):
    title = forms.CharField(max_length=300)
    review_type = forms.ChoiceField(choices=Review.ReviewType.choices, label="Type of review")
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Review question"
    )
    protocol_registration = forms.CharField(
        max_length=200,
        required=False,
        label="Protocol registration",
        help_text="e.g. an OSF DOI or PROSPERO ID",
    )
    population = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    concept = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    context = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    inclusion_criteria = LinesField(
        required=False, help_text="One per line, in the order reviewers should read them."
    )
    exclusion_criteria = LinesField(required=False, help_text="One per line.")
    fulltext_exclusion_reasons = LinesField(
        required=False,
        label="Full-text exclusion reasons",
        help_text="One per line; reviewers pick one to exclude.",
    )
    include_keywords = LinesField(
        required=False, help_text="Highlighted green while screening. One per line; * matches word endings."
    )
    exclude_keywords = LinesField(required=False, help_text="Highlighted red while screening. One per line.")

    @classmethod
    def for_review(cls, review: Review, data=None) -> ReviewSettingsForm:
        initial = {name: getattr(review, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)


ROLE_CHOICES = Role.choices


class MemberAddForm(forms.Form):
    username_or_email = forms.CharField(max_length=254, label="Username or e-mail")
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=[Role.REVIEWER]
    )


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
