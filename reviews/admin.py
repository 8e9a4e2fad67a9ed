from django.contrib import admin

from reviews.models import AuditEvent, ImportBatch, Membership, Record, Review
from reviews.services.audit import audit_record


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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    list_display = ["title", "slug", "review_type", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["review", "user", "is_owner", "is_lead", "is_reviewer"]
    list_filter = ["is_owner", "is_lead", "is_reviewer"]
    search_fields = ["review__title", "user__username"]
    autocomplete_fields = ["user", "review"]


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
