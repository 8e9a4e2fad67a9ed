"""Input shapes for coding. The services enforce the rules; these only check the shape."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from coding.services.excerpts import EXCERPT_NEEDS_PASSAGE, ExcerptInput


def _ids(values: list[str]) -> list[int]:
    return sorted({int(value) for value in values if str(value).isdigit()})


class ExcerptForm(forms.Form):
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    quote = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    page = forms.IntegerField(min_value=1, max_value=100000, required=False)
    valence = forms.IntegerField(required=False)
    group = forms.IntegerField(required=False)
    new_code = forms.CharField(required=False, max_length=200)
    new_code_theme = forms.CharField(required=False, max_length=200)
    new_code_subtheme = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        # The service's minimum, checked here too so the panel can point at the quote: a passage selected in
        # the text (start before end) or a quote typed in. Codes, valence and the rest may come later.
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        has_passage = start is not None and end is not None and end > start
        if not has_passage and not cleaned.get("quote") and "quote" not in self.errors:
            self.add_error("quote", EXCERPT_NEEDS_PASSAGE)
        return cleaned

    @property
    def refusal(self) -> str:
        """Why the panel refuses what was sent, in sentences; a message about one field names it."""
        reasons = []
        for name, errors in self.errors.items():
            for error in errors:
                is_plain = name == NON_FIELD_ERRORS or error == EXCERPT_NEEDS_PASSAGE
                reasons.append(error if is_plain else f"{self[name].label}: {error}")
        return " ".join(reasons)

    def excerpt_input(self, data) -> ExcerptInput:
        cleaned = self.cleaned_data
        return ExcerptInput(
            start=cleaned.get("start"),
            end=cleaned.get("end"),
            quote=cleaned.get("quote") or "",
            page=cleaned.get("page"),
            valence_id=cleaned.get("valence"),
            group_id=cleaned.get("group"),
            code_ids=_ids(data.getlist("codes")),
            new_code=cleaned.get("new_code") or "",
            new_code_theme=cleaned.get("new_code_theme") or "",
            new_code_subtheme=cleaned.get("new_code_subtheme") or "",
            domain_ids=_ids(data.getlist("domains")),
            note=cleaned.get("note") or "",
        )


class PasteForm(forms.Form):
    text = forms.CharField(max_length=2_000_000, widget=forms.Textarea(attrs={"rows": 12}))


class AssignForm(forms.Form):
    coder = forms.CharField(max_length=150)


class UnitForm(forms.Form):
    """One unit's excerpts and what the lead does with them: ``accept:<excerpt id>``, ``merge``, ``drop`` or
    ``reopen`` (the button's value, so the form works with and without htmx)."""

    excerpts = forms.CharField(max_length=200)
    choice = forms.RegexField(regex=r"^(accept:\d+|merge|drop|reopen)$")

    def excerpt_ids(self) -> list[int]:
        return _ids(self.cleaned_data["excerpts"].split(","))

    @property
    def action(self) -> str:
        return self.cleaned_data["choice"].split(":")[0]

    @property
    def keep_id(self) -> int | None:
        _, _, keep = self.cleaned_data["choice"].partition(":")
        return int(keep) if keep else None


class CodeForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    colour = forms.IntegerField(min_value=1, max_value=8, required=False)


class CodeAddForm(forms.Form):
    kind = forms.ChoiceField(choices=[("theme", "Theme"), ("subtheme", "Sub-theme"), ("code", "Code")])
    name = forms.CharField(max_length=200)
    parent = forms.IntegerField(required=False)


class CodeTargetForm(forms.Form):
    # Only the shape: the view looks the code up in the review (404 for any other).
    target = forms.IntegerField(required=False)


class CodingSettingsForm(forms.Form):
    coders_per_study = forms.TypedChoiceField(
        coerce=int, choices=[(1, "One coder per study"), (2, "Two coders per study, blind to each other")]
    )


class LabelForm(forms.Form):
    kind = forms.ChoiceField(choices=[("valence", "Valence"), ("group", "Perspective group")])
    name = forms.CharField(max_length=60)


class FrameworkForm(forms.Form):
    name = forms.CharField(max_length=200)
    domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One domain a line; a definition may follow a colon.",
    )
    file = forms.FileField(required=False, help_text="Or a CSV with the columns domain and definition.")


class ExcerptImportForm(forms.Form):
    file = forms.FileField()
