from django.urls import path

from coding.views import codebook, pane, reconcile, settings, studies, synthesis

app_name = "coding"

_BASE = "r/<slug:slug>/coding/"
_STUDY = _BASE + "<int:record_id>/"

urlpatterns = [
    path(_BASE, studies.study_list, name="studies"),
    path(_STUDY, pane.study, name="study"),
    path(_STUDY + "claim/", studies.claim, name="claim"),
    path(_STUDY + "assign/", studies.assign, name="assign"),
    path(_STUDY + "text/progress/", pane.text_progress, name="text_progress"),
    path(_STUDY + "text/read/", pane.text_read, name="text_read"),
    path(_STUDY + "text/paste/", pane.text_paste, name="text_paste"),
    path(_STUDY + "excerpts/new/", pane.excerpt_new, name="excerpt_new"),
    path(_STUDY + "excerpts/<int:excerpt_id>/", pane.excerpt_edit, name="excerpt"),
    path(_STUDY + "excerpts/<int:excerpt_id>/delete/", pane.excerpt_delete, name="excerpt_delete"),
    path(_STUDY + "done/", pane.mark_done, name="done"),
    path(_STUDY + "reconcile/", reconcile.reconcile, name="reconcile"),
    path(_STUDY + "reconcile/open/", reconcile.reconcile_open, name="reconcile_open"),
    path(_STUDY + "reconcile/unit/", reconcile.unit, name="unit"),
    path(_STUDY + "reconcile/finish/", reconcile.reconcile_finish, name="reconcile_finish"),
    path(_BASE + "codebook/", codebook.codebook, name="codebook"),
    path(_BASE + "codebook/add/", codebook.code_add, name="code_add"),
    path(_BASE + "codebook/<int:code_id>/edit/", codebook.code_edit, name="code_edit"),
    path(_BASE + "codebook/<int:code_id>/move/", codebook.code_move, name="code_move"),
    path(_BASE + "codebook/<int:code_id>/merge/", codebook.code_merge, name="code_merge"),
    path(_BASE + "codebook/<int:code_id>/delete/", codebook.code_delete, name="code_delete"),
    path(_BASE + "synthesis/", synthesis.synthesis_page, name="synthesis"),
    path(_BASE + "synthesis/<str:table_name>.<str:fmt>", synthesis.synthesis_export, name="synthesis_export"),
    path(_BASE + "settings/", settings.coding_settings, name="settings"),
    path(_BASE + "settings/labels/", settings.label_save, name="label_save"),
    path(
        _BASE + "settings/labels/<str:kind>/<int:label_id>/remove/",
        settings.label_remove,
        name="label_remove",
    ),
    path(_BASE + "settings/frameworks/", settings.framework_add, name="framework_add"),
    path(_BASE + "settings/import/", settings.excerpt_import, name="import"),
]
