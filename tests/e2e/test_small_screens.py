"""Screening, conflicts, extraction and coding on a phone: one column, large touch targets, no sideways scroll.

bob screens titles and abstracts on a 390 px wide touch screen by tapping Include and Exclude (and Undo
once), opens the review menu, and looks at the full-text stage (a PDF, the upload forms, a record marked
not retrievable), his extraction and the coding pane. alice, the lead, resolves a conflict and reconciles
an extraction on the same phone. One look at a 360 px screen. On every page: the document is no wider
than the screen, the decision buttons are at least 44 px each way and fill the column, and the keyboard
hints are hidden, there being no keyboard (a narrow window with a mouse keeps them). Screenshots go to
``/tmp/small-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Locator, Page, Response, expect

from extraction.models import FormField
from extraction.services import extraction_save, form_starter_load
from extraction.values import options
from lib.simple_pdf import text_pdf
from reviews.models import Membership, Record, Role
from reviews.services import membership_change_roles, review_update_settings
from screening.models import Decision, RecordStage, Stage
from screening.services import full_text_mark_not_retrievable, full_text_upload
from tests.e2e.conftest import login
from tests.e2e.test_screening_flow import _wait_for_htmx
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file
from tests.screening.helpers import decide

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
SHOTS = "/tmp/small-{}.png"
SLUG = "phone-review"
TITLE = "Barriers and facilitators to early-warning scores on acute hospital wards: a qualitative evidence synthesis"
TOUCH_TARGET = 44  # px, each way
KEY_HINTS = "kbd, .shortcuts, .key-hint, .text-hint"
# The first few elements reaching past the right edge of the screen, to say what made a page too wide.
WIDER_THAN_SCREEN = """(width) => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > width + 0.5).slice(0, 8)
  .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`)"""
# Long unbroken words (a very long word, an address) must wrap rather than widen the page.
TOPICS = [
    "Nurses' experiences of early-warning scores on surgical wards",
    "Escalation of care for deteriorating patients: an ethnography",
    "Track-and-trigger charts in rural hospitals",
    "Rapid response teams and ward culture",
    "Patient-held observation charts in oncology",
    "Electronic vital-sign monitoring (https://example.org/very/long/path/to/a/protocol-document) in practice",
    "Pneumonoultramicroscopicsilicovolcanoconiosis and the night shift: sepsis screening by healthcare assistants",
    "Family-initiated escalation: a realist evaluation",
    "Junior doctors' responses to trigger calls",
    "Handover and the National Early Warning Score 2",
    "Nurse staffing, missed observations and in-hospital mortality",
    "Critical care outreach in district general hospitals",
]
ABSTRACT = (
    "Background: Early-warning scores are meant to prompt timely escalation, yet their use varies between "
    "wards. Methods: We interviewed {n} registered nurses and healthcare assistants across three hospitals "
    "and analysed the transcripts thematically. Results: Workload, hierarchy and trust in the score shaped "
    "whether staff escalated; doi:10.1016/j.ijnurstu.2019.103456789 lists the interview guide. Conclusions: "
    "Training alone is unlikely to change practice without attention to staffing."
)
PAGES = [
    "Background. Early-warning scores are used on most acute wards.\nMethods. We interviewed 18 nurses.",
    "Results. Staff shortages meant observations were missed at night.\nTraining gave nurses confidence.",
]
SAMPLE_ANSWERS = {
    "short_text": "Okafor et al.",
    "long_text": "Staffing shortages limit the uptake of early-warning scores on night shifts.",
    "integer": "18",
    "decimal": "2.5",
    "year": "2019",
    "date": "2019-05-01",
}


def _ris() -> bytes:
    entries = [
        "\n".join(
            [
                "TY  - JOUR",
                f"TI  - {title}",
                "AU  - Okafor, Adaeze",
                "AU  - Lindqvist-Haraldsdottir, Sigrun",
                f"PY  - {2010 + number}",
                "JO  - International Journal of Nursing Studies",
                f"DO  - 10.1016/j.ijnurstu.2019.{103450 + number}",
                f"AB  - {ABSTRACT.format(n=10 + number)}",
                f"ID  - {700 + number}",
                "ER  - ",
            ]
        )
        for number, title in enumerate(TOPICS, start=1)
    ]
    return ("\n\n".join(entries) + "\n").encode()


def _answers(*, other: bool = False) -> dict[int, object]:
    """An answer to every field of the extraction form; the other reviewer's differ on numbers and texts."""
    answers: dict[int, object] = {}
    for field in FormField.objects.filter(is_archived=False):
        choices = options(field)
        if field.field_type == "multiple_choice":
            answers[field.pk] = list(choices[:2])
        elif choices:
            answers[field.pk] = choices[0]
        elif other and field.field_type in ("integer", "long_text"):
            answers[field.pk] = "21" if field.field_type == "integer" else "Rota gaps, not staffing levels."
        else:
            answers[field.pk] = SAMPLE_ANSWERS[field.field_type]
    return answers


def _setup() -> dict[str, Record]:
    """Twelve records: two included at both stages (extraction and coding), three at full text (a PDF,
    none yet, not retrievable), seven for bob to screen by title and abstract, which carol has included."""
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    review = review_with_team(slug=SLUG, title=TITLE, team={"owner": alice, "reviewer": [bob, carol]})
    membership_change_roles(
        actor=alice,
        membership=Membership.objects.get(review=review, user=alice),
        roles={Role.OWNER, Role.LEAD},
    )
    review_update_settings(
        actor=alice,
        review=review,
        inclusion_criteria=["Adult acute hospital wards", "Qualitative or mixed-methods data on staff views"],
        exclusion_criteria=["Paediatric or maternity settings", "Conference abstracts"],
    )
    import_file(review, alice, "phone.ris", _ris(), source="Embase")
    records = list(Record.objects.filter(review=review, merged_into__isnull=True).order_by("pk"))
    assert len(records) == len(TOPICS)
    study, second, with_pdf, without_pdf, missing, *to_screen = records
    for record in (study, second, with_pdf, without_pdf, missing):
        for person in (bob, carol):
            decide(review, record, person, "include")
    for record in (study, second, with_pdf):
        full_text_upload(
            review=review,
            record=record,
            actor=alice,
            uploaded=SimpleUploadedFile("okafor-2019-early-warning-scores.pdf", text_pdf(PAGES)),
        )
    for record in (study, second):
        for person in (bob, carol):
            decide(review, record, person, "include", stage=Stage.FULL_TEXT)
    full_text_mark_not_retrievable(
        review=review, record=missing, actor=bob, note="Asked the library and the authors; no reply"
    )
    for record in to_screen:
        decide(review, record, carol, "include")
    form_starter_load(review=review, actor=alice)
    for person in (bob, carol):
        answers = _answers(other=person == carol)
        extraction_save(review=review, record=second, reviewer=person, raw_answers=answers, submit=True)
    return {
        "study": study,
        "second": second,
        "with_pdf": with_pdf,
        "without_pdf": without_pdf,
        "missing": missing,
    }


# --- Checks ----------------------------------------------------------------------------------------------


def _assert_fits(page: Page) -> None:
    """The document is no wider than the screen: nothing scrolls sideways."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width > inner_width:
        wider = page.evaluate(WIDER_THAN_SCREEN, inner_width)
        raise AssertionError(f"{page.url} is {scroll_width} px wide on a {inner_width} px screen: {wider}")


def _assert_touch_target(locator: Locator) -> None:
    box = locator.bounding_box()
    assert box, f"{locator} is not laid out"
    assert box["height"] >= TOUCH_TARGET and box["width"] >= TOUCH_TARGET, (locator, box)


def _assert_no_key_hints(page: Page) -> None:
    """The page has keyboard hints, and the touch screen shows none of them."""
    hints = page.locator(KEY_HINTS)
    assert hints.count(), f"no keyboard hints on {page.url} to hide"
    for hint in hints.all():
        expect(hint).to_be_hidden()


def _is_post(path_part: str) -> Callable[[Response], bool]:
    return lambda response: response.request.method == "POST" and path_part in response.url


def _decision_buttons(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Your decision").locator(".choices button")


def _assert_decision_buttons(page: Page) -> None:
    """Each decision button is a large touch target across the whole column."""
    choices = page.locator(".choices").bounding_box()
    assert choices
    buttons = _decision_buttons(page)
    expect(buttons.first).to_be_visible()
    for button in buttons.all():
        _assert_touch_target(button)
        box = button.bounding_box()
        assert box and abs(box["width"] - choices["width"]) < 1, (box, choices)


def _assert_one_column(page: Page, first: Locator, then: Locator) -> None:
    """``then`` comes below ``first``, not beside it."""
    above, below = first.bounding_box(), then.bounding_box()
    assert above and below, "not laid out"
    assert below["y"] >= above["y"] + above["height"] - 1, (above, below)


def _look(page: Page, name: str) -> None:
    """Check the page fits, and keep a picture of all of it as the touch screen shows it.

    Not ``full_page=True``: Chromium drops the touch emulation while it takes one, so the picture would
    show the page as laid out for a mouse. The screen is made as tall as the page instead, for a moment.
    """
    _assert_fits(page)
    viewport = page.viewport_size
    assert viewport
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        page.screenshot(path=SHOTS.format(name))
    finally:
        page.set_viewport_size(viewport)


def _record_id(page: Page) -> int:
    match = re.search(r"/(\d+)/$", page.url)
    assert match, f"not on a record's screening page: {page.url}"
    return int(match.group(1))


def _tap_decision(page: Page, choice: str) -> int:
    """Tap a decision button and wait for the next record; the id of the record decided."""
    record_id = _record_id(page)
    _wait_for_htmx(page)
    with page.expect_response(_is_post(f"/{record_id}/decide/")) as response_info:
        _decision_buttons(page).and_(page.get_by_role("button", name=choice.capitalize(), exact=True)).tap()
    assert response_info.value.status == 200
    assert response_info.value.request.headers.get("hx-request") == "true"
    expect(page).not_to_have_url(re.compile(rf"/{record_id}/$"))
    return record_id


# --- The test ------------------------------------------------------------------------------------------------


def test_screening_conflicts_and_extraction_work_on_a_phone(live_server, new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    records = _setup()
    base = f"{live_server.url}/r/{SLUG}"

    # bob, on a phone: the review's menu, then title/abstract screening by tapping.
    bob = new_page(viewport=PHONE, has_touch=True)
    login(bob, live_server, "bob", TEST_PASSWORD)
    bob.goto(f"{base}/")
    _look(bob, "1-overview")
    nav = bob.get_by_role("navigation", name="Review")
    screen_titles = nav.get_by_role("link", name="Screen titles")
    expect(screen_titles).to_be_hidden()
    nav.get_by_text("Menu", exact=True).tap()
    expect(screen_titles).to_be_visible()
    _assert_touch_target(screen_titles)
    _look(bob, "2-menu")
    screen_titles.tap()
    expect(bob.get_by_role("heading", name="Title and abstract screening", level=1)).to_be_visible()
    _look(bob, "3-screen")
    _assert_one_column(bob, bob.get_by_role("article", name="Record to screen"), _decision_buttons(bob).first)
    _assert_decision_buttons(bob)
    _assert_no_key_hints(bob)

    decided = {}
    for choice in ("include", "exclude"):
        decided[_tap_decision(bob, choice)] = choice
        _assert_decision_buttons(bob)
    # The exclude disagrees with carol's include; bob takes it back and includes the record after all.
    undone = next(record_id for record_id, choice in decided.items() if choice == "exclude")
    undo = bob.get_by_role("button", name="Undo")
    _assert_touch_target(undo)
    _look(bob, "4-screen-saved")
    _wait_for_htmx(bob)
    with bob.expect_response(_is_post(f"/{undone}/undo/")):
        undo.tap()
    expect(bob).to_have_url(re.compile(rf"/{undone}/$"))
    expect(bob.get_by_text("You chose")).to_have_count(0)
    for choice in ("include", "exclude", "exclude"):
        decided[_tap_decision(bob, choice)] = choice
    _assert_no_key_hints(bob)
    assert len(decided) == 4
    stored = Decision.objects.filter(
        reviewer__username="bob", stage=Stage.TITLE_ABSTRACT, record_id__in=decided
    )
    assert dict(stored.values_list("record_id", "choice")) == decided
    conflicts = RecordStage.objects.filter(stage=Stage.TITLE_ABSTRACT, status="conflict")
    excluded = {record_id for record_id, choice in decided.items() if choice == "exclude"}
    assert excluded <= set(conflicts.values_list("record_id", flat=True))

    # The full-text stage: a PDF to open, the upload forms, a record marked not retrievable.
    for name, key in (
        ("5-full-text-pdf", "with_pdf"),
        ("6-full-text-upload", "without_pdf"),
        ("7-not-retrievable", "missing"),
    ):
        bob.goto(f"{base}/screen/full-text/{records[key].pk}/")
        expect(bob.get_by_role("heading", name="Full text screening", level=1)).to_be_visible()
        _look(bob, name)
        if key != "missing":  # settled by the mark: nothing to decide, so no keys either
            _assert_decision_buttons(bob)
            _assert_no_key_hints(bob)
    # No PDF in a frame on a phone: a large button opens it.
    bob.goto(f"{base}/screen/full-text/{records['with_pdf'].pk}/")
    expect(bob.locator("iframe.pdf")).to_be_hidden()
    _assert_touch_target(bob.get_by_role("link", name="Open the PDF"))

    # His extraction, with the PDF, and the coding pane, each from its list of studies.
    bob.goto(f"{base}/extraction/")
    _look(bob, "8-extraction-studies")
    bob.goto(f"{base}/extraction/{records['study'].pk}/")
    expect(bob.get_by_role("heading", name="Data extraction", level=1)).to_be_visible()
    _look(bob, "8-extract")
    expect(bob.locator("iframe.pdf")).to_be_hidden()
    _assert_touch_target(bob.get_by_role("link", name=re.compile(r"^Download .+\.pdf$")))
    bob.goto(f"{base}/coding/")
    _look(bob, "9-coding-studies")
    bob.goto(f"{base}/coding/{records['study'].pk}/")
    expect(bob.locator(".page-text").first).to_be_visible()
    _look(bob, "9-coding")
    _assert_no_key_hints(bob)
    # A passage selected on a touch screen (no mouseup comes) is coded with the button that appears.
    _wait_for_htmx(bob)
    code_selection = bob.get_by_role("button", name="Code the selection")
    expect(code_selection).to_be_hidden()
    expect(bob.get_by_text("Press and hold to select a passage")).to_be_visible()
    passage = bob.evaluate(
        """() => {
            const node = document.querySelector('#study-text .page-text').firstChild;
            const text = node.textContent;
            const start = text.indexOf(' ') + 1;
            window.getSelection().setBaseAndExtent(node, start, node, start + 40);
            return window.getSelection().toString();
        }"""
    )
    expect(code_selection).to_be_visible()
    _assert_touch_target(code_selection)
    _look(bob, "9-coding-selected")
    code_selection.tap()
    panel = bob.locator("#coding-panel")
    expect(panel.get_by_role("heading", name="New excerpt")).to_be_visible()
    expect(panel.locator("blockquote.quote")).to_have_text(passage)
    expect(code_selection).to_be_hidden()
    # A quote typed in needs no selection at all.
    bob.goto(f"{base}/coding/{records['study'].pk}/")
    _wait_for_htmx(bob)
    bob.get_by_role("link", name="Type a quote in instead").tap()
    expect(bob.locator("#coding-panel").get_by_role("heading", name="New excerpt")).to_be_visible()
    _look(bob, "9-coding-excerpt")

    # alice, the lead, on a phone: the conflicts, one resolved by tapping; a reconciliation.
    alice = new_page(viewport=PHONE, has_touch=True)
    login(alice, live_server, "alice", TEST_PASSWORD)
    alice.goto(f"{base}/conflicts/title-abstract/")
    expect(alice.get_by_role("heading", name="Conflicts at title and abstract", level=1)).to_be_visible()
    _look(alice, "10-conflicts")
    card = alice.locator("section.conflict").first
    resolve = card.get_by_role("button", name="Resolve as include")
    _assert_touch_target(resolve)
    _wait_for_htmx(alice)
    with alice.expect_response(_is_post("/resolve/")):
        resolve.tap()
    expect(card).to_contain_text("Resolved: included by alice.")
    _look(alice, "11-conflicts-resolved")
    alice.get_by_role("navigation", name="Conflicts by stage").get_by_role(
        "link", name=re.compile("^Full texts")
    ).tap()
    expect(alice.get_by_role("heading", name="Conflicts at full text", level=1)).to_be_visible()
    _look(alice, "11-conflicts-full-text")
    alice.goto(f"{base}/extraction/{records['second'].pk}/reconcile/")
    expect(alice.get_by_role("heading", name="Reconcile extraction", level=1)).to_be_visible()
    _look(alice, "12-reconcile")

    # The smallest screen: 360 px.
    small = new_page(viewport=SMALL_PHONE, has_touch=True)
    login(small, live_server, "bob", TEST_PASSWORD)
    small.goto(f"{base}/screen/title-abstract/")
    expect(small.get_by_role("heading", name="Title and abstract screening", level=1)).to_be_visible()
    _look(small, "13-screen-360")
    _assert_decision_buttons(small)
    _assert_no_key_hints(small)

    # A narrow window on a computer is not a touch screen: its keyboard hints stay.
    narrow = new_page(viewport=PHONE)
    login(narrow, live_server, "bob", TEST_PASSWORD)
    narrow.goto(f"{base}/screen/title-abstract/")
    _assert_fits(narrow)
    _assert_decision_buttons(narrow)
    expect(_decision_buttons(narrow).first.locator("kbd")).to_be_visible()
    expect(narrow.locator(".shortcuts")).to_contain_text("Keys: i include")
