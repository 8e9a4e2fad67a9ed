from django.urls import path

from extraction import views

app_name = "extraction"

_BASE = "r/<slug:slug>/extraction/"

urlpatterns = [
    path(_BASE, views.study_list, name="studies"),
    path(_BASE + "form/", views.form_builder, name="form"),
    path(_BASE + "form/starter/", views.starter_load, name="starter_load"),
    path(_BASE + "form/sections/add/", views.section_add, name="section_add"),
    path(_BASE + "form/sections/<int:section_id>/rename/", views.section_rename, name="section_rename"),
    path(_BASE + "form/sections/<int:section_id>/move/", views.section_move, name="section_move"),
    path(_BASE + "form/sections/<int:section_id>/fields/add/", views.field_add, name="field_add"),
    path(_BASE + "form/fields/<int:field_id>/edit/", views.field_edit, name="field_edit"),
    path(_BASE + "form/fields/<int:field_id>/move/", views.field_move, name="field_move"),
    path(_BASE + "form/fields/<int:field_id>/section/", views.field_move_section, name="field_move_section"),
    path(_BASE + "form/fields/<int:field_id>/archive/", views.field_archive, name="field_archive"),
    path(_BASE + "form/fields/<int:field_id>/restore/", views.field_restore, name="field_restore"),
    path(_BASE + "<int:record_id>/", views.extract, name="extract"),
    path(_BASE + "<int:record_id>/reopen/", views.reopen, name="reopen"),
    path(_BASE + "<int:record_id>/reconcile/", views.reconcile, name="reconcile"),
    path(_BASE + "export.<str:fmt>", views.export, name="export"),
]
