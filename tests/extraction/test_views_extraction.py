"""The extraction pages: who may do what, drafts and submissions through the page, reconciliation."""

from __future__ import annotations

import re

import pytest

from extraction.models import Extraction, FormField, ParticipantGroup, ReconciledValue
from tests.extraction.helpers import COMPLETE, extract


def _url(review, tail=""):
    return f"/r/{review.slug}/extraction/{tail}"


def _form_post(fields, values, action):
    data = {f"field_{fields[label].pk}": value for label, value in {**COMPLETE, **values}.items()}
    return {**data, "action": action}


@pytest.mark.parametrize(
    ("tail", "method"),
    [
        ("form/", "get"),
        ("form/starter/", "post"),
        ("form/sections/add/", "post"),
        ("form/groups/add/", "post"),
    ],
)
def test_a_reviewer_cannot_edit_the_form(review, second_reviewer, client_for, tail, method):
    response = getattr(client_for(second_reviewer), method)(
        _url(review, tail), {"title": "Mine", "starter": "qualitative", "name": "Mine"}
    )
    assert response.status_code == 403
    assert not FormField.objects.exists() and not ParticipantGroup.objects.exists()


def test_a_reviewer_cannot_reconcile(review, reviewer, second_reviewer, studies, fields, client_for):
    for person in (reviewer, second_reviewer):
        extract(review, studies[0], person, fields, submit=True)
    client = client_for(second_reviewer)
    assert client.get(_url(review, f"{studies[0].pk}/reconcile/")).status_code == 403
    data = {f"source_{fields['Aims'].pk}": "first", f"version_{fields['Aims'].pk}": "0"}
    assert client.post(_url(review, f"{studies[0].pk}/reconcile/"), data).status_code == 403
    assert not ReconciledValue.objects.exists()


def test_the_owner_builds_the_form_in_the_browser(review, owner, client_for):
    client = client_for(owner)
    response = client.post(
        _url(review, "form/starter/"), {"starter": "qualitative"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "Key findings" in body
    section = review.extraction_sections.order_by("position").first()
    response = client.post(
        _url(review, f"form/sections/{section.pk}/fields/add/"),
        {"label": "Funding", "field_type": "yes_no_unclear", "help_text": "Declared?", "group": ""},
    )
    assert response.status_code == 302
    funding = FormField.objects.get(label="Funding")
    client.post(
        _url(review, f"form/fields/{funding.pk}/edit/"),
        {"label": "Funding declared", "field_type": "yes_no_unclear", "is_required": "on"},
    )
    client.post(_url(review, f"form/fields/{funding.pk}/move/"), {"direction": "up"})
    funding.refresh_from_db()
    assert funding.label == "Funding declared" and funding.is_required
    page = client.get(_url(review, "form/")).content.decode()
    assert "Funding declared" in page and "Load the starting template" not in page
    assert "Phenomenology\nGrounded theory" in page  # the choices, one per line, ready to edit
    response = client.post(_url(review, f"form/fields/{funding.pk}/archive/"), headers={"HX-Request": "true"})
    assert "Archived fields (1)" in response.content.decode()


def test_a_builder_mistake_is_shown_not_raised(review, lead, client_for):
    client = client_for(lead)
    client.post(_url(review, "form/sections/add/"), {"title": "Outcomes"})
    section = review.extraction_sections.get()
    response = client.post(
        _url(review, f"form/sections/{section.pk}/fields/add/"),
        {"label": "Design", "field_type": "single_choice", "choices": "Only one"},
        headers={"HX-Request": "true"},
    )
    assert "at least two choices" in response.content.decode()


def test_a_reviewer_saves_a_draft_and_then_submits(review, reviewer, studies, fields, client_for):
    client = client_for(reviewer)
    page = client.get(_url(review, f"{studies[0].pk}/")).content.decode()
    assert "<textarea" in page and "Key findings" in page and "Norway" in page
    response = client.post(
        _url(review, f"{studies[0].pk}/"),
        _form_post(fields, {"Aims": ""}, "draft"),
        headers={"HX-Request": "true"},
    )
    assert "Draft saved" in response.content.decode()
    response = client.post(_url(review, f"{studies[0].pk}/"), _form_post(fields, {"Aims": ""}, "submit"))
    assert response.status_code == 422 and "required to submit" in response.content.decode()
    response = client.post(
        _url(review, f"{studies[0].pk}/"), _form_post(fields, {"Number of participants": "1890"}, "submit")
    )
    assert response.status_code == 302
    assert Extraction.objects.get(reviewer=reviewer).status == "submitted"
    page = client.get(_url(review, f"{studies[0].pk}/")).content.decode()
    assert "You submitted this extraction" in page and "1890" in page


def test_a_wrong_type_keeps_what_was_typed(review, reviewer, studies, fields, client_for):
    response = client_for(reviewer).post(
        _url(review, f"{studies[0].pk}/"),
        _form_post(fields, {"Number of participants": "nineteen"}, "draft"),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "Enter a whole number, such as 12." in body and 'value="nineteen"' in body


def test_a_study_not_included_has_no_extraction_page(review, owner, reviewer, fields, client_for):
    from tests.screening.helpers import records_to_screen

    record = records_to_screen(review, owner, count=1, prefix="Open")[-1]
    assert client_for(reviewer).get(_url(review, f"{record.pk}/")).status_code == 404


def test_the_lead_reconciles_and_a_stale_page_gets_a_clear_message(
    review, lead, reviewer, second_reviewer, studies, fields, client_for
):
    extract(review, studies[0], reviewer, fields, {"Country": "Norway"}, submit=True)
    extract(review, studies[0], second_reviewer, fields, {"Country": "Denmark"}, submit=True)
    client = client_for(lead)
    page = client.get(_url(review, f"{studies[0].pk}/reconcile/")).content.decode()
    assert "Differs" in page and "Agreed" in page and "Norway" in page and "Denmark" in page
    country, aims = fields["Country"].pk, fields["Aims"].pk
    data = {
        f"source_{country}": "consensus",
        f"consensus_{country}": "Multiple countries",
        f"version_{country}": "0",
        f"source_{aims}": "agreed",
        f"version_{aims}": "0",
    }
    response = client.post(_url(review, f"{studies[0].pk}/reconcile/"), data, headers={"HX-Request": "true"})
    assert "Reconciled values saved." in response.content.decode()
    assert ReconciledValue.objects.get(field_id=country).value == "Multiple countries"
    stale = client.post(
        _url(review, f"{studies[0].pk}/reconcile/"), {**data, f"consensus_{country}": "Norway"}
    )
    assert stale.status_code == 409 and "Someone else reconciled" in stale.content.decode()
    assert ReconciledValue.objects.get(field_id=country).value == "Multiple countries"
    studies_page = client.get(_url(review)).content.decode()
    assert "Agreement between extractors" in studies_page and "Cohen" in studies_page


def test_the_studies_page_shows_a_reviewer_their_own_status_only(
    review, reviewer, second_reviewer, studies, fields, client_for
):
    extract(review, studies[0], reviewer, fields)
    body = client_for(second_reviewer).get(_url(review)).content.decode()
    assert "bob" not in body and "Agreement between extractors" not in body
    assert body.count(">Extract<span") == 3
    assert "Continue" in client_for(reviewer).get(_url(review)).content.decode()


def _control(body: str, control_id: str) -> str:
    """The opening tag of the form control with this id."""
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{control_id}"[^>]*>', body)
    assert match, f"no control {control_id}"
    return match.group(0)


def test_a_choice_left_empty_is_marked_and_described_as_a_text_box_is(
    review, reviewer, studies, fields, client_for
):
    response = client_for(reviewer).post(
        _url(review, f"{studies[0].pk}/"),
        _form_post(fields, {"Study design": "", "Country": "", "Aims": ""}, "submit"),
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    for label, tag in (("Study design", "<select"), ("Country", "<select"), ("Aims", "<textarea")):
        field = fields[label]
        control = f"field-{field.pk}"
        described = f"{control}-help {control}-error" if field.help_text else f"{control}-error"
        opening = _control(body, control)
        assert opening.startswith(tag)
        assert 'aria-invalid="true"' in opening and f'aria-describedby="{described}"' in opening
        assert f'<p class="error" role="alert" id="{control}-error">' in body
    # An answered field is described by its help text alone.
    setting = fields["Healthcare setting / sector"]
    assert f'aria-describedby="field-{setting.pk}-help"' in _control(body, f"field-{setting.pk}")
