from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from reviews.models import AuditEvent, ImportBatch, Membership, Record, Review
from reviews.services.audit import audit_record
from reviews.services.reviews import MEMBER_LAST_OWNER


def _reviews_left_without_owner(removed: list[Membership]) -> list[Review]:
    """The reviews that would have no owner once these memberships are deleted or stop being owners."""
    removed_ids = {membership.pk for membership in removed}
    reviews = {membership.review_id: membership.review for membership in removed if membership.is_owner}
    return [
        review
        for review_id, review in reviews.items()
        if not Membership.objects.filter(review_id=review_id, is_owner=True)
        .exclude(pk__in=removed_ids)
        .exists()
    ]


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the admin are recorded in the audit trail like any other."""

    def _review_of(self, obj):
        return obj if isinstance(obj, Review) else getattr(obj, "review", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            review=self._review_of(obj),
            action=f"admin.{'change' if change else 'add'}",
            target=obj,
            after={"changed": form.changed_data},
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            review=self._review_of(obj),
            action="admin.delete",
            target=obj,
            before={"str": str(obj)},
        )
        super().delete_model(request, obj)


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept_owners = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("is_owner")
        ]
        if not kept_owners:
            raise ValidationError(MEMBER_LAST_OWNER)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["user"]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        stored = Membership.objects.select_related("review").get(pk=self.instance.pk)
        review = cleaned.get("review")
        leaves = not cleaned.get("is_owner") or (review is not None and review.pk != stored.review_id)
        if leaves and _reviews_left_without_owner([stored]):
            raise ValidationError(MEMBER_LAST_OWNER)
        return cleaned


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    list_display = ["title", "slug", "review_type", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Every review keeps an owner here too: the Team page's rule, checked before anything is saved."""

    form = MembershipAdminForm
    list_display = ["review", "user", "is_owner", "is_lead", "is_reviewer"]
    list_filter = ["is_owner", "is_lead", "is_reviewer"]
    search_fields = ["review__title", "user__username"]
    autocomplete_fields = ["user", "review"]

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and _reviews_left_without_owner([obj]):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is history, not data to tidy."""

    list_display = ["created_at", "actor_username", "review", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "action", "object_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: batches change only through the import job and the Import page."""

    list_display = [
        "original_filename",
        "review",
        "source_name",
        "format",
        "status",
        "records_count",
        "created_at",
    ]
    list_filter = ["status", "format"]
    search_fields = ["original_filename", "source_name", "review__slug"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    """Read-only: records are edited on the record's page, where the edit is audited."""

    list_display = ["id", "review", "title", "year", "doi", "merged_into", "is_removed"]
    list_filter = ["is_removed"]
    search_fields = ["title", "doi", "pmid"]
    readonly_fields = [f.name for f in Record._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
