"""Settings and history in a real browser: the owner sets screening up, reviewers screen by it, and the
history shows each person only what they may see.

alice owns the review and does not screen, so she sees everything. bob and carol are co-owners who also
screen: they may read the history, but it is blinded for them like everything else a reviewer sees. dave
only screens (he may read the settings, not change them, and has no history page); erin is no member.
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Locator, Page, Response, expect

from reviews.models import AuditEvent, Record, Review, Role
from reviews.services import membership_add, review_create
from screening.models import Decision, RecordStage, Stage
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file

SETTINGS_SCREENSHOT = "/tmp/e2e-settings.png"
HISTORY_SCREENSHOT = "/tmp/e2e-history.png"
SLUG = "deprescribing"
TITLE = "Deprescribing in primary care"
SETTINGS_PATH = f"/r/{SLUG}/settings/"
HISTORY_PATH = f"/r/{SLUG}/history/"
RECORD_URL = re.compile(rf"/r/{SLUG}/screen/title-abstract/(\d+)/$")

INCLUSION = [
    "Adults aged 65 or over taking five or more medicines",
    "Deprescribing led by nurses, GPs or pharmacists",
]
EXCLUSION = ["Hospital inpatients", "Conference abstracts and study protocols"]
# As typed: a blank line and stray spaces, which are dropped, not saved as an empty reason.
REASONS_TYPED = "Wrong population\n\n   Wrong setting   \nNot primary research\n"
REASONS = ["Wrong population", "Wrong setting", "Not primary research"]
INCLUDE_KEYWORDS = ["deprescrib*", "nurs*", "primary care"]
EXCLUDE_KEYWORDS = ["children", "protocol"]
DUAL = "Two reviewers (dual screening)"
LEAD_MAY_SCREEN = "A lead may also be one of the deciding reviewers"

RECORD_TITLE = "Barriers to deprescribing: a survey of nurses in primary care"
RECORD_ABSTRACT = (
    "Community nursing teams named workload as the main barrier. Care homes for children were not sampled."
)
RIS_LINES = [
    "TY  - JOUR",
    f"TI  - {RECORD_TITLE}",
    "AU  - Okafor, Ada",
    "PY  - 2022",
    "JO  - British Journal of General Practice",
    "DO  - 10.5555/tandem.settings.001",
    f"AB  - {RECORD_ABSTRACT}",
    "KW  - Nursing",
    "KW  - Polypharmacy",
    "ID  - 501",
    "ER  - ",
]
RIS = ("\n".join(RIS_LINES) + "\n").encode()
# (text, kind) of every <mark> on the record: "nurses" and "nursing" are found only through "nurs*",
# "Care" alone and "barrier" are no keywords, so they stay unmarked.
TITLE_MARKS = [("deprescribing", "kw-include"), ("nurses", "kw-include"), ("primary care", "kw-include")]
ABSTRACT_MARKS = [("nursing", "kw-include"), ("children", "kw-exclude")]
KEYWORD_MARKS = [("Nursing", "kw-include")]


def _settings(review: Review) -> dict:
    review.refresh_from_db()
    return {
        "title": review.title,
        "inclusion_criteria": review.inclusion_criteria,
        "exclusion_criteria": review.exclusion_criteria,
        "fulltext_exclusion_reasons": review.fulltext_exclusion_reasons,
        "include_keywords": review.include_keywords,
        "exclude_keywords": review.exclude_keywords,
        "reviewers_per_record": review.reviewers_per_record,
        "lead_may_screen": review.lead_may_screen,
    }


def _nav(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Review").get_by_role("link", name=name, exact=True)


def _history(page: Page) -> list[dict[str, str]]:
    """The history table's rows as the person reads them, newest first."""
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    return page.locator("table tbody tr").evaluate_all(
        """rows => rows.filter(row => row.cells.length === 5).map(row => ({
            when: row.cells[0].innerText.trim(),
            datetime: row.cells[0].querySelector('time').getAttribute('datetime'),
            who: row.cells[1].innerText.trim(),
            what: row.cells[2].querySelector('code').innerText.trim(),
            label: row.cells[2].firstChild.textContent.trim(),
            record: row.cells[3].innerText.trim(),
            details: row.cells[4].innerText.trim(),
        }))"""
    )


def _screening_rows(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(row["who"], row["what"]) for row in rows if row["what"].startswith("screening.")]


def _marks(page: Page, selector: str) -> list[tuple[str, str]]:
    return [
        tuple(pair)
        for pair in page.locator(f"article {selector} mark").evaluate_all(
            "marks => marks.map(mark => [mark.textContent, mark.className])"
        )
    ]


def _wait_for_htmx(page: Page) -> None:
    page.wait_for_function(
        "() => window.htmx !== undefined && document.readyState !== 'loading'"
        " && [...document.querySelectorAll('[hx-post]')].every(el => el['htmx-internal-data'])"
    )


def _is_settings_post(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith(SETTINGS_PATH)


def _submit_settings(page: Page) -> int:
    """Click Save and wait for the page it leads to; return the status of the POST itself."""
    with page.expect_navigation(), page.expect_response(_is_settings_post) as info:
        page.get_by_role("button", name="Save settings").click()
    return info.value.status


def _open_record_and_include(page: Page, live_server, record: Record) -> None:
    """Open title/abstract screening from the overview, check what is pinned and marked, and include."""
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _nav(page, "Screen titles").click()
    expect(page).to_have_url(RECORD_URL)
    assert RECORD_URL.search(page.url).group(1) == str(record.pk)
    article = page.get_by_role("article", name="Record to screen")
    expect(article.get_by_role("heading", level=2)).to_have_text(RECORD_TITLE)
    expect(article.locator(".abstract")).to_have_text(RECORD_ABSTRACT)
    assert _marks(page, ".record-title") == TITLE_MARKS
    assert _marks(page, ".abstract") == ABSTRACT_MARKS
    assert _marks(page, ".keywords") == KEYWORD_MARKS
    expect(article.locator("mark.kw-include").first).to_have_css("background-color", "rgb(205, 238, 216)")
    expect(article.locator("mark.kw-exclude")).to_have_css("background-color", "rgb(248, 211, 207)")

    # The criteria sit in the decision panel, which stays pinned beside the record as the page scrolls.
    panel = page.get_by_role("complementary", name="Your decision")
    expect(panel).to_have_css("position", "sticky")
    criteria = panel.get_by_role("region", name="Eligibility criteria")
    expect(criteria.get_by_role("heading", name="Include", level=3)).to_be_visible()
    expect(criteria.get_by_role("list").nth(0).get_by_role("listitem")).to_have_text(INCLUSION)
    expect(criteria.get_by_role("heading", name="Exclude", level=3)).to_be_visible()
    expect(criteria.get_by_role("list").nth(1).get_by_role("listitem")).to_have_text(EXCLUSION)
    expect(page.get_by_text("You chose")).to_have_count(0)

    _wait_for_htmx(page)
    decide_path = f"/{record.pk}/decide/"
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(decide_path)) as info:
        panel.get_by_role("button", name="Include", exact=True).click()
    assert info.value.status == 200 and info.value.request.headers.get("hx-request") == "true"
    expect(page.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()


def test_the_owner_sets_up_screening_and_the_history_shows_each_person_what_they_may_see(
    live_server, page, new_page
):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    # The review was started for single screening, with one full-text reason.
    review = review_create(
        actor=alice,
        owner=alice,
        slug=SLUG,
        title=TITLE,
        reviewers_per_record=1,
        fulltext_exclusion_reasons=["Wrong population"],
    )
    for user in (bob, carol):
        membership_add(actor=alice, review=review, user=user, roles={Role.OWNER, Role.REVIEWER})
    batch = import_file(review, alice, "one.ris", RIS, source="MEDLINE")
    assert batch.records_count == 1
    record = Record.objects.get(review=review)

    # alice opens Settings from the review's menu and fills in eligibility, reasons and keywords.
    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _nav(page, "Settings").click()
    expect(page).to_have_url(f"{live_server.url}{SETTINGS_PATH}")
    expect(page.get_by_role("heading", name="Review settings", level=1)).to_be_visible()
    expect(page.get_by_label("Full-text exclusion reasons", exact=True)).to_have_value("Wrong population")
    expect(page.get_by_label("Reviewers per record", exact=True)).to_have_value("1")
    page.get_by_label("Inclusion criteria", exact=True).fill("\n".join(INCLUSION))
    page.get_by_label("Exclusion criteria", exact=True).fill("\n".join(EXCLUSION))
    page.get_by_label("Full-text exclusion reasons", exact=True).fill(REASONS_TYPED)
    page.get_by_label("Include keywords", exact=True).fill("\n".join(INCLUDE_KEYWORDS))
    page.get_by_label("Exclude keywords", exact=True).fill("\n".join(EXCLUDE_KEYWORDS))
    page.get_by_label("Reviewers per record", exact=True).select_option(label=DUAL)
    page.get_by_label(LEAD_MAY_SCREEN).check()
    assert _submit_settings(page) == 302
    expect(page).to_have_url(f"{live_server.url}{SETTINGS_PATH}")
    expect(page.get_by_role("status")).to_have_text("Settings saved.")

    saved = {
        "title": TITLE,
        "inclusion_criteria": INCLUSION,
        "exclusion_criteria": EXCLUSION,
        "fulltext_exclusion_reasons": REASONS,
        "include_keywords": INCLUDE_KEYWORDS,
        "exclude_keywords": EXCLUDE_KEYWORDS,
        "reviewers_per_record": 2,
        "lead_may_screen": True,
    }
    assert _settings(review) == saved
    change = AuditEvent.objects.get(review=review, action="review.update_settings")
    assert change.actor == alice
    assert change.before == {
        "inclusion_criteria": [],
        "exclusion_criteria": [],
        "fulltext_exclusion_reasons": ["Wrong population"],
        "include_keywords": [],
        "exclude_keywords": [],
        "reviewers_per_record": 1,
        "lead_may_screen": False,
    }
    assert change.after == {key: value for key, value in saved.items() if key != "title"}

    # A reload shows what was kept, one item a line, with no empty reason.
    page.reload()
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.get_by_label("Inclusion criteria", exact=True)).to_have_value("\n".join(INCLUSION))
    expect(page.get_by_label("Exclusion criteria", exact=True)).to_have_value("\n".join(EXCLUSION))
    expect(page.get_by_label("Full-text exclusion reasons", exact=True)).to_have_value("\n".join(REASONS))
    expect(page.get_by_label("Include keywords", exact=True)).to_have_value("\n".join(INCLUDE_KEYWORDS))
    expect(page.get_by_label("Exclude keywords", exact=True)).to_have_value("\n".join(EXCLUDE_KEYWORDS))
    expect(page.get_by_label("Reviewers per record", exact=True)).to_have_value("2")
    expect(page.get_by_label(LEAD_MAY_SCREEN)).to_be_checked()
    page.screenshot(path=SETTINGS_SCREENSHOT, full_page=True)

    # A title of spaces gets past the browser's "required" but not the server; the criterion added
    # in the same submission is not saved either.
    page.get_by_label("Title", exact=True).fill("   ")
    page.get_by_label("Exclusion criteria", exact=True).fill("\n".join([*EXCLUSION, "Editorials"]))
    assert _submit_settings(page) == 200
    expect(page).to_have_url(f"{live_server.url}{SETTINGS_PATH}")
    expect(page.get_by_role("alert")).to_have_text("This field is required.")
    expect(page.locator(".field.has-error").get_by_label("Title", exact=True)).to_be_visible()
    expect(page.get_by_text("Settings saved.")).to_have_count(0)

    # A reviewers-per-record value the page never offered (a tampered form) is refused too.
    page.goto(f"{live_server.url}{SETTINGS_PATH}")
    page.get_by_label("Reviewers per record", exact=True).evaluate(
        "select => { select.add(new Option('Three reviewers', '3')); select.value = '3'; }"
    )
    assert _submit_settings(page) == 200
    expect(page.get_by_role("alert")).to_have_text(
        "Select a valid choice. 3 is not one of the available choices."
    )
    assert _settings(review) == saved
    assert AuditEvent.objects.filter(review=review, action="review.update_settings").count() == 1

    # bob screens the record by the new settings: criteria pinned, keywords marked, his decision
    # pending, because the review now wants two reviewers.
    bob_page = new_page()
    login(bob_page, live_server, "bob", TEST_PASSWORD)
    _open_record_and_include(bob_page, live_server, record)
    assert Decision.objects.get(record=record, stage=Stage.TITLE_ABSTRACT, reviewer=bob).choice == "include"
    record_stage = RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT)
    assert (record_stage.status, record_stage.decision_count) == ("open", 1)

    # bob's history has his own decision and alice's settings change.
    _nav(bob_page, "History").click()
    bob_rows = _history(bob_page)
    assert _screening_rows(bob_rows) == [("bob", "screening.decide")]
    assert any(row["who"] == "alice" and row["what"] == "review.update_settings" for row in bob_rows)

    # carol, in her own browser, sees nothing of bob's pending decision, neither in the history nor
    # on the record.
    carol_page = new_page()
    login(carol_page, live_server, "carol", TEST_PASSWORD)
    carol_page.goto(f"{live_server.url}/r/{SLUG}/")
    _nav(carol_page, "History").click()
    assert _screening_rows(_history(carol_page)) == []
    _open_record_and_include(carol_page, live_server, record)

    # Her decision agrees with bob's, so the record is settled, included.
    record_stage.refresh_from_db()
    assert (record_stage.status, record_stage.decision_count) == ("included", 2)
    settle = AuditEvent.objects.get(review=review, action="screening.settle")
    assert settle.actor is None and settle.after["status"] == "included"

    # Both now see the outcome (by Tandem itself). Each still sees only their own decision: the history
    # hides other people's decisions on every record, settled or not (reviews.blinding).
    _nav(carol_page, "History").click()
    assert _screening_rows(_history(carol_page)) == [
        ("Tandem", "screening.settle"),
        ("carol", "screening.decide"),
    ]
    bob_page.reload()
    assert _screening_rows(_history(bob_page)) == [
        ("Tandem", "screening.settle"),
        ("bob", "screening.decide"),
    ]

    # alice, who does not screen, sees everything: both decisions, the outcome, and her settings change
    # with who, when (in UTC, as the column says) and what changed.
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _nav(page, "History").click()
    alice_rows = _history(page)
    assert _screening_rows(alice_rows) == [
        ("Tandem", "screening.settle"),
        ("carol", "screening.decide"),
        ("bob", "screening.decide"),
    ]
    (settings_row,) = [row for row in alice_rows if row["what"] == "review.update_settings"]
    assert settings_row["who"] == "alice"
    assert settings_row["when"] == change.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    # To the second: microseconds in the page could pass for anyone's numbers.
    assert dt.datetime.fromisoformat(settings_row["datetime"]) == change.created_at.replace(microsecond=0)
    # One line per changed field, "before → after", in words rather than code.
    details = settings_row["details"]
    assert "reviewers per record\n1 → 2" in details
    assert "lead may screen\nno → yes" in details
    for text in [*INCLUSION, *EXCLUSION, *REASONS, *INCLUDE_KEYWORDS, *EXCLUDE_KEYWORDS]:
        assert text in details, text
    assert "title" not in details.split("\n")  # only what changed is listed
    assert "{" not in details and "True" not in details
    page.screenshot(path=HISTORY_SCREENSHOT, full_page=True)


def test_a_reviewer_reads_the_settings_but_cannot_change_them_and_outsiders_see_nothing(
    live_server, page, new_page
):
    alice = UserFactory(username="alice")
    dave = UserFactory(username="dave")
    UserFactory(username="erin")
    review = review_with_team(slug=SLUG, title=TITLE, team={"owner": alice, "reviewer": dave})
    before = _settings(review)

    # dave sees the settings read-only, with no Save button and no History in the menu.
    login(page, live_server, "dave", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _nav(page, "Settings").click()
    expect(page.get_by_role("heading", name="Review settings", level=1)).to_be_visible()
    expect(page.get_by_text("Only an owner can change these settings; you can read them.")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_be_disabled()
    expect(page.get_by_label("Full-text exclusion reasons", exact=True)).to_have_value(
        "Wrong population\nWrong study design"
    )
    expect(page.get_by_role("button", name="Save settings")).to_have_count(0)
    expect(_nav(page, "History")).to_have_count(0)

    # Enabling the form in the browser and sending it anyway is refused by the server.
    with page.expect_response(_is_settings_post) as info:
        page.locator("form.settings-form").evaluate(
            """form => {
                form.querySelectorAll('fieldset').forEach(fieldset => { fieldset.disabled = false; });
                form.querySelector('#id_title').value = 'Renamed by a reviewer';
                form.requestSubmit();
            }"""
        )
    assert info.value.status == 403
    expect(page.get_by_role("heading", name="Not allowed", level=1)).to_be_visible()
    expect(page.get_by_text("Only an owner can change the review's settings.")).to_be_visible()
    assert _settings(review) == before
    assert not AuditEvent.objects.filter(review=review, action="review.update_settings").exists()

    # The history is for owners and leads.
    response = page.goto(f"{live_server.url}{HISTORY_PATH}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed", level=1)).to_be_visible()
    expect(page.locator("table")).to_have_count(0)

    # erin is no member: both addresses are a plain 404 that does not name the review.
    erin_page = new_page()
    login(erin_page, live_server, "erin", TEST_PASSWORD)
    for path in (SETTINGS_PATH, HISTORY_PATH):
        response = erin_page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(erin_page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
        expect(erin_page.get_by_text(TITLE)).to_have_count(0)
