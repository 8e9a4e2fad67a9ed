"""Input shapes for the form builder. The services enforce the rules; these only check the shape."""

from __future__ import annotations

from django import forms

from extraction.models import FieldType
from extraction.starters import STARTERS


class StarterForm(forms.Form):
    starter = forms.ChoiceField(choices=[(key, starter["name"]) for key, starter in STARTERS.items()])


class GroupForm(forms.Form):
    name = forms.CharField(max_length=100)


class GroupChoiceForm(forms.Form):
    # Only the shape: the view looks the group up in the review (404 for any other).
    group = forms.IntegerField(min_value=1)


class SectionForm(forms.Form):
    title = forms.CharField(max_length=200)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class MoveToSectionForm(forms.Form):
    # Only the shape: the view looks the section up in the review (404 for any other).
    section = forms.IntegerField(min_value=1)


class FieldForm(forms.Form):
    label = forms.CharField(max_length=200)
    help_text = forms.CharField(max_length=500, required=False)
    field_type = forms.ChoiceField(choices=FieldType.choices)
    choices = forms.CharField(required=False, widget=forms.Textarea, help_text="One choice per line.")
    is_required = forms.BooleanField(required=False)
    # The participant group the field counts, if any: the view looks it up in the review.
    group = forms.IntegerField(min_value=1, required=False)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
