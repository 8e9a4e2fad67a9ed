from django.urls import path

from extraction.views import builder, exports, extract, reconcile

app_name = "extraction"

_BASE = "r/<slug:slug>/extraction/"

urlpatterns = [
    path(_BASE, extract.study_list, name="studies"),
    path(_BASE + "form/", builder.form_builder, name="form"),
    path(_BASE + "form/starter/", builder.starter_load, name="starter_load"),
    # The group is named in the form's data, as the section is for a field moved to another section.
    path(_BASE + "form/groups/add/", builder.group_add, name="group_add"),
    path(_BASE + "form/groups/rename/", builder.group_rename, name="group_rename"),
    path(_BASE + "form/groups/remove/", builder.group_remove, name="group_remove"),
    path(_BASE + "form/sections/add/", builder.section_add, name="section_add"),
    path(_BASE + "form/sections/<int:section_id>/rename/", builder.section_rename, name="section_rename"),
    path(_BASE + "form/sections/<int:section_id>/move/", builder.section_move, name="section_move"),
    path(_BASE + "form/sections/<int:section_id>/fields/add/", builder.field_add, name="field_add"),
    path(_BASE + "form/fields/<int:field_id>/edit/", builder.field_edit, name="field_edit"),
    path(_BASE + "form/fields/<int:field_id>/move/", builder.field_move, name="field_move"),
    path(
        _BASE + "form/fields/<int:field_id>/section/", builder.field_move_section, name="field_move_section"
    ),
    path(_BASE + "form/fields/<int:field_id>/archive/", builder.field_archive, name="field_archive"),
    path(_BASE + "form/fields/<int:field_id>/restore/", builder.field_restore, name="field_restore"),
    path(_BASE + "<int:record_id>/", extract.extract, name="extract"),
    path(_BASE + "<int:record_id>/reopen/", extract.reopen, name="reopen"),
    path(_BASE + "<int:record_id>/reconcile/", reconcile.reconcile, name="reconcile"),
    path(_BASE + "export.<str:fmt>", exports.export, name="export"),
]
