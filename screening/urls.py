from django.urls import path

from screening import views

app_name = "screening"

urlpatterns = [
    path("r/<slug:slug>/screen/<str:stage_slug>/", views.screen_next, name="next"),
    path("r/<slug:slug>/screen/<str:stage_slug>/<int:record_id>/", views.screen_record, name="record"),
    path("r/<slug:slug>/screen/<str:stage_slug>/<int:record_id>/decide/", views.decide, name="decide"),
    path("r/<slug:slug>/screen/<str:stage_slug>/<int:record_id>/undo/", views.undo, name="undo"),
    path("r/<slug:slug>/conflicts/", views.conflicts_start, name="conflicts_start"),
    path("r/<slug:slug>/conflicts/<str:stage_slug>/", views.conflict_list, name="conflicts"),
    path("r/<slug:slug>/conflicts/<str:stage_slug>/<int:record_id>/resolve/", views.resolve, name="resolve"),
    path("r/<slug:slug>/full-texts/<int:record_id>/upload/", views.full_text_upload, name="fulltext_upload"),
    path(
        "r/<slug:slug>/full-texts/<int:record_id>/not-retrievable/",
        views.full_text_not_retrievable,
        name="fulltext_not_retrievable",
    ),
    path("r/<slug:slug>/full-texts/<int:record_id>/file/", views.full_text_file, name="fulltext_file"),
    path(
        "r/<slug:slug>/full-texts/<int:record_id>/confirm/", views.full_text_confirm, name="fulltext_confirm"
    ),
    path("r/<slug:slug>/full-texts/<int:record_id>/reopen/", views.full_text_reopen, name="fulltext_reopen"),
    path("r/<slug:slug>/screening/decisions.csv", views.decisions_export, name="decisions_export"),
]
