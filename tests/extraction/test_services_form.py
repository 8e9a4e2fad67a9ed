"""The form builder: sections and fields, reordering, and edits after answers exist."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import Answer, FormField, FormSection, ReconciledValue
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.extraction.helpers import extract


def test_the_starting_template_loads_into_an_empty_form_and_is_audited(review, owner):
    services.form_starter_load(review=review, actor=owner, starter="qualitative")
    labels = list(
        FormField.objects.filter(review=review)
        .order_by("section__position", "position")
        .values_list("label", flat=True)
    )
    assert labels[:2] == ["Country", "Healthcare setting / sector"]
    assert "Key findings" in labels and "Data collection method" in labels
    assert FormField.objects.get(review=review, label="Number of participants").field_type == "integer"
    # No group is counted: the review defines its own, none by default.
    assert not FormField.objects.filter(review=review, group__isnull=False).exists()
    event = AuditEvent.objects.get(action="extraction.starter_load")
    assert event.after == {
        "starter": "Qualitative studies",
        "sections": ["Study details", "Participants", "Content"],
    }


def test_the_starting_template_loads_only_into_an_empty_form(review, owner):
    services.form_starter_load(review=review, actor=owner)
    with pytest.raises(ReviewRuleError, match="already has fields"):
        services.form_starter_load(review=review, actor=owner, starter="scoping")


def test_an_unknown_starting_template_is_refused(review, owner):
    with pytest.raises(ReviewRuleError) as raised:
        services.form_starter_load(review=review, actor=owner, starter="meta-analysis")
    assert str(raised.value) == services.STARTER_UNKNOWN
    assert not FormSection.objects.filter(review=review).exists()


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
    extract(review, studies[0], reviewer, fields, {"Number of participants": "12"})
    with pytest.raises(ReviewRuleError, match="already has answers"):
        services.form_field_update(
            field=fields["Number of participants"],
            actor=owner,
            label="Number of participants",
            field_type="short_text",
        )


def test_archiving_a_field_hides_it_and_keeps_its_answers(review, owner, reviewer, studies, fields):
    extract(review, studies[0], reviewer, fields, {"Intervention": "Peer mentoring"})
    intervention = fields["Intervention"]
    services.form_field_archive(field=intervention, actor=owner)
    assert Answer.objects.get(field=intervention).value == "Peer mentoring"
    # Saving the form again (the archived field is no longer on it) leaves that answer alone.
    extract(review, studies[0], reviewer, fields, {"Aims": "To explore it again."})
    assert Answer.objects.get(field=intervention).value == "Peer mentoring"
    services.form_field_archive(field=intervention, actor=owner, is_archived=False)
    assert FormField.objects.get(pk=intervention.pk).is_archived is False
    assert (
        AuditEvent.objects.filter(action__in=["extraction.field_archive", "extraction.field_restore"]).count()
        == 2
    )


def test_a_field_moves_to_the_end_of_another_section_and_keeps_its_answers(
    review, owner, lead, reviewer, second_reviewer, studies, fields
):
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, {"Intervention": "Peer mentoring"}, submit=True)
    intervention = fields["Intervention"]
    services.extraction_reconcile(
        review=review,
        record=studies[0],
        lead=lead,
        choices={intervention.pk: {"source": "agreed", "version": 0}},
    )
    source, target = intervention.section, fields["Country"].section
    assert source != target
    last = target.fields.order_by("position").last()
    moved = services.form_field_move_to_section(field=intervention, actor=owner, section=target)
    assert moved.pk == intervention.pk and moved.section == target and moved.position > last.position
    assert list(target.fields.order_by("position").values_list("label", flat=True))[-1] == "Intervention"
    assert "Intervention" not in source.fields.values_list("label", flat=True)
    assert set(Answer.objects.filter(field=intervention).values_list("value", flat=True)) == {
        "Peer mentoring"
    }
    assert ReconciledValue.objects.get(field=intervention).value == "Peer mentoring"
    event = AuditEvent.objects.get(action="extraction.field_move_section")
    assert event.actor == owner and event.object_id == str(intervention.pk)
    assert event.before == {
        "section": source.pk,
        "section_title": source.title,
        "position": intervention.position,
    }
    assert event.after == {
        "label": "Intervention",
        "section": target.pk,
        "section_title": target.title,
        "position": moved.position,
    }
    # In its new section it moves up and down with its new neighbours.
    services.form_field_move(field=moved, actor=owner, direction="up")
    assert list(target.fields.order_by("position").values_list("label", flat=True))[-2] == "Intervention"


def test_moving_a_field_to_its_own_section_changes_nothing(review, lead):
    section = services.form_section_create(review=review, actor=lead, title="A")
    field = services.form_field_create(section=section, actor=lead, label="one", field_type="short_text")
    services.form_field_move_to_section(field=field, actor=lead, section=section)
    assert FormField.objects.get(pk=field.pk).position == 1
    assert not AuditEvent.objects.filter(action="extraction.field_move_section").exists()


def test_a_field_does_not_move_to_a_section_of_another_review(review, lead, owner):
    from tests.factories import review_with_team

    section = services.form_section_create(review=review, actor=lead, title="A")
    field = services.form_field_create(section=section, actor=lead, label="one", field_type="short_text")
    other = review_with_team(slug="other-review", team={"owner": owner})
    elsewhere = services.form_section_create(review=other, actor=owner, title="Elsewhere")
    with pytest.raises(ReviewRuleError) as raised:
        services.form_field_move_to_section(field=field, actor=lead, section=elsewhere)
    assert str(raised.value) == services.FIELD_NOT_IN_REVIEW
    assert FormField.objects.get(pk=field.pk).section == section
