"""The "Reopen to edit" button: only the extraction's own reviewer, until the lead begins reconciling."""

from __future__ import annotations

import re

import pytest

from extraction import services
from extraction.models import Extraction
from extraction.views.extract import REOPENED
from tests.extraction.helpers import extract, included_studies, starter_form

HTMX = {"HX-Request": "true"}
SECRET = "BOB-SECRET-FINDING"


def _url(review, study, tail=""):
    return f"/r/{review.slug}/extraction/{study.pk}/{tail}"


@pytest.fixture
def bobs_submission(review, reviewer, studies, fields):
    return extract(
        review, studies[0], reviewer, fields, {"Country": "Norway", "Key findings": SECRET}, submit=True
    )


def _status(reviewer) -> str:
    return Extraction.objects.get(reviewer=reviewer).status


def test_the_submitted_page_has_the_button_and_the_draft_page_does_not(
    review, reviewer, studies, fields, bobs_submission, client_for
):
    client = client_for(reviewer)
    page = client.get(_url(review, studies[0])).content.decode()
    assert "Reopen to edit" in page and f'action="{_url(review, studies[0], "reopen/")}"' in page
    assert "csrfmiddlewaretoken" in page
    extract(review, studies[1], reviewer, fields)
    assert "Reopen to edit" not in client.get(_url(review, studies[1])).content.decode()


def test_the_reviewer_reopens_with_htmx_and_gets_the_draft_form_back(
    review, reviewer, studies, bobs_submission, client_for
):
    response = client_for(reviewer).post(_url(review, studies[0], "reopen/"), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert REOPENED in body and "Submit extraction" in body and 'value="Norway" selected' in body
    assert f">{SECRET}</textarea>" in body
    assert _status(reviewer) == "draft"


def test_the_reviewer_reopens_without_javascript(review, reviewer, studies, bobs_submission, client_for):
    client = client_for(reviewer)
    response = client.post(_url(review, studies[0], "reopen/"))
    assert response.status_code == 302 and response["Location"] == _url(review, studies[0])
    page = client.get(response["Location"]).content.decode()
    assert REOPENED in page and "Submit extraction" in page and "Reopen to edit" not in page
    assert _status(reviewer) == "draft"


def test_it_requires_post(review, reviewer, studies, bobs_submission, client_for):
    assert client_for(reviewer).get(_url(review, studies[0], "reopen/")).status_code == 405
    assert _status(reviewer) == "submitted"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_other_reviewer_is_refused_and_bobs_extraction_stays_submitted(
    review, reviewer, second_reviewer, studies, bobs_submission, client_for, htmx
):
    response = client_for(second_reviewer).post(
        _url(review, studies[0], "reopen/"), headers=HTMX if htmx else {}
    )
    body = response.content.decode()
    assert response.status_code == (200 if htmx else 409)
    assert services.REOPEN_NOT_SUBMITTED in body and ("<html" in body) is not htmx
    assert SECRET not in body and "bob" not in body
    assert _status(reviewer) == "submitted"


@pytest.mark.parametrize("who", ["outsider", "lead", "owner"])
def test_people_who_do_not_extract_cannot_reopen(
    review, reviewer, studies, bobs_submission, client_for, request, who
):
    response = client_for(request.getfixturevalue(who)).post(_url(review, studies[0], "reopen/"))
    assert response.status_code == (404 if who == "outsider" else 403)
    assert _status(reviewer) == "submitted"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_once_the_lead_has_begun_reconciling_the_reviewer_is_told_to_ask_them(
    review, lead, reviewer, second_reviewer, studies, fields, bobs_submission, client_for, htmx
):
    extract(review, studies[0], second_reviewer, fields, submit=True)
    services.extraction_reconcile(
        review=review,
        record=studies[0],
        lead=lead,
        choices={fields["Aims"].pk: {"source": "agreed", "version": 0}},
    )
    response = client_for(reviewer).post(_url(review, studies[0], "reopen/"), headers=HTMX if htmx else {})
    body = response.content.decode()
    assert response.status_code == (200 if htmx else 409)
    assert services.REOPEN_RECONCILING in body and "You submitted this extraction" in body
    assert _status(reviewer) == "submitted"


def test_the_lead_sees_a_reopened_study_waiting_again(
    review, lead, reviewer, second_reviewer, studies, fields, bobs_submission, client_for
):
    extract(review, studies[0], second_reviewer, fields, submit=True)
    lead_client = client_for(lead)
    reconcile = _url(review, studies[0], "reconcile/")
    assert f'href="{reconcile}"' in lead_client.get(f"/r/{review.slug}/extraction/").content.decode()
    client_for(reviewer).post(_url(review, studies[0], "reopen/"))
    page = lead_client.get(f"/r/{review.slug}/extraction/").content.decode()
    assert f'href="{reconcile}"' not in page and "bob: draft" in page
    assert "Both extractions must be submitted" in lead_client.get(reconcile).content.decode()


# --- Blinding: carol's pages and refusals are the same whatever bob has done ------------------------------

BOB_STATES = ("nothing", "draft", "submitted", "reopened")


def _bob_does(review, study, reviewer, fields, state: str) -> None:
    if state != "nothing":
        extract(review, study, reviewer, fields, {"Key findings": "BOB-SECRET"}, submit=state != "draft")
    if state == "reopened":
        services.extraction_reopen(review=review, record=study, reviewer=reviewer)


def _extract_form(body: str, study) -> str:
    """carol's extraction section, without what differs by study or render (ids, CSRF tokens, clock)."""
    section = re.search(r'<section id="extract-form".*?</section>', body, re.S).group(0)
    section = re.sub(r'(csrfmiddlewaretoken" value=)"[^"]+"', r"\1-", section)
    section = re.sub(r"\b\d{1,2} \w{3}( \d{4})?, \d{2}:\d{2}\b", "-", section)
    return section.replace(f"/{study.pk}/", "/ID/")


@pytest.mark.parametrize("carols_state", ["nothing", "draft", "submitted"])
def test_carols_page_and_refusals_do_not_depend_on_what_bob_has_done(
    review, owner, reviewer, second_reviewer, client_for, carols_state
):
    four = included_studies(review, owner, [reviewer, second_reviewer], count=4)
    fields = starter_form(review, owner)
    for study, bob_state in zip(four, BOB_STATES, strict=True):
        _bob_does(review, study, reviewer, fields, bob_state)
        if carols_state != "nothing":
            extract(review, study, second_reviewer, fields, submit=carols_state == "submitted")
    client = client_for(second_reviewer)
    seen: dict[str, set[str]] = {"page": set(), "refusal": set(), "refusal-htmx": set()}
    for study in four:
        seen["page"].add(_extract_form(client.get(_url(review, study)).content.decode(), study))
        if carols_state == "submitted":
            continue  # her own reopen succeeds: that is covered above
        refusal = client.post(_url(review, study, "reopen/"))
        assert refusal.status_code == 409
        seen["refusal"].add(_extract_form(refusal.content.decode(), study))
        refusal = client.post(_url(review, study, "reopen/"), headers=HTMX)
        seen["refusal-htmx"].add(_extract_form(refusal.content.decode(), study))
    assert ("Reopen to edit" in next(iter(seen["page"]))) is (carols_state == "submitted")
    for kind, bodies in seen.items():
        assert len(bodies) <= 1, f"carol's {kind} differs with what bob has done"
        assert not any("BOB-SECRET" in body or "bob" in body for body in bodies)
