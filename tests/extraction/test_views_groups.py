"""Participant groups on the pages: edited in the form builder by the owner or lead, marked on number fields,
and named in the sentence on the studies page and the overview only when the review defines them."""

from __future__ import annotations

import re

import pytest

from extraction import services
from extraction.models import FormField, ParticipantGroup
from reviews.models import AuditEvent
from tests.extraction.helpers import HCP, PATIENTS, counting_fields, extract

HTMX = {"HX-Request": "true"}


def _url(review, tail=""):
    return f"/r/{review.slug}/extraction/{tail}"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_lead_adds_renames_and_removes_a_group_in_the_form_builder(review, lead, client_for):
    client = client_for(lead)
    page = client.get(_url(review, "form/")).content.decode()
    assert "Participant groups" in page and "define a participant group above" not in page  # no form yet
    response = client.post(_url(review, "form/groups/add/"), {"name": "HCPs"}, headers=HTMX)
    body = response.content.decode()
    assert "<html" not in body and "Participant group added." in body and 'value="HCPs"' in body
    group = ParticipantGroup.objects.get(review=review)

    response = client.post(_url(review, "form/groups/rename/"), {"group": group.pk, "name": "clinicians"})
    assert response.status_code == 302
    assert ParticipantGroup.objects.get(pk=group.pk).name == "clinicians"

    response = client.post(_url(review, "form/groups/add/"), {"name": "Clinicians"}, headers=HTMX)
    assert "The review already has a group called “Clinicians”." in response.content.decode()

    response = client.post(_url(review, "form/groups/remove/"), {"group": group.pk}, headers=HTMX)
    assert "“clinicians” removed." in response.content.decode()
    assert not ParticipantGroup.objects.filter(review=review).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="extraction.group_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["extraction.group_add", "extraction.group_rename", "extraction.group_remove"]


def test_removing_a_group_a_field_counts_is_refused_with_the_reason(review, owner, fields, client_for):
    counting_fields(review, owner, fields)
    group = ParticipantGroup.objects.get(review=review, name="HCPs")
    response = client_for(owner).post(_url(review, "form/groups/remove/"), {"group": group.pk}, headers=HTMX)
    body = response.content.decode()
    assert f"“HCPs” is counted by “{HCP}”" in body and "removed." not in body
    assert ParticipantGroup.objects.filter(pk=group.pk).exists()


def test_a_group_of_another_review_is_not_found(review, owner, client_for):
    from tests.factories import review_with_team

    other = review_with_team(slug="other-review", team={"owner": owner})
    elsewhere = services.participant_group_create(review=other, actor=owner, name="HCPs")
    client = client_for(owner)
    assert client.post(_url(review, "form/groups/remove/"), {"group": elsewhere.pk}).status_code == 404
    assert (
        client.post(_url(review, "form/groups/rename/"), {"group": elsewhere.pk, "name": "x"}).status_code
        == 404
    )
    assert ParticipantGroup.objects.get(pk=elsewhere.pk).name == "HCPs"


@pytest.mark.parametrize("tail", ["form/groups/add/", "form/groups/rename/", "form/groups/remove/"])
def test_a_reviewer_cannot_change_the_groups(review, owner, second_reviewer, client_for, tail):
    group = services.participant_group_create(review=review, actor=owner, name="HCPs")
    response = client_for(second_reviewer).post(_url(review, tail), {"group": group.pk, "name": "Mine"})
    assert response.status_code == 403
    assert list(ParticipantGroup.objects.values_list("name", flat=True)) == ["HCPs"]


def test_a_number_field_is_marked_as_counting_a_group_in_the_builder(review, owner, fields, client_for):
    group = services.participant_group_create(review=review, actor=owner, name="patients")
    client = client_for(owner)
    page = client.get(_url(review, "form/")).content.decode()
    assert f'<option value="{group.pk}">patients</option>' in page
    field = fields["Number of participants"]
    data = {"label": field.label, "field_type": "integer", "group": group.pk}
    response = client.post(_url(review, f"form/fields/{field.pk}/edit/"), data, headers=HTMX)
    body = response.content.decode()
    assert "counts: patients" in body and f'<option value="{group.pk}" selected>patients</option>' in body
    assert FormField.objects.get(pk=field.pk).group == group
    assert "Counted by Number of participants" in body

    # A text field cannot count it; the builder says so and keeps the field as it was.
    setting = fields["Healthcare setting / sector"]
    data = {"label": setting.label, "field_type": "short_text", "group": group.pk}
    response = client.post(_url(review, f"form/fields/{setting.pk}/edit/"), data, headers=HTMX)
    assert services.FIELD_GROUP_NOT_NUMBER in response.content.decode()
    assert FormField.objects.get(pk=setting.pk).group is None


def test_a_group_removed_meanwhile_is_reported_not_raised(review, owner, fields, client_for):
    group = services.participant_group_create(review=review, actor=owner, name="patients")
    gone = group.pk
    services.participant_group_remove(group=group, actor=owner)
    field = fields["Number of participants"]
    data = {"label": field.label, "field_type": "integer", "group": gone}
    response = client_for(owner).post(_url(review, f"form/fields/{field.pk}/edit/"), data, headers=HTMX)
    assert services.FIELD_GROUP_GONE in response.content.decode()
    assert FormField.objects.get(pk=field.pk).group is None


def _reconciled(review, owner, lead, reviewer, second_reviewer, studies, fields, numbers):
    for study, (hcps, patients) in zip(studies, numbers, strict=False):
        for person in (reviewer, second_reviewer):
            extract(review, study, person, fields, {HCP: hcps, PATIENTS: patients}, submit=True)
        choices = {field.pk: {"source": "agreed", "version": 0} for field in fields.values()}
        services.extraction_reconcile(review=review, record=study, lead=lead, choices=choices)


def test_without_groups_the_pages_say_only_how_many_studies(review, owner, lead, studies, fields, client_for):
    client = client_for(lead)
    studies_page = _text(client.get(_url(review)).content.decode())
    assert "3 included studies · 0 reconciled" in studies_page
    assert "involving" not in studies_page and "HCP" not in studies_page and "patients" not in studies_page
    overview = _text(client.get(f"/r/{review.slug}/").content.decode())
    assert "3 included studies (0 reconciled)" in overview
    assert "involving" not in overview


def test_with_groups_the_pages_name_each_group_and_its_total(
    review, owner, lead, reviewer, second_reviewer, studies, fields, client_for
):
    fields = counting_fields(review, owner, fields)
    # By hand: 18 + 30 = 48 HCPs, 6 + 9 = 15 patients over the two studies reconciled.
    _reconciled(review, owner, lead, reviewer, second_reviewer, studies, fields, [("18", "6"), ("30", "9")])
    client = client_for(lead)
    studies_page = _text(client.get(_url(review)).content.decode())
    assert "3 studies involving 48 HCPs and 15 patients · 2 reconciled" in studies_page
    overview = _text(client.get(f"/r/{review.slug}/").content.decode())
    assert (
        "3 studies involving 48 HCPs and 15 patients (2 reconciled; totals from reconciled data)" in overview
    )

    services.participant_group_create(review=review, actor=owner, name="carers")
    studies_page = _text(client.get(_url(review)).content.decode())
    assert "3 studies involving 48 HCPs, 15 patients and 0 carers · 2 reconciled" in studies_page
