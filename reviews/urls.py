from django.urls import path

from reviews.views import accounts, duplicates, imports, records, site_admin, team

app_name = "reviews"

urlpatterns = [
    path("", team.dashboard, name="dashboard"),
    path("reviews/new/", team.review_create, name="create"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("site/users/", site_admin.site_users, name="site_users"),
    path("site/users/<int:user_id>/", site_admin.site_user, name="site_user"),
    path(
        "site/users/<int:user_id>/deactivate/",
        site_admin.site_user_set_active,
        {"active": False},
        name="site_user_deactivate",
    ),
    path(
        "site/users/<int:user_id>/reactivate/",
        site_admin.site_user_set_active,
        {"active": True},
        name="site_user_reactivate",
    ),
    path("r/<slug:slug>/settings/", team.review_settings, name="settings"),
    path("r/<slug:slug>/members/", team.member_list, name="members"),
    path("r/<slug:slug>/members/leave/", team.member_leave, name="member_leave"),
    path("r/<slug:slug>/members/invite/", team.invitation_create, name="invitation_create"),
    path(
        "r/<slug:slug>/invitations/<int:invitation_id>/resend/",
        team.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "r/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke,
        name="invitation_revoke",
    ),
    path("r/<slug:slug>/members/<int:membership_id>/roles/", team.member_roles, name="member_roles"),
    path("r/<slug:slug>/members/<int:membership_id>/remove/", team.member_remove, name="member_remove"),
    path("r/<slug:slug>/history/", team.audit_log, name="audit_log"),
    path("r/<slug:slug>/imports/", imports.import_list, name="imports"),
    path("r/<slug:slug>/imports/upload/", imports.import_upload, name="import_upload"),
    path("r/<slug:slug>/imports/<int:batch_id>/progress/", imports.import_progress, name="import_progress"),
    path("r/<slug:slug>/imports/<int:batch_id>/delete/", imports.import_delete, name="import_delete"),
    path("r/<slug:slug>/imports/<int:batch_id>/retry/", imports.import_retry, name="import_retry"),
    path("r/<slug:slug>/records/", records.record_list, name="records"),
    path("r/<slug:slug>/records/<int:record_id>/", records.record_detail, name="record"),
    path("r/<slug:slug>/records/<int:record_id>/remove/", records.record_remove, name="record_remove"),
    path("r/<slug:slug>/records/<int:record_id>/restore/", records.record_restore, name="record_restore"),
    path("r/<slug:slug>/merges/<int:merge_id>/undo/", records.merge_undo, name="merge_undo"),
    path("r/<slug:slug>/duplicates/", duplicates.duplicate_queue, name="duplicates"),
    path("r/<slug:slug>/duplicates/<int:pair_id>/", duplicates.duplicate_decide, name="duplicate_decide"),
    path("r/<slug:slug>/duplicates/<int:pair_id>/undo/", duplicates.duplicate_undo, name="duplicate_undo"),
]
