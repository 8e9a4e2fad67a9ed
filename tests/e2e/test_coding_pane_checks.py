"""Coding pages in a real browser: in the reading pane a selection of blank space opens no panel, and a save
refused for want of a quote says so where the coder is looking, not at the top of a panel scrolled out of
sight; on a phone the list of studies scrolls inside its table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coding.models import Excerpt
from coding.services.excerpts import EXCERPT_NEEDS_PASSAGE
from tests.coding.helpers import code_excerpt, coded_studies, text_read
from tests.e2e.conftest import open_as


@pytest.fixture
def study(review, owner, reviewer, second_reviewer, settings, tmp_path):
    """A study to code, with its text read from a PDF."""
    settings.MEDIA_ROOT = tmp_path
    study = coded_studies(review, owner, [reviewer, second_reviewer], count=1)[0]
    text_read(review, study, owner)
    return study


def _select_line_break(page: Page) -> None:
    """Select only the first line break of the text, as a double click past a line's end does."""
    page.evaluate(
        """() => {
          for (const el of document.querySelectorAll('.page-text')) {
            const node = el.firstChild; const at = node ? node.textContent.indexOf('\\n') : -1;
            if (at < 0) continue;
            const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + 1);
            const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
            return;
          }
          throw new Error('no line break in the text');
        }"""
    )


def test_blank_space_opens_no_panel_and_an_empty_save_says_what_is_missing_in_view(
    live_server, new_page, review, reviewer, study
):
    page = open_as(new_page, live_server, reviewer, f"/r/{review.slug}/coding/{study.pk}/")
    opened = []
    page.on(
        "request", lambda request: opened.append(request.url) if "/excerpts/new/" in request.url else None
    )
    panel = page.locator("#coding-panel")
    expect(panel.get_by_role("heading", name="Coding panel")).to_be_visible()

    _select_line_break(page)
    page.locator("#study-text").focus()
    page.keyboard.press("c")
    # Then type a quote in instead: by the time its panel is open, a panel for the blank space would have
    # been asked for first.
    page.keyboard.press("t")
    expect(panel.get_by_label("Quote")).to_be_visible()
    assert [url for url in opened if "start=" in url] == []

    panel.get_by_role("button", name="Save excerpt").click()
    error = page.locator("#panel-error")
    expect(error).to_have_text(EXCERPT_NEEDS_PASSAGE)
    expect(error).to_be_in_viewport()
    expect(panel.get_by_label("Quote")).to_have_attribute("aria-invalid", "true")

    assert not Excerpt.objects.exists()


def test_the_study_list_on_a_phone_scrolls_inside_its_table_not_the_page(
    live_server, new_page, review, lead, reviewer, second_reviewer, study
):
    for coder in (reviewer, second_reviewer):
        code_excerpt(review, study, coder, passage="Time pressure was the main barrier for nurses.")

    page = open_as(
        new_page, live_server, lead, f"/r/{review.slug}/coding/", viewport={"width": 390, "height": 844}
    )

    expect(page.locator("table.coding-studies")).to_contain_text("1 by bob")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
