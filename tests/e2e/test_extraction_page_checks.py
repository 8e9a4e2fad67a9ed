"""The extraction page in a real browser: a choice left empty is bordered as a text box left empty is, and
on a wide screen the PDF stays whole in view however far down the form the reviewer is."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from lib.simple_pdf import text_pdf
from screening.services import full_text_upload
from tests.e2e.conftest import open_as
from tests.extraction.helpers import included_studies, starter_form

PAGES = ["Methods. We interviewed 24 nurses in six care homes.", "Results. Time pressure was the barrier."]


@pytest.fixture
def study(review, owner, reviewer, second_reviewer, settings, tmp_path):
    """An included study with its PDF, and the starting extraction form."""
    settings.MEDIA_ROOT = tmp_path
    studies = included_studies(review, owner, [reviewer, second_reviewer], count=1)
    starter_form(review, owner)
    full_text_upload(
        review=review,
        record=studies[0],
        actor=owner,
        uploaded=SimpleUploadedFile("study.pdf", text_pdf(PAGES)),
    )
    return studies[0]


def _path(review, study) -> str:
    return f"/r/{review.slug}/extraction/{study.pk}/"


def _border(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).borderTopColor")


def test_an_empty_choice_is_bordered_as_an_empty_text_box_is(live_server, new_page, review, reviewer, study):
    page = open_as(new_page, live_server, reviewer, _path(review, study))
    design, aims = page.get_by_label("Study design"), page.get_by_label("Aims")
    untouched = _border(design)

    page.get_by_role("button", name="Submit extraction").click()

    expect(design).to_have_attribute("aria-invalid", "true")
    expect(design).to_have_accessible_description("This field is required to submit.")
    assert _border(design) == _border(aims) != untouched
    assert _border(page.get_by_label("Country")) == _border(aims)


def test_on_a_wide_screen_the_pdf_stays_whole_in_view_down_the_form(
    live_server, new_page, review, reviewer, study
):
    # Wide but short, as a laptop's window can be: the viewer fits in it rather than running off its foot.
    height = 560
    page = open_as(
        new_page, live_server, reviewer, _path(review, study), viewport={"width": 1280, "height": height}
    )
    viewer = page.locator(".extract-pdf")
    page.locator("#extract-form fieldset.extract-section").nth(1).evaluate(
        "section => section.scrollIntoView()"
    )
    form = page.locator("#extract-form").bounding_box()
    assert form["y"] < 0 and form["y"] + form["height"] > height  # well down a form longer than the window

    box = viewer.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height
    expect(viewer.get_by_role("link", name="Download study.pdf")).to_be_in_viewport()
    assert page.locator("iframe.pdf").bounding_box()["height"] > 300


def test_on_a_narrow_screen_the_pdf_comes_before_the_form(live_server, new_page, review, reviewer, study):
    page = open_as(
        new_page, live_server, reviewer, _path(review, study), viewport={"width": 800, "height": 900}
    )
    viewer = page.locator(".extract-pdf")

    assert viewer.evaluate("element => getComputedStyle(element).position") == "static"
    pdf, form = viewer.bounding_box(), page.locator("#extract-form").bounding_box()
    assert pdf["y"] + pdf["height"] <= form["y"]
