"""The coding panel refuses an excerpt with nothing to quote: no passage selected (or one of blank space only)
and no quote typed in. The form and the service ask for the same minimum, and say what is missing."""

from __future__ import annotations

from django.urls import reverse

from coding.forms import ExcerptForm
from coding.models import CodingAssignment, Excerpt
from coding.services.excerpts import EXCERPT_BLANK_PASSAGE, EXCERPT_NEEDS_PASSAGE
from tests.coding.helpers import text_of

HTMX = {"HX-Request": "true"}


def _new_url(review, study, **query) -> str:
    url = reverse("coding:excerpt_new", args=[review.slug, study.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _line_break(study) -> tuple[int, int]:
    """The offsets of the first line break in the study's text: what a double click past a line's end
    selects."""
    start = text_of(study).index("\n")
    return start, start + 1


def test_saving_an_empty_panel_is_refused_with_what_is_missing(review, study, reviewer, client_for):
    response = client_for(reviewer).post(_new_url(review, study), {"quote": "", "note": ""}, headers=HTMX)

    body = response.content.decode()
    assert EXCERPT_NEEDS_PASSAGE in body and 'id="coding-panel"' in body and "<html" not in body
    # The quote box is the field that is missing, and it is told so.
    assert 'id="id_quote" rows="3" aria-invalid="true" aria-describedby="panel-error"' in body
    assert 'id="panel-error"' in body
    assert not Excerpt.objects.exists()
    assert not CodingAssignment.objects.exists()


def test_saving_an_empty_panel_without_htmx_is_refused_on_the_page(review, study, reviewer, client_for):
    response = client_for(reviewer).post(_new_url(review, study), {"quote": "   "})

    assert response.status_code == 422 and EXCERPT_NEEDS_PASSAGE in response.content.decode()
    assert not Excerpt.objects.exists()


def test_a_selection_of_blank_space_is_refused_and_nothing_is_saved(review, study, reviewer, client_for):
    start, end = _line_break(study)

    response = client_for(reviewer).post(_new_url(review, study), {"start": start, "end": end}, headers=HTMX)

    body = response.content.decode()
    assert EXCERPT_BLANK_PASSAGE in body
    assert not Excerpt.objects.exists()
    # The panel now asks for a quote to be typed in, and no longer sends the blank place with it.
    assert 'id="id_quote"' in body and 'name="start"' not in body


def test_the_panel_opened_on_blank_space_asks_for_a_typed_quote(review, study, reviewer, client_for):
    start, end = _line_break(study)

    panel = client_for(reviewer).get(_new_url(review, study, start=start, end=end), headers=HTMX)

    body = panel.content.decode()
    assert 'id="id_quote"' in body and '<blockquote class="quote">' not in body


def test_a_quote_that_is_too_long_is_refused_naming_the_quote(review, study, reviewer, client_for):
    response = client_for(reviewer).post(_new_url(review, study), {"quote": "x" * 20001}, headers=HTMX)

    assert "Quote: Ensure this value has at most 20000 characters" in response.content.decode()
    assert not Excerpt.objects.exists()


def test_the_form_asks_for_what_the_service_asks_for():
    nothing = ExcerptForm({"quote": "  ", "note": "a note alone"})
    passage = ExcerptForm({"start": 3, "end": 9})
    typed = ExcerptForm({"quote": "Nurses lacked private rooms."})

    assert not nothing.is_valid() and nothing.errors["quote"] == [EXCERPT_NEEDS_PASSAGE]
    assert nothing.refusal == EXCERPT_NEEDS_PASSAGE
    assert passage.is_valid() and typed.is_valid()
