"""The builder's per-field "Move" to another section: the owner or lead only, within their review."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import FormField
from reviews.models import AuditEvent
from tests.factories import review_with_team

HTMX = {"HX-Request": "true"}


def _url(review, field):
    return f"/r/{review.slug}/extraction/form/fields/{field.pk}/section/"


@pytest.fixture
def form(review, owner):
    """Two sections: "Design" with two fields, "Outcomes" with one."""
    design = services.form_section_create(review=review, actor=owner, title="Design")
    outcomes = services.form_section_create(review=review, actor=owner, title="Outcomes")
    fields = {
        label: services.form_field_create(section=section, actor=owner, label=label, field_type="short_text")
        for section, label in ((design, "Setting"), (design, "Sampling"), (outcomes, "Outcome"))
    }
    return {"design": design, "outcomes": outcomes, **fields}


def _section_of(field) -> str:
    return FormField.objects.select_related("section").get(pk=field.pk).section.title


def test_the_builder_offers_the_other_sections_for_each_field(review, lead, form, client_for):
    page = client_for(lead).get(f"/r/{review.slug}/extraction/form/").content.decode()
    assert f'action="{_url(review, form["Setting"])}"' in page
    assert (
        '<label for="move-section-{}" class="visually-hidden">Move Setting to section</label>'.format(
            form["Setting"].pk
        )
        in page
    )
    setting_select = page.split(f'id="move-section-{form["Setting"].pk}">')[1].split("</select>")[0]
    assert "Outcomes" in setting_select and "Design" not in setting_select


def test_a_one_section_form_has_no_move_control(review, lead, client_for):
    section = services.form_section_create(review=review, actor=lead, title="Only")
    services.form_field_create(section=section, actor=lead, label="One", field_type="short_text")
    assert "move-section" not in client_for(lead).get(f"/r/{review.slug}/extraction/form/").content.decode()


def test_the_lead_moves_a_field_with_htmx(review, lead, form, client_for):
    response = client_for(lead).post(
        _url(review, form["Setting"]), {"section": form["outcomes"].pk}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="builder"' in body
    assert "“Setting” moved to Outcomes." in body
    assert _section_of(form["Setting"]) == "Outcomes"
    assert list(form["outcomes"].fields.order_by("position").values_list("label", flat=True)) == [
        "Outcome",
        "Setting",
    ]
    assert AuditEvent.objects.filter(action="extraction.field_move_section", actor=lead).count() == 1


def test_the_owner_moves_a_field_without_javascript(review, owner, form, client_for):
    client = client_for(owner)
    response = client.post(_url(review, form["Outcome"]), {"section": form["design"].pk})
    assert response.status_code == 302 and response["Location"] == f"/r/{review.slug}/extraction/form/"
    assert "“Outcome” moved to Design." in client.get(response["Location"]).content.decode()
    assert _section_of(form["Outcome"]) == "Design"


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("reviewer", 403)])
def test_people_who_do_not_build_the_form_cannot_move_fields(review, form, client_for, request, who, status):
    response = client_for(request.getfixturevalue(who)).post(
        _url(review, form["Setting"]), {"section": form["outcomes"].pk}
    )
    assert response.status_code == status
    assert _section_of(form["Setting"]) == "Design"


def test_a_section_of_another_review_is_not_found(review, owner, lead, form, client_for):
    other = review_with_team(slug="other-review", team={"owner": owner})
    elsewhere = services.form_section_create(review=other, actor=owner, title="Elsewhere")
    for headers in ({}, HTMX):
        response = client_for(lead).post(
            _url(review, form["Setting"]), {"section": elsewhere.pk}, headers=headers
        )
        assert response.status_code == 404
    assert _section_of(form["Setting"]) == "Design"
    assert not elsewhere.fields.exists()


def test_a_field_of_another_review_is_not_found(review, owner, lead, form, client_for):
    other = review_with_team(slug="other-review", team={"owner": owner})
    section = services.form_section_create(review=other, actor=owner, title="Elsewhere")
    foreign = services.form_field_create(
        section=section, actor=owner, label="Theirs", field_type="short_text"
    )
    response = client_for(lead).post(_url(review, foreign), {"section": form["outcomes"].pk})
    assert response.status_code == 404
    assert _section_of(foreign) == "Elsewhere"


@pytest.mark.parametrize("data", [{}, {"section": "design"}], ids=["missing", "not-a-number"])
def test_a_missing_section_is_a_message_not_an_error(review, lead, form, client_for, data):
    response = client_for(lead).post(_url(review, form["Setting"]), data, headers=HTMX)
    assert response.status_code == 200 and services.FIELD_MOVE_NEEDS_SECTION in response.content.decode()
    assert _section_of(form["Setting"]) == "Design"


def test_it_requires_post(review, lead, form, client_for):
    assert client_for(lead).get(_url(review, form["Setting"])).status_code == 405
