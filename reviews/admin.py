from django.contrib import admin

from reviews.models import AuditEvent, Membership, Review


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "review_type", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
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
