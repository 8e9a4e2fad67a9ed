from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reviews/new/", views.review_create, name="create"),
    path("r/<slug:slug>/", views.review_overview, name="overview"),
    path("r/<slug:slug>/settings/", views.review_settings, name="settings"),
    path("r/<slug:slug>/members/", views.member_list, name="members"),
    path("r/<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("r/<slug:slug>/members/<int:membership_id>/roles/", views.member_roles, name="member_roles"),
    path("r/<slug:slug>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("r/<slug:slug>/history/", views.audit_log, name="audit_log"),
]
