"""Qualitative coding in a real browser: two blind coders, the lead's reconciliation, the live synthesis.

One study is included at full text with a PDF that has a text layer (made here). bob opens its reading pane,
selects a passage with the mouse, creates a code under a new theme, maps it to Environmental Context and
Resources, barrier, HCP, and sees his own synthesis table and chart update. carol, coding the same study in
her own browser, sees none of bob's work; she selects the same passage with the keyboard and codes it too.
Both mark the study done; alice opens the reconciliation, merges the unit, and the final synthesis counts
the reconciled unit once.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from coding.models import Excerpt
from lib.simple_pdf import text_pdf
from reviews.models import Membership, Role
from reviews.services import membership_change_roles
from screening.models import Stage
from screening.services import full_text_upload
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.screening.helpers import decide, records_to_screen

SLUG = "tdf-review"
PASSAGE = "Staff shortages meant nurses had no time to assess pain properly."
PAGES = [
    "Background. Chronic pain is common among older people in care homes.\n"
    "Methods. We interviewed 24 nurses and 12 residents in six care homes.",
    "Results. " + PASSAGE + "\nResidents said they did not like to complain about pain.\n"
    "Training sessions gave nurses confidence to use pain scales.",
]
ECR = "Environmental Context and Resources"
SHOTS = "/tmp/e2e-coding-{}.png"


def _setup(live_server):
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    review = review_with_team(
        slug=SLUG, title="Pain in care homes", team={"owner": alice, "reviewer": [bob, carol]}
    )
    membership_change_roles(
        actor=alice,
        membership=Membership.objects.get(review=review, user=alice),
        roles={Role.OWNER, Role.LEAD},
    )
    study = records_to_screen(review, alice, count=1, prefix="Care home pain")[0]
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        for person in (bob, carol):
            decide(review, study, person, "include", stage=stage)
    full_text_upload(
        review=review,
        record=study,
        actor=alice,
        uploaded=SimpleUploadedFile("care-homes.pdf", text_pdf(PAGES)),
    )
    return review, study


def _select_with_mouse(page: Page, passage: str) -> None:
    """Drag across the passage as a person would: from the left edge of its first character to the right
    edge of its last."""
    box = page.evaluate(
        """(passage) => {
          for (const el of document.querySelectorAll('.page-text')) {
            const node = el.firstChild; const at = node ? node.textContent.indexOf(passage) : -1;
            if (at < 0) continue;
            const first = document.createRange(); first.setStart(node, at); first.setEnd(node, at + 1);
            const last = document.createRange(); last.setStart(node, at + passage.length - 1); last.setEnd(node, at + passage.length);
            const a = first.getBoundingClientRect(), b = last.getBoundingClientRect();
            return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
          }
          return null;
        }""",
        passage,
    )
    assert box, f"{passage!r} is not in the reading pane"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def _select_with_keyboard(page: Page, passage: str) -> None:
    """What caret browsing does with Shift and the arrow keys: a selection, then the key c."""
    page.evaluate(
        """(passage) => {
          for (const el of document.querySelectorAll('.page-text')) {
            const node = el.firstChild; const at = node ? node.textContent.indexOf(passage) : -1;
            if (at < 0) continue;
            const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + passage.length);
            const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
          }
        }""",
        passage,
    )
    page.locator("#study-text").focus()
    page.keyboard.press("c")


def _code_passage(page: Page, *, code: str = "", theme: str = "") -> None:
    panel = page.locator("#coding-panel")
    expect(panel.get_by_role("heading", name="New excerpt")).to_be_visible()
    expect(panel.locator("blockquote.quote")).to_contain_text("Staff shortages")
    panel.get_by_role("radio", name="Barrier").check()
    panel.get_by_role("radio", name="HCP").check()
    panel.get_by_role("checkbox", name=ECR).check()
    if code:
        panel.get_by_label("Add a code").fill(code)
        panel.get_by_label("under theme").fill(theme)
    panel.get_by_role("button", name="Save excerpt").click()
    expect(page.get_by_role("status").filter(has_text="Excerpt saved.")).to_be_visible()


def test_two_blind_coders_the_leads_reconciliation_and_the_synthesis(live_server, page: Page, new_page):
    review, study = _setup(live_server)
    pane = f"{live_server.url}/r/{SLUG}/coding/{study.pk}/"

    # bob: from the coding page to the study's reading pane, whose text was read from the PDF.
    login(page, live_server, "bob", TEST_PASSWORD)
    page.get_by_role("link", name="Pain in care homes").click()
    page.get_by_role("link", name="Coding", exact=True).click()
    page.get_by_role("link", name=study.authors[0].split(",")[0], exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coding:")
    expect(page.locator(".page-text").nth(1)).to_contain_text(PASSAGE)
    _select_with_mouse(page, PASSAGE)
    _code_passage(page, code="Staff shortages", theme="Resources")
    mark = page.locator("mark.excerpt")
    expect(mark).to_have_count(1)
    expect(mark).to_contain_text("Staff shortages meant nurses had no time")
    bobs = Excerpt.objects.get(coder__username="bob")
    assert bobs.quote.strip(" .") in PASSAGE and len(bobs.quote) > len(PASSAGE) - 4
    assert bobs.codes.get().parent.name == "Resources"
    page.screenshot(path=SHOTS.format("1-bob-pane"), full_page=True)

    # Clicking the highlight opens the excerpt; bob's own synthesis shows it in the table and the chart.
    mark.click()
    expect(page.locator("#coding-panel").get_by_role("heading", name="Excerpt by bob")).to_be_visible()
    page.goto(f"{live_server.url}/r/{SLUG}/coding/synthesis/?coder=bob")
    ecr_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=ECR))
    expect(ecr_row).to_contain_text("1 (100.0%)")
    expect(page.get_by_role("img", name=f"{ECR}, Barrier: 1; HCP 1")).to_be_visible()
    page.screenshot(path=SHOTS.format("2-bob-synthesis"), full_page=True)

    # carol, blind to bob: no highlight, no excerpt, nothing in the final synthesis.
    carol = new_page()
    login(carol, live_server, "carol", TEST_PASSWORD)
    carol.goto(pane)
    expect(carol.locator(".page-text").nth(1)).to_contain_text(PASSAGE)
    expect(carol.locator("mark")).to_have_count(0)
    expect(carol.get_by_role("heading", name="Excerpts (0)")).to_be_visible()
    assert "bob" not in carol.locator("#workspace").inner_text()
    _select_with_keyboard(carol, PASSAGE)
    _code_passage(carol, code="Staff shortages")
    expect(carol.locator("mark.excerpt")).to_have_count(1)
    carol.get_by_role("button", name="Mark this study done").click()
    expect(carol.get_by_text("You marked it done")).to_be_visible()
    carol.goto(f"{live_server.url}/r/{SLUG}/coding/synthesis/")
    expect(carol.get_by_text("0 coded items from 0 excerpts", exact=False)).to_be_visible()
    carol.screenshot(path=SHOTS.format("3-carol-synthesis"), full_page=True)

    page.goto(pane)
    page.get_by_role("button", name="Mark this study done").click()
    expect(page.get_by_text("You marked it done")).to_be_visible()

    # alice reconciles: the two excerpts are one unit; she merges them and marks the study reconciled.
    alice = new_page()
    login(alice, live_server, "alice", TEST_PASSWORD)
    alice.goto(f"{live_server.url}/r/{SLUG}/coding/")
    expect(alice.get_by_text("bob: done")).to_be_visible()
    alice.get_by_role("link", name="Reconcile", exact=False).click()
    alice.get_by_role("button", name="Open the reconciliation").click()
    unit = alice.get_by_role("region", name="Unit 1")
    expect(unit).to_contain_text("bob")
    expect(unit).to_contain_text("carol")
    alice.screenshot(path=SHOTS.format("4-alice-reconcile"), full_page=True)
    unit.get_by_role("button", name="Merge both").click()
    expect(alice.get_by_role("status").filter(has_text="0 units still to reconcile")).to_be_visible()
    alice.get_by_role("button", name="Mark the study reconciled").click()
    expect(alice.get_by_text("is reconciled")).to_be_visible()

    # The final synthesis counts the reconciled unit once.
    alice.goto(f"{live_server.url}/r/{SLUG}/coding/synthesis/")
    expect(alice.get_by_text("1 coded item from 1 excerpt", exact=False)).to_be_visible()
    ecr_row = alice.get_by_role("row").filter(has=alice.get_by_role("rowheader", name=ECR))
    expect(ecr_row).to_contain_text("1 (100.0%)")
    alice.get_by_role("link", name="Themes").click()
    expect(alice.get_by_role("rowheader", name="Resources theme")).to_be_visible()
    alice.screenshot(path=SHOTS.format("5-alice-synthesis"), full_page=True)
    final = Excerpt.objects.get(coder__isnull=True, record=study)
    assert final.is_final and [domain.name for domain in final.domains.all()] == [ECR]
