from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core import validators
from django.utils.text import slugify

from reviews.models import Review, Role
from reviews.parsers.base import FORMAT_NAMES


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


REVIEW_SLUG_INVALID = (
    "A short name has only letters (a–z), digits, hyphens and underscores, and no spaces or other signs."
)
REVIEW_SLUG_SUGGESTION = " For example “{suggestion}”."


class ReviewCreateForm(forms.Form):
    title = forms.CharField(max_length=300)
    # A CharField checked below rather than a SlugField, whose error names Django's "slug" and no example.
    slug = forms.CharField(
        max_length=60,
        label="Short name",
        help_text="Used in addresses, e.g. “tdf-barriers”. Letters (a–z), digits, hyphens and underscores.",
    )
    review_type = forms.ChoiceField(choices=Review.ReviewType.choices, label="Type of review")
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Review question"
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if not validators.slug_re.fullmatch(slug):
            suggestion = slugify(slug)[:60].strip("-_")
            raise forms.ValidationError(
                REVIEW_SLUG_INVALID
                + (REVIEW_SLUG_SUGGESTION.format(suggestion=suggestion) if suggestion else "")
            )
        return slug


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
    reviewers_per_record = forms.TypedChoiceField(
        coerce=int,
        choices=Review._meta.get_field("reviewers_per_record").choices,
        label="Reviewers per record",
    )
    lead_may_screen = forms.BooleanField(
        required=False,
        label="A lead may also be one of the deciding reviewers (the lead sees every decision)",
    )

    @classmethod
    def for_review(cls, review: Review, data=None) -> ReviewSettingsForm:
        initial = {name: getattr(review, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)


ROLE_CHOICES = Role.choices


class RateLimitedPasswordChangeForm(PasswordChangeForm):
    """Checks the current password through ``authenticate``, so a wrong one counts as a failed log-in and
    the log-in lock-out (django-axes) covers this form too."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = "Current password"
        self.fields["new_password2"].label = "New password again"

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.get_username(), password=old_password) is None:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


def _time_zone_choices() -> list[tuple[str, str]]:
    return [("", "The site's time zone")] + [
        (name, name.replace("_", " ")) for name in sorted(available_timezones())
    ]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=150,
        required=False,
        label="Display name",
        help_text="Shown to your team instead of your username.",
    )
    email = forms.EmailField(label="E-mail address", help_text="Invitations and password resets go here.")
    time_zone = forms.ChoiceField(
        choices=_time_zone_choices, required=False, label="Time zone for shown times"
    )
    current_password = forms.CharField(
        required=False,
        strip=False,
        label="Current password",
        help_text="Needed only to change your e-mail address.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email.lower() != (self.user.email or "").lower():
            password = cleaned.get("current_password") or ""
            # Through authenticate: a wrong password counts towards the log-in lock-out here too.
            if (
                not password
                or authenticate(self.request, username=self.user.get_username(), password=password) is None
            ):
                self.add_error("current_password", PROFILE_EMAIL_NEEDS_PASSWORD)
        return cleaned


PROFILE_EMAIL_NEEDS_PASSWORD = "Enter your current password to change your e-mail address."
INVITEE_INVALID = "Enter an e-mail address, or a username of letters, digits and . @ + - _ only."


class InvitationForm(forms.Form):
    invitee = forms.CharField(
        max_length=254,
        label="E-mail address or username",
        help_text=(
            "A username only for someone who already has an account here. They get a link by e-mail and "
            "join once they accept it."
        ),
    )
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=[Role.REVIEWER]
    )

    def clean_invitee(self) -> str:
        invitee = self.cleaned_data["invitee"].strip()
        if "@" in invitee:
            validators.validate_email(invitee)
            return invitee
        try:
            UnicodeUsernameValidator()(invitee)
        except forms.ValidationError:
            raise forms.ValidationError(INVITEE_INVALID) from None
        return invitee


class SignUpForm(forms.Form):
    """A new account for someone who follows an invitation; the e-mail address is the invitation's."""

    display_name = forms.CharField(max_length=150, label="Your name", help_text="Shown to your team.")
    username = forms.CharField(
        max_length=150,
        label="Username",
        help_text="You log in with it. Letters, digits and @/./+/-/_ only.",
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not all digits, not a common password, not like your name.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken; choose another.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            user = get_user_model()(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=cleaned.get("display_name", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


IMPORT_NEEDS_DATABASE = "Name the database this file came from."


class ImportFileForm(forms.Form):
    """One file of an upload and the database it came from."""

    file = forms.FileField(label="Export file", required=False)
    source_name = forms.CharField(
        max_length=120,
        required=False,
        label="Database",
        widget=forms.TextInput(attrs={"list": "common-databases", "autocomplete": "off"}),
    )
    search_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    search_string = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Search string"
    )
    requested_format = forms.ChoiceField(
        required=False,
        label="Format",
        choices=[("", "Detect from the file"), *FORMAT_NAMES.items()],
    )

    def __init__(self, *args, is_first: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_first:
            # The browser asks for these before anything is sent: a refused upload comes back without the
            # files chosen (a browser never fills a file input again), and each would have to be picked again.
            # Only the first row: the others may stay empty, and their check is the server's (clean below).
            self.fields["file"].widget.attrs["required"] = True
            self.fields["source_name"].widget.attrs["required"] = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file") and not (cleaned.get("source_name") or "").strip():
            self.add_error("source_name", IMPORT_NEEDS_DATABASE)
        return cleaned


class BaseImportFileFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict:
        return {**super().get_form_kwargs(index), "is_first": index == 0}


ImportFileFormSet = forms.formset_factory(ImportFileForm, formset=BaseImportFileFormSet, extra=3, max_num=10)


class RecordEditForm(forms.Form):
    title = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    authors = LinesField(required=False, help_text="One per line, in the order of the paper.")
    year = forms.IntegerField(required=False, min_value=1000, max_value=2999)
    journal = forms.CharField(required=False)
    volume = forms.CharField(required=False, max_length=60)
    issue = forms.CharField(required=False, max_length=60)
    pages = forms.CharField(required=False, max_length=60)
    doi = forms.CharField(required=False, max_length=255, label="DOI")
    pmid = forms.CharField(required=False, max_length=20, label="PMID")
    abstract = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def clean_doi(self) -> str:
        from reviews.parsers import normalise_doi

        return normalise_doi(self.cleaned_data["doi"])


class RecordRemoveForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why remove it?")
