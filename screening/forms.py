from __future__ import annotations

from django import forms

from screening.models import Choice


class DecisionForm(forms.Form):
    choice = forms.ChoiceField(choices=Choice.choices)
    reason = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=2000)
    without_full_text = forms.CharField(required=False, max_length=200)


class ResolveForm(forms.Form):
    choice = forms.ChoiceField(choices=[("include", "Include"), ("exclude", "Exclude")])
    reason = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=2000)


class FullTextUploadForm(forms.Form):
    file = forms.FileField(label="Full text (PDF)")


class NotRetrievableForm(forms.Form):
    # PRISMA's "reports not retrieved" is only as good as the search behind it, and one mark settles the record
    # for both reviewers: so the mark says what was tried.
    note = forms.CharField(
        max_length=300,
        label="What was tried",
        error_messages={
            "required": "Say what was tried to get the full text (for example: library, interlibrary loan, "
            "e-mailed the authors) before marking it as not retrievable."
        },
    )
