"""The form builder: sections and fields, reordering, and edits after answers exist."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import Answer, FormField, FormSection
from reviews.models import AuditEvent
from reviews.services.reviews import ReviewRuleError
from tests.extraction.helpers import extract


def test_the_starting_template_has_the_scoping_review_fields(review, owner):
    services.form_starter_load(review=review, actor=owner)
    labels = list(
        FormField.objects.filter(review=review)
        .order_by("section__position", "position")
        .values_list("label", flat=True)
    )
    assert labels[:3] == ["Author", "Year", "Country"]
    assert "Key findings" in labels and "Data collection method" in labels
    totals = dict(FormField.objects.filter(review=review).exclude(total="").values_list("label", "total"))
    assert totals == {"Number of HCP participants": "hcp", "Number of patient participants": "patients"}
    assert FormField.objects.get(review=review, label="Number of HCP participants").field_type == "integer"
    assert AuditEvent.objects.filter(action="extraction.starter_load").count() == 1


def test_the_starting_template_loads_only_into_an_empty_form(review, owner):
    services.form_starter_load(review=review, actor=owner)
    with pytest.raises(ReviewRuleError, match="already has fields"):
        services.form_starter_load(review=review, actor=owner)


def test_it_adds_sections_and_fields_in_order_and_audits_them(review, lead):
    section = services.form_section_create(review=review, actor=lead, title="Outcomes")
    first = services.form_field_create(section=section, actor=lead, label="Outcome", field_type="short_text")
    second = services.form_field_create(
        section=section,
        actor=lead,
        label="Measure",
        field_type="single_choice",
        choices=["Scale", "Interview", ""],
    )
    assert (first.position, second.position) == (1, 2)
    assert second.choices == ["Scale", "Interview"]
    assert AuditEvent.objects.filter(action="extraction.field_add").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": " ", "field_type": "short_text"}, "label"),
        ({"label": "Design", "field_type": "single_choice", "choices": ["Only one"]}, "two choices"),
        ({"label": "Setting", "field_type": "short_text", "total": "hcp"}, "whole-number or decimal"),
        ({"label": "X", "field_type": "colour"}, "type"),
    ],
)
def test_it_refuses_malformed_fields(review, lead, kwargs, message):
    section = services.form_section_create(review=review, actor=lead, title="S")
    with pytest.raises(ReviewRuleError, match=message):
        services.form_field_create(section=section, actor=lead, **kwargs)


def test_fields_and_sections_move_up_and_down(review, lead):
    section = services.form_section_create(review=review, actor=lead, title="A")
    later = services.form_section_create(review=review, actor=lead, title="B")
    one, two, three = (
        services.form_field_create(section=section, actor=lead, label=label, field_type="short_text")
        for label in ("one", "two", "three")
    )
    services.form_field_move(field=three, actor=lead, direction="up")
    assert list(section.fields.order_by("position").values_list("label", flat=True)) == [
        "one",
        "three",
        "two",
    ]
    services.form_field_move(field=one, actor=lead, direction="up")  # already first: nothing happens
    assert list(section.fields.order_by("position").values_list("label", flat=True)) == [
        "one",
        "three",
        "two",
    ]
    services.form_section_move(section=later, actor=lead, direction="up")
    assert list(
        FormSection.objects.filter(review=review).order_by("position").values_list("title", flat=True)
    ) == ["B", "A"]


def test_renaming_a_field_after_answers_exist_keeps_the_answers(review, owner, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Healthcare setting / sector": "Primary care"})
    setting = fields["Healthcare setting / sector"]
    services.form_field_update(field=setting, actor=owner, label="Care setting", field_type="short_text")
    answer = Answer.objects.get(field=setting, extraction__reviewer=reviewer)
    assert answer.value == "Primary care" and answer.field.label == "Care setting"


def test_a_field_with_answers_cannot_change_type(review, owner, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields)
    with pytest.raises(ReviewRuleError, match="already has answers"):
        services.form_field_update(field=fields["Year"], actor=owner, label="Year", field_type="short_text")


def test_archiving_a_field_hides_it_and_keeps_its_answers(review, owner, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Intervention": "Peer mentoring"})
    intervention = fields["Intervention"]
    services.form_field_archive(field=intervention, actor=owner)
    assert Answer.objects.get(field=intervention).value == "Peer mentoring"
    # Saving the form again (the archived field is no longer on it) leaves that answer alone.
    extract(review, studies[0], reviewer, fields, {"Author": "Jones"})
    assert Answer.objects.get(field=intervention).value == "Peer mentoring"
    services.form_field_archive(field=intervention, actor=owner, is_archived=False)
    assert FormField.objects.get(pk=intervention.pk).is_archived is False
    assert (
        AuditEvent.objects.filter(action__in=["extraction.field_archive", "extraction.field_restore"]).count()
        == 2
    )
