"""Participant groups: defined by the review (none by default), counted by number fields, added up from the
reconciled values on the overview."""

from __future__ import annotations

import pytest

from extraction import selectors, services
from extraction.models import FormField, ParticipantGroup
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.extraction.helpers import HCP, PATIENTS, counting_fields, extract, fields_by_label
from tests.factories import review_with_team


def _choice(source="agreed", version=0, consensus=""):
    return {"source": source, "version": version, "consensus": consensus}


def _reconcile_all(review, lead, study, fields):
    choices = {field.pk: _choice() for field in fields.values() if not field.is_archived}
    services.extraction_reconcile(review=review, record=study, lead=lead, choices=choices)


def test_a_review_has_no_groups_until_it_defines_them(review, studies):
    assert not ParticipantGroup.objects.filter(review=review).exists()
    assert selectors.extraction_totals(review) == {"studies": 3, "groups": [], "studies_reconciled": 0}


def test_groups_are_defined_in_order_and_audited(review, lead):
    hcps = services.participant_group_create(review=review, actor=lead, name="  HCPs ")
    patients = services.participant_group_create(review=review, actor=lead, name="family   carers")
    assert [(group.name, group.position) for group in ParticipantGroup.objects.filter(review=review)] == [
        ("HCPs", 1),
        ("family carers", 2),
    ]
    events = AuditEvent.objects.filter(action="extraction.group_add").order_by("pk")
    assert [(event.actor, event.object_id, event.after) for event in events] == [
        (lead, str(hcps.pk), {"name": "HCPs"}),
        (lead, str(patients.pk), {"name": "family carers"}),
    ]


@pytest.mark.parametrize("name", ["", "   ", "hcps", "HCPS"])
def test_a_group_needs_a_name_of_its_own(review, lead, name):
    services.participant_group_create(review=review, actor=lead, name="HCPs")
    with pytest.raises(ReviewRuleError) as raised:
        services.participant_group_create(review=review, actor=lead, name=name)
    expected = services.GROUP_NAME_TAKEN.format(name=name) if name.strip() else services.GROUP_NEEDS_NAME
    assert str(raised.value) == expected
    assert ParticipantGroup.objects.filter(review=review).count() == 1


def test_another_review_may_use_the_same_name(review, lead, owner):
    services.participant_group_create(review=review, actor=lead, name="HCPs")
    other = review_with_team(slug="other-review", team={"owner": owner})
    assert services.participant_group_create(review=other, actor=owner, name="HCPs").review == other


def test_renaming_keeps_the_fields_counting_it_and_is_audited(review, owner, fields):
    fields = counting_fields(review, owner, fields)
    group = ParticipantGroup.objects.get(review=review, name="HCPs")
    services.participant_group_rename(group=group, actor=owner, name="health care professionals")
    assert FormField.objects.get(pk=fields[HCP].pk).group.name == "health care professionals"
    event = AuditEvent.objects.get(action="extraction.group_rename")
    assert (event.before, event.after) == ({"name": "HCPs"}, {"name": "health care professionals"})
    # To its own name in another case: allowed (it is the same group); to another group's name: refused.
    services.participant_group_rename(group=group, actor=owner, name="Health care professionals")
    with pytest.raises(ReviewRuleError, match="already has a group"):
        services.participant_group_rename(group=group, actor=owner, name="Patients")
    # Nothing changed, nothing recorded.
    services.participant_group_rename(group=group, actor=owner, name="Health care professionals")
    assert AuditEvent.objects.filter(action="extraction.group_rename").count() == 2


def test_a_group_counted_by_a_field_on_the_form_cannot_be_removed(review, owner, fields):
    fields = counting_fields(review, owner, fields)
    group = ParticipantGroup.objects.get(review=review, name="patients")
    with pytest.raises(ReviewRuleError) as raised:
        services.participant_group_remove(group=group, actor=owner)
    assert str(raised.value) == services.GROUP_IN_USE.format(
        name="patients", fields=f"“{PATIENTS}”", them="it"
    )
    assert ParticipantGroup.objects.filter(pk=group.pk).exists()
    assert not AuditEvent.objects.filter(action="extraction.group_remove").exists()


def test_a_group_is_removed_once_no_field_on_the_form_counts_it(review, owner, reviewer, studies, fields):
    """Unmarked fields stop counting it; an archived one stops too, and keeps its answers."""
    fields = counting_fields(review, owner, fields)
    group = ParticipantGroup.objects.get(review=review, name="HCPs")
    extract(review, studies[0], reviewer, fields, {HCP: "12"})
    services.form_field_archive(field=fields[HCP], actor=owner)
    services.participant_group_remove(group=group, actor=owner)
    assert list(ParticipantGroup.objects.filter(review=review).values_list("name", flat=True)) == ["patients"]
    archived = FormField.objects.get(pk=fields[HCP].pk)
    assert archived.group is None and archived.answers.get().value == 12
    event = AuditEvent.objects.get(action="extraction.group_remove")
    assert event.object_id == str(group.pk) and event.before == {"name": "HCPs"}
    assert event.after == {"archived_fields_no_longer_counting": [HCP]}


def test_only_a_whole_number_or_decimal_field_counts_a_group(review, lead):
    group = services.participant_group_create(review=review, actor=lead, name="patients")
    section = services.form_section_create(review=review, actor=lead, title="Participants")
    for field_type in ("short_text", "year", "single_choice"):
        with pytest.raises(ReviewRuleError) as raised:
            services.form_field_create(
                section=section,
                actor=lead,
                label="Patients",
                field_type=field_type,
                choices=["a", "b"],
                group=group,
            )
        assert str(raised.value) == services.FIELD_GROUP_NOT_NUMBER
    counted = services.form_field_create(
        section=section, actor=lead, label="Patients", field_type="decimal", group=group
    )
    assert counted.group == group
    assert AuditEvent.objects.get(action="extraction.field_add").after["group"] == "patients"
    # A type change to one that cannot count is refused while the field counts the group.
    with pytest.raises(ReviewRuleError, match="whole-number or decimal"):
        services.form_field_update(
            field=counted, actor=lead, label="Patients", field_type="short_text", group=group
        )
    services.form_field_update(field=counted, actor=lead, label="Patients", field_type="decimal")
    assert FormField.objects.get(pk=counted.pk).group is None
    event = AuditEvent.objects.get(action="extraction.field_edit")
    assert (event.before["group"], event.after["group"]) == ("patients", "")


def test_a_field_cannot_count_another_reviews_group(review, lead, owner):
    other = review_with_team(slug="other-review", team={"owner": owner})
    elsewhere = services.participant_group_create(review=other, actor=owner, name="HCPs")
    section = services.form_section_create(review=review, actor=lead, title="Participants")
    with pytest.raises(ReviewRuleError) as raised:
        services.form_field_create(
            section=section, actor=lead, label="HCPs", field_type="integer", group=elsewhere
        )
    assert str(raised.value) == services.FIELD_GROUP_NOT_IN_REVIEW
    assert not FormField.objects.filter(review=review).exists()


def test_totals_add_up_each_group_from_the_reconciled_values_only(
    review, owner, lead, reviewer, second_reviewer, studies, fields
):
    """By hand, over the three included studies:

    study  HCPs (integer)  patients (integer)  patients, extra (decimal)  carers (archived)
    1      12              4                   2.5                       100
    2      7               (blank)             0.5                       100
    3      30 (not reconciled: left out)       9                         -         -

    HCPs 12 + 7 = 19; patients 4 + 2.5 + 0.5 = 7; carers, whose only field is archived, 0.
    """
    fields = counting_fields(review, owner, fields)
    patients = ParticipantGroup.objects.get(review=review, name="patients")
    carers = services.participant_group_create(review=review, actor=owner, name="carers")
    section = fields[HCP].section
    services.form_field_create(
        section=section, actor=owner, label="Patients in a second arm", field_type="decimal", group=patients
    )
    services.form_field_create(
        section=section, actor=owner, label="Carers", field_type="integer", group=carers
    )
    fields = fields_by_label(review)
    rows = [
        {HCP: "12", PATIENTS: "4", "Patients in a second arm": "2.5", "Carers": "100"},
        {HCP: "7", PATIENTS: "", "Patients in a second arm": "0.5", "Carers": "100"},
        {HCP: "30", PATIENTS: "9", "Patients in a second arm": "", "Carers": ""},
    ]
    for study, values in zip(studies, rows, strict=True):
        for person in (reviewer, second_reviewer):
            extract(review, study, person, fields, values, submit=True)
    for study in studies[:2]:
        _reconcile_all(review, lead, study, fields)
    services.form_field_archive(field=fields["Carers"], actor=owner)

    assert selectors.extraction_totals(review) == {
        "studies": 3,
        "groups": [("HCPs", 19), ("patients", 7), ("carers", 0)],
        "studies_reconciled": 2,
    }
    services.participant_group_rename(
        group=ParticipantGroup.objects.get(review=review, name="HCPs"), actor=owner, name="clinicians"
    )
    assert selectors.extraction_totals(review)["groups"][0] == ("clinicians", 19)


def test_a_decimal_total_keeps_its_fraction(review, owner, lead, reviewer, second_reviewer, studies, fields):
    group = services.participant_group_create(review=review, actor=owner, name="person-years")
    services.form_field_create(
        section=fields["Number of participants"].section,
        actor=owner,
        label="Person-years",
        field_type="decimal",
        group=group,
    )
    fields = fields_by_label(review)
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, {"Person-years": "10.25"}, submit=True)
    _reconcile_all(review, lead, studies[0], fields)
    assert str(selectors.extraction_totals(review)["groups"][0][1]) == "10.25"
