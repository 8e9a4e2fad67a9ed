"""Full-text screening in a real browser: two blind reviewers, a PDF beside the panel, then the lead.

Four records, included at title and abstract through the real services, are open at full text (bob
uploaded the third's PDF beforehand). bob uploads a draft as the PDF of the first, replaces it with the
right one from the same page, and includes it with the keyboard, marks the second as not retrievable,
tries to exclude the third without a reason (refused in the page), then excludes it and the fourth,
each with a reason from the review's list. carol, in her own browser context, sees the same PDF,
includes the first, excludes the third for a different reason (a conflict) and the fourth for the same
one; nothing of bob's may reach any page she is sent. alice (owner and lead, not a screener) sees both
reasons side by side on the full-text conflicts page, under stage tabs with their counts, opens the PDF
from the card, settles the record as excluded with one reason, and the overview then draws the
full-text outcome.
"""

from __future__ import annotations

import hashlib
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from playwright.sync_api import Locator, Page, Response, expect

from reviews.models import AuditEvent, Membership, Record
from reviews.services import membership_change_roles, review_update_settings
from screening.models import Decision, FullText, RecordStage, Stage
from screening.services import DECISION_NEEDS_REASON, full_text_upload
from tests.e2e.conftest import login
from tests.e2e.test_screening_flow import (
    KEYS,
    _collect_html,
    _is_decision_post,
    _press,
    _progress,
    _record_heading,
    _ris,
    _wait_for_htmx,
)
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file
from tests.screening.helpers import decide

SCREEN_SCREENSHOT = "/tmp/e2e-fulltext.png"
CONFLICTS_SCREENSHOT = "/tmp/e2e-fulltext-conflicts.png"
SLUG = "tdf-review"
STAGE_PATH = f"/r/{SLUG}/screen/full-text/"
RECORD_URL = re.compile(rf"{re.escape(STAGE_PATH)}(\d+)/$")
REASON_LABEL = "Reason for excluding"
REASONS = ["Wrong population", "Wrong intervention", "Wrong study design", "Not a primary study"]
PDF_NAME = "walking-groups-full-text.pdf"
DRAFT_PDF_NAME = "walking-groups-draft.pdf"
MISSING_NOTE = "Interlibrary loan declined; the authors did not reply"

TOPICS = [
    ("Walking groups for older adults with knee osteoarthritis", "Abbott, Ruth", "BMJ Open"),
    ("Peer support for new mothers with postnatal depression", "Dlamini, Sipho", "Midwifery"),
    ("Telehealth follow-up after cardiac surgery in rural hospitals", "Chen, Mei", "Heart"),
    ("School gardens and vegetable intake in primary pupils", "Eriksen, Tove", "Appetite"),
]

# By position in the shared full-text queue: (choice, reason). bob marks the second as not retrievable,
# which settles it, so carol never meets it.
BOB_PLAN = {1: ("include", ""), 3: ("exclude", "Wrong population"), 4: ("exclude", "Not a primary study")}
CAROL_PLAN = {1: ("include", ""), 3: ("exclude", "Wrong study design"), 4: ("exclude", "Not a primary study")}
LEAD_REASON = "Wrong study design"


def _minimal_pdf(text: bytes = b"Walking groups: full text") -> bytes:
    """A small, well-formed one-page PDF (its cross-reference offsets are counted, not guessed)."""
    stream = b"BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _record_id(page: Page) -> int:
    match = RECORD_URL.search(page.url)
    assert match, f"not on a record's full-text screening page: {page.url}"
    return int(match.group(1))


def _panel(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Your decision")


def _open_full_text_screening(page: Page) -> None:
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Screen full texts").click()
    expect(page).to_have_url(RECORD_URL)
    expect(page.get_by_role("heading", name="Full text screening", level=1)).to_be_visible()
    _wait_for_htmx(page)


def _decide(page: Page, record_id: int, choice: str, reason: str) -> Response:
    """Choose the reason (if any) from the list and, the list still focused, press the choice's key."""
    if reason:
        reasons = _panel(page).get_by_label(REASON_LABEL)
        reasons.select_option(reason)
        reasons.focus()
    return _press(page, KEYS[choice], f"/{record_id}/decide/")


def _full_text_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Full text screening")


def _legend(page: Page) -> list[str]:
    items = _full_text_section(page).locator("ul.legend > li").all_inner_texts()
    return [text.strip() for text in items]


def _open_overview(page: Page, live_server) -> None:
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Overview").click()
    expect(page).to_have_url(f"{live_server.url}/r/{SLUG}/")
    expect(_full_text_section(page)).to_be_visible()


def _outside_options(html: str) -> str:
    """The page without its <option> elements: the reason list itself names every reason."""
    return re.sub(r"<option\b[^>]*>.*?</option>", "", html, flags=re.S)


def _assert_beside(left: Locator, right: Locator) -> None:
    """``left`` sits to the left of ``right``, their tops level with each other within a few pixels."""
    left_box, right_box = left.bounding_box(), right.bounding_box()
    assert left_box and right_box, "not laid out"
    assert left_box["x"] + left_box["width"] <= right_box["x"], (left_box, right_box)
    assert left_box["y"] < right_box["y"] + right_box["height"], (left_box, right_box)
    assert right_box["y"] < left_box["y"] + left_box["height"], (left_box, right_box)


def _stage_statuses(review) -> dict[int, tuple[str, str]]:
    rows = RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT)
    return {row.record_id: (row.status, row.exclusion_reason) for row in rows}


def _full_text_decisions(review) -> dict[tuple[str, int], tuple[str, str]]:
    decisions = Decision.objects.filter(review=review, stage=Stage.FULL_TEXT).select_related("reviewer")
    return {(d.reviewer.username, d.record_id): (d.choice, d.reason) for d in decisions}


def test_two_blind_reviewers_screen_full_texts_and_the_lead_resolves_a_reason_conflict(
    live_server, new_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the uploaded PDF goes away with the test
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    review = review_with_team(slug=SLUG, team={"owner": alice, "reviewer": [bob, carol]})
    membership_change_roles(
        actor=alice, membership=Membership.objects.get(review=review, user=alice), roles={"owner", "lead"}
    )
    review_update_settings(actor=alice, review=review, fulltext_exclusion_reasons=REASONS)
    import_file(review, alice, "four.ris", _ris(TOPICS), source="Embase")
    records = list(Record.objects.filter(review=review, merged_into__isnull=True))
    assert len(records) == 4
    for record in records:
        decide(review, record, bob, "include")
        decide(review, record, carol, "include")
    order = list(
        RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT)
        .order_by("order_key")
        .values_list("record_id", flat=True)
    )
    assert len(order) == 4 and set(order) == {record.pk for record in records}
    assert set(_stage_statuses(review).values()) == {("open", "")}
    first, second, third, fourth = order
    titles = dict(Record.objects.filter(pk__in=order).values_list("pk", "title"))
    pdf = _minimal_pdf()
    assert pdf.startswith(b"%PDF-") and 300 < len(pdf) < 1000
    draft_pdf = _minimal_pdf(b"Walking groups: a draft")
    third_pdf_name = f"{slugify(titles[third])[:40]}.pdf"
    full_text_upload(
        review=review,
        record=Record.objects.get(pk=third),
        actor=bob,
        uploaded=SimpleUploadedFile(third_pdf_name, _minimal_pdf(b"The third record: full text")),
    )

    bob_page, carol_page = new_page(), new_page()
    bob_html, carol_html = _collect_html(bob_page), _collect_html(carol_page)
    login(bob_page, live_server, "bob", TEST_PASSWORD)
    login(carol_page, live_server, "carol", TEST_PASSWORD)

    # bob opens full-text screening: the first record, no full text yet, so the upload form.
    bob_page.goto(f"{live_server.url}/r/{SLUG}/")
    _open_full_text_screening(bob_page)
    assert _record_id(bob_page) == first
    expect(_record_heading(bob_page)).to_have_text(titles[first])
    expect(_progress(bob_page)).to_have_text("0 done · 4 left")
    expect(_panel(bob_page).get_by_role("button", name="Maybe")).to_have_count(0)
    expect(_panel(bob_page).get_by_label(REASON_LABEL)).to_have_value("")

    # He uploads the PDF (a draft, as it turns out); it is shown in a frame beside the decision panel.
    file_path = f"/r/{SLUG}/full-texts/{first}/file/"
    bob_page.get_by_label("Full text (PDF)").set_input_files(
        files=[{"name": DRAFT_PDF_NAME, "mimeType": "application/pdf", "buffer": draft_pdf}]
    )
    with bob_page.expect_response(lambda response: response.url.endswith(file_path)) as served:
        bob_page.get_by_role("button", name="Upload full text").click()
    assert (served.value.status, served.value.headers["content-type"]) == (200, "application/pdf")
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{first}/")
    expect(bob_page.get_by_role("status")).to_have_text("Full text uploaded.")
    expect(bob_page.get_by_role("link", name=f"Download {DRAFT_PDF_NAME}")).to_be_visible()
    draft_file = FullText.objects.get(record_id=first).file.name

    # He replaces the draft with the right PDF from the same page, before deciding.
    bob_page.get_by_label("Replace the PDF").set_input_files(
        files=[{"name": PDF_NAME, "mimeType": "application/pdf", "buffer": pdf}]
    )
    with bob_page.expect_response(lambda response: response.url.endswith(file_path)) as served:
        bob_page.get_by_role("button", name="Replace", exact=True).click()
    assert served.value.status == 200
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{first}/")
    expect(bob_page.get_by_role("status")).to_have_text("Full text replaced, for both reviewers.")
    expect(bob_page.get_by_role("link", name=f"Download {DRAFT_PDF_NAME}")).to_have_count(0)
    replaced = AuditEvent.objects.filter(action="fulltext.upload", after__record=first).order_by("pk").last()
    assert (replaced.before["file"], replaced.after["file"]) == (DRAFT_PDF_NAME, PDF_NAME)
    assert not FullText.objects.get(record_id=first).file.storage.exists(draft_file)
    frame = bob_page.get_by_title(f"Full text of {titles[first]}")
    expect(frame).to_be_visible()
    expect(frame).to_have_attribute("src", file_path)
    expect(bob_page.get_by_role("link", name=f"Download {PDF_NAME}")).to_be_visible()
    expect(bob_page.get_by_role("button", name="Upload full text")).to_have_count(0)
    _assert_beside(frame, _panel(bob_page))
    download = bob_page.request.get(f"{live_server.url}{file_path}?download=1")
    assert download.ok and download.body() == pdf
    full_text = FullText.objects.get(record_id=first)
    assert (full_text.original_filename, full_text.size_bytes, full_text.sha256) == (
        PDF_NAME,
        len(pdf),
        hashlib.sha256(pdf).hexdigest(),
    )
    assert full_text.updated_by == bob and not full_text.is_not_retrievable
    with full_text.file.open("rb") as stored:
        assert stored.read() == pdf
    _wait_for_htmx(bob_page)
    bob_page.screenshot(path=SCREEN_SCREENSHOT, full_page=True)

    # He includes it with the keyboard; the second record takes its place.
    _decide(bob_page, first, *BOB_PLAN[1])
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{second}/")
    expect(_record_heading(bob_page)).to_have_text(titles[second])
    expect(_progress(bob_page)).to_have_text("1 done · 3 left")
    expect(bob_page.get_by_role("status")).to_have_count(0)  # the upload's message was about the first record
    assert _full_text_decisions(review) == {("bob", first): ("include", "")}
    assert _stage_statuses(review)[first] == ("open", "")
    assert RecordStage.objects.get(record_id=first, stage=Stage.FULL_TEXT).decision_count == 1

    # The second cannot be found: he says what was tried and marks it as not retrievable.
    bob_page.get_by_label("Could not get it? Say what was tried").fill(MISSING_NOTE)
    bob_page.once("dialog", lambda dialog: dialog.accept())  # it settles the record for both: asked first
    with bob_page.expect_navigation():
        bob_page.get_by_role("button", name="Mark as not retrievable").click()
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{second}/")
    expect(bob_page.get_by_role("status")).to_have_text(
        "Marked as not retrievable; it counts as such in the PRISMA flow."
    )
    expect(bob_page.get_by_role("article", name="Record to screen").locator(".notice")).to_have_text(
        f"Marked as not retrievable: {MISSING_NOTE}."
    )
    expect(_panel(bob_page).locator(".notice")).to_have_text("Settled at this stage: not retrievable.")
    expect(bob_page.get_by_label("Upload the PDF after all")).to_be_visible()
    expect(_panel(bob_page).locator(".shortcuts")).to_have_count(0)
    expect(_progress(bob_page)).to_have_text("1 done · 2 left")
    missing = FullText.objects.get(record_id=second)
    assert (missing.is_not_retrievable, missing.not_retrievable_note, missing.file.name) == (
        True,
        MISSING_NOTE,
        "",
    )
    assert _stage_statuses(review)[second] == ("not_retrievable", "")
    assert not Decision.objects.filter(record_id=second, stage=Stage.FULL_TEXT).exists()

    # The third: excluding without a reason is refused in the panel, and nothing is stored.
    _panel(bob_page).get_by_role("link", name="Next record").click()
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{third}/")
    expect(_record_heading(bob_page)).to_have_text(titles[third])
    _decide(bob_page, third, "exclude", "")
    expect(bob_page.get_by_role("alert")).to_have_text(DECISION_NEEDS_REASON)
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{third}/")
    expect(_record_heading(bob_page)).to_have_text(titles[third])
    expect(_progress(bob_page)).to_have_text("1 done · 2 left")
    assert not Decision.objects.filter(record_id=third, stage=Stage.FULL_TEXT).exists()
    assert _stage_statuses(review)[third] == ("open", "")

    # With a reason from the review's list it goes through; then the fourth, for another reason.
    expect(_panel(bob_page).get_by_label(REASON_LABEL).locator("option")).to_have_text(["—", *REASONS])
    _decide(bob_page, third, *BOB_PLAN[3])
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{fourth}/")
    expect(bob_page.get_by_role("alert")).to_have_count(0)
    _decide(bob_page, fourth, *BOB_PLAN[4])
    expect(bob_page.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()
    expect(_progress(bob_page)).to_have_text("3 done · 0 left")
    assert _full_text_decisions(review) == {
        ("bob", first): BOB_PLAN[1],
        ("bob", third): BOB_PLAN[3],
        ("bob", fourth): BOB_PLAN[4],
    }
    assert _stage_statuses(review) == {
        first: ("open", ""),
        second: ("not_retrievable", ""),
        third: ("open", ""),
        fourth: ("open", ""),
    }

    # carol's overview: the settled record only, nothing awaiting her or in conflict.
    carol_page.goto(f"{live_server.url}/r/{SLUG}/")
    expect(_full_text_section(carol_page)).to_be_visible()
    assert _legend(carol_page) == ["3 not yet settled", "1 not retrievable"]
    expect(_full_text_section(carol_page)).to_contain_text("You: 0 screened, 3 left.")

    # She screens: the same PDF beside her panel, none of bob's choices or reasons.
    _open_full_text_screening(carol_page)
    assert _record_id(carol_page) == first
    expect(_progress(carol_page)).to_have_text("0 done · 3 left")
    expect(carol_page.get_by_title(f"Full text of {titles[first]}")).to_have_attribute("src", file_path)
    _assert_beside(carol_page.get_by_title(f"Full text of {titles[first]}"), _panel(carol_page))
    expect(carol_page.get_by_text("You chose")).to_have_count(0)
    _decide(carol_page, first, *CAROL_PLAN[1])
    expect(carol_page).to_have_url(f"{live_server.url}{STAGE_PATH}{third}/")
    expect(_record_heading(carol_page)).to_have_text(titles[third])
    expect(_panel(carol_page).get_by_label(REASON_LABEL)).to_have_value("")
    expect(carol_page.get_by_text("You chose")).to_have_count(0)
    _decide(carol_page, third, *CAROL_PLAN[3])
    expect(carol_page).to_have_url(f"{live_server.url}{STAGE_PATH}{fourth}/")
    expect(_panel(carol_page).get_by_label(REASON_LABEL)).to_have_value("")
    _decide(carol_page, fourth, *CAROL_PLAN[4])
    expect(carol_page.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()
    expect(_progress(carol_page)).to_have_text("3 done · 0 left")
    assert _full_text_decisions(review) == {
        **{("bob", order[position - 1]): plan for position, plan in BOB_PLAN.items()},
        **{("carol", order[position - 1]): plan for position, plan in CAROL_PLAN.items()},
    }
    assert _stage_statuses(review) == {
        first: ("included", ""),
        second: ("not_retrievable", ""),
        third: ("conflict", ""),
        fourth: ("excluded", "Not a primary study"),
    }

    # Nothing carol was sent named bob, chose a reason for her, or carried bob's reasons outside the list.
    assert bob_html and carol_html
    unreadable = [url for url, text in bob_html + carol_html if text.startswith("<<body unavailable")]
    assert not unreadable, unreadable
    assert not [url for url, text in carol_html if re.search(r"\bbob\b", text, re.I)]
    assert not [url for url, text in carol_html if re.search(r"<option\b[^>]*\bselected\b", text)]
    assert not [url for url, text in carol_html if "You chose" in text]
    assert not [url for url, text in carol_html if any(r in _outside_options(text) for r in REASONS)]
    assert not [url for url, text in bob_html if re.search(r"\bcarol\b", text, re.I)]

    # alice, the lead: one conflict at full text, reached from the overview.
    alice_page = new_page()
    login(alice_page, live_server, "alice", TEST_PASSWORD)
    alice_page.goto(f"{live_server.url}/r/{SLUG}/")
    assert _legend(alice_page) == ["1 conflict", "1 included", "1 excluded", "1 not retrievable"]
    _full_text_section(alice_page).get_by_role("link", name="Resolve 1 conflict").click()
    expect(alice_page).to_have_url(f"{live_server.url}/r/{SLUG}/conflicts/full-text/")
    expect(alice_page.get_by_role("heading", name="Conflicts at full text", level=1)).to_be_visible()
    _wait_for_htmx(alice_page)
    expect(alice_page.locator("section.conflict")).to_have_count(1)
    card = alice_page.get_by_role("region", name=f"Conflict on record {third}", exact=True)
    expect(card.get_by_role("heading", level=2)).to_have_text(titles[third])
    votes = card.locator(".vote")
    expect(votes).to_have_text([f"bob: Exclude — {BOB_PLAN[3][1]}", f"carol: Exclude — {CAROL_PLAN[3][1]}"])
    _assert_beside(votes.nth(0), votes.nth(1))
    expect(card.get_by_label("Reason if excluded").locator("option")).to_have_text(["—", *REASONS])
    tabs = alice_page.get_by_role("navigation", name="Conflicts by stage").get_by_role("link")
    expect(tabs).to_have_text(["Titles and abstracts (0)", "Full texts (1)"])
    expect(tabs.nth(1)).to_have_attribute("aria-current", "page")
    expect(tabs.nth(0)).not_to_have_attribute("aria-current", "page")
    alice_page.screenshot(path=CONFLICTS_SCREENSHOT, full_page=True)

    # She reads the paper before settling: the card's link opens the PDF in a new tab, though she
    # does not screen herself.
    third_file_path = f"/r/{SLUG}/full-texts/{third}/file/"
    expect(card).to_contain_text(f"Open the full text ({third_pdf_name})")
    with (
        alice_page.context.expect_event("response", lambda r: r.url.endswith(third_file_path)) as served,
        alice_page.expect_popup() as popup,
    ):
        card.get_by_role("link", name="Open the full text").click()
    assert (served.value.status, served.value.headers["content-type"]) == (200, "application/pdf")
    expect(popup.value).to_have_url(f"{live_server.url}{third_file_path}")
    popup.value.close()

    # Excluding without a reason is refused in the card; with one, the record is settled.
    with alice_page.expect_response(_is_decision_post(f"/{third}/resolve/")) as refused:
        card.get_by_role("button", name="Resolve as exclude").click()
    assert refused.value.status == 200 and refused.value.request.headers.get("hx-request") == "true"
    expect(card.get_by_role("alert")).to_have_text(DECISION_NEEDS_REASON)
    assert _stage_statuses(review)[third] == ("conflict", "")
    card.get_by_label("Reason if excluded").select_option(LEAD_REASON)
    with alice_page.expect_response(_is_decision_post(f"/{third}/resolve/")) as resolved:
        card.get_by_role("button", name="Resolve as exclude").click()
    assert resolved.value.status == 200
    expect(card).to_contain_text(f"Resolved: excluded ({LEAD_REASON}) by alice.")
    expect(card.get_by_role("button")).to_have_count(0)
    expect(card.get_by_role("alert")).to_have_count(0)
    record_stage = RecordStage.objects.get(record_id=third, stage=Stage.FULL_TEXT)
    assert (record_stage.status, record_stage.exclusion_reason, record_stage.resolved_by) == (
        "excluded",
        LEAD_REASON,
        alice,
    )
    assert record_stage.settled_at is not None

    # The overview draws the full-text outcome: one included, two excluded, one not retrievable.
    _open_overview(alice_page, live_server)
    assert _legend(alice_page) == ["1 included", "2 excluded", "1 not retrievable"]
    expect(_full_text_section(alice_page).get_by_role("img")).to_have_attribute(
        "aria-label", "Full text: 1 included, 2 excluded, 1 not retrievable"
    )
    overview_links = _full_text_section(alice_page).get_by_role("link")
    expect(overview_links.filter(has_text=re.compile("conflict", re.I))).to_have_count(0)
    assert _stage_statuses(review) == {
        first: ("included", ""),
        second: ("not_retrievable", ""),
        third: ("excluded", LEAD_REASON),
        fourth: ("excluded", "Not a primary study"),
    }
