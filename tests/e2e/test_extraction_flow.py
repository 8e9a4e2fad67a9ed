"""Data extraction in a real browser: the lead builds the form, two blind reviewers extract, the lead reconciles.

alice (owner and lead) defines the review's participant groups (HCPs, patients) in the form builder, chooses
the starting template for qualitative studies among those offered, adds a number field counting each group,
and adds a section with a single-choice field ("Analysis approach"), which she then moves to the last section
("Content"). bob and carol, each in their own browser context, extract the two studies included at full text
(the authors, year, journal and DOI shown from the study record, not asked): they save a draft, come back to
it and submit; bob reopens one submission to correct an answer and submits it again. They disagree on two
fields per study; nothing of carol's may reach any page bob is sent. alice reconciles both studies (one value
picked, one consensus value written on each), downloads the reconciled XLSX (the record's columns first), and
the overview adds up the reconciled numbers of each group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response, expect

from extraction.models import Extraction, FormField, ReconciledValue
from reviews.models import Membership, Record
from reviews.services import membership_change_roles
from reviews.services.records import record_edit
from screening.models import RecordStage, Stage
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.screening.helpers import decide, records_to_screen

STARTERS_SCREENSHOT = "/tmp/e2e-builder-starters.png"
BUILDER_SCREENSHOT = "/tmp/e2e-builder.png"
EXTRACT_SCREENSHOT = "/tmp/e2e-extract.png"
REOPEN_SCREENSHOT = "/tmp/e2e-extract-reopen.png"
RECONCILE_SCREENSHOT = "/tmp/e2e-reconcile.png"
SLUG = "tdf-review"

NEW_SECTION = "Analysis"
MOVED_TO = "Content"
CHOICE_LABEL = "Analysis approach"
CHOICES = ["Thematic", "Framework", "Grounded theory"]
HCP = "Number of HCP participants"
PATIENTS = "Number of patient participants"
GROUPS = {HCP: "HCPs", PATIENTS: "patients"}  # each field and the participant group it counts
JOURNALS = {"A": "Journal of Advanced Nursing", "B": "BMC Primary Care"}
FINDINGS = "Key findings"
DATA_COLLECTION = "Data collection method"
SELECTS = {"Country", "Study design", CHOICE_LABEL}
CHECKBOXES = {DATA_COLLECTION}

# What each reviewer enters, split into what goes into the first draft and what is added before
# submitting. Study "A" and study "B" are the two studies included at full text.
DRAFT = {
    "A": {
        "Country": "Norway",
        "Study design": "Phenomenology",
        DATA_COLLECTION: ["Semi-structured interviews", "Focus groups"],
        HCP: "18",
        PATIENTS: "6",
    },
    "B": {
        "Country": "Canada",
        "Study design": "Grounded theory",
        DATA_COLLECTION: ["Focus groups"],
        HCP: "30",
        PATIENTS: "9",
    },
}
REST = {
    "A": {
        CHOICE_LABEL: "Thematic",
        "Aims": "To explore how ward nurses adopt early-warning scores.",
        FINDINGS: "Staffing shortages limit uptake.",
    },
    "B": {
        CHOICE_LABEL: "Thematic",
        "Aims": "To describe GPs' views of shared decision making.",
        FINDINGS: "Consultation length shapes what is shared.",
    },
}
# carol's answers differ on two fields per study; these values are hers alone.
CAROL_CHANGES = {
    "A": {HCP: "21", FINDINGS: "Rota gaps rather than staffing levels limit uptake."},
    "B": {CHOICE_LABEL: "Framework", PATIENTS: "12"},
}
DIFFERS = {study: set(changes) for study, changes in CAROL_CHANGES.items()}
# alice's reconciliation: one reviewer's value picked (whose, by value) and one consensus value written.
PICK = {"A": (HCP, "21"), "B": (CHOICE_LABEL, "Thematic")}
CONSENSUS = {
    "A": (FINDINGS, "Staffing shortages and rota gaps limit uptake."),
    "B": (PATIENTS, "10"),
}


def _answers(reviewer: str, study: str) -> dict[str, str | list[str]]:
    values = {**DRAFT[study], **REST[study]}
    return {**values, **CAROL_CHANGES[study]} if reviewer == "carol" else values


def _parts(reviewer: str, study: str) -> tuple[dict, dict]:
    """A reviewer's answers to one study: those in the first draft, and those added before submitting."""
    answers = _answers(reviewer, study)
    return {label: answers[label] for label in DRAFT[study]}, {label: answers[label] for label in REST[study]}


def _reconciled(study: str) -> dict[str, str | list[str]]:
    """The final values: the agreed ones, the picked one and the consensus one."""
    picked_label, picked = PICK[study]
    consensus_label, consensus = CONSENSUS[study]
    return {**_answers("bob", study), picked_label: picked, consensus_label: consensus}


# --- Helpers --------------------------------------------------------------------------------------------


class _Received:
    """Every HTML body a page receives (full pages and htmx fragments), as (url, text).

    A body is read in an event handler, which runs alongside the test: when the test navigates on at
    once (as right after logging in), the browser may drop the old page's body before it is read. Then a
    GET is fetched again with the same cookies (what the server would send that person now), and
    ``drain`` waits for reads still under way.
    """

    def __init__(self, page: Page):
        self.page = page
        self.bodies: list[tuple[str, str]] = []
        self.reading = 0
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if "text/html" not in response.headers.get("content-type", "") or 300 <= response.status < 400:
            return
        self.reading += 1
        try:
            try:
                text = response.text()
            except PlaywrightError as error:
                if response.request.method != "GET":  # keep the gap visible rather than skip it
                    text = f"<<body unavailable: {error}>>"
                else:
                    text = self.page.context.request.get(response.url).text()
            self.bodies.append((response.url, text))
        finally:
            self.reading -= 1

    def drain(self) -> list[tuple[str, str]]:
        for _ in range(200):
            if not self.reading:
                break
            self.page.wait_for_timeout(10)
        assert not self.reading, f"{self.reading} bodies still being read"
        return self.bodies


def _shows_values(text: str, values: dict[str, str]) -> list[str]:
    """Which of ``values`` the HTML shows as an answer: typed into an input, selected, or listed."""
    found = []
    for label, value in values.items():
        escaped = re.escape(value.replace("'", "&#x27;"))
        patterns = [
            rf'<input[^>]*\bvalue="{escaped}"',
            rf'value="{escaped}"\s+(selected|checked)',
            rf"<dd>\s*{escaped}\s*</dd>",
            rf">\s*{escaped}\s*</textarea>",
        ]
        if any(re.search(pattern, text) for pattern in patterns):
            found.append(label)
    return found


def _wait_for_htmx(page: Page) -> None:
    """htmx is loaded and has processed every hx-post element on the page."""
    page.wait_for_function(
        "() => window.htmx !== undefined && document.readyState !== 'loading'"
        " && [...document.querySelectorAll('[hx-post]')].every(el => el['htmx-internal-data'])"
    )


def _htmx_post(page: Page, path: str, click: Callable[[], None]) -> Response:
    """Click something that posts through htmx to ``path``, and wait for the answer."""
    _wait_for_htmx(page)
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(path)
    ) as response_info:
        click()
    response = response_info.value
    assert response.status == 200, (path, response.status)
    assert response.request.headers.get("hx-request") == "true", path
    return response


def _escape(text: str) -> str:
    # Playwright writes a pattern into its selector between slashes: a bare "/" would end it early.
    return re.escape(text).replace("/", r"\/")


def _label(label: str) -> re.Pattern[str]:
    """A field's accessible name: its label, with " *" when it is required."""
    return re.compile(rf"^{_escape(label)}( \*)?$")


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _open_studies(page: Page) -> None:
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Extraction", exact=True).click()
    expect(page.get_by_role("heading", name="Data extraction", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/r/{SLUG}/extraction/$"))


def _study_row(page: Page, title: str) -> Locator:
    row = page.get_by_role("row").filter(has_text=title)
    expect(row).to_have_count(1)
    return row


# --- Building the form ----------------------------------------------------------------------------------


def _build_form(page: Page, live_server) -> None:
    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _open_studies(page)
    expect(page.get_by_text("There is no extraction form yet.")).to_be_visible()
    page.get_by_role("navigation", name="Data extraction").get_by_role("link", name="Extraction form").click()
    expect(page.get_by_role("heading", name="Extraction form", level=1)).to_be_visible()
    expect(page.get_by_text("No form yet.")).to_be_visible()

    base = f"/r/{SLUG}/extraction/form/"
    # The starting templates on offer, the one suiting a scoping review chosen to begin with.
    starters = page.get_by_role("group", name="Starting template")
    expect(starters.get_by_role("radio")).to_have_count(3)
    expect(starters.get_by_role("radio", name="Scoping review charting (JBI)")).to_be_checked()
    expect(starters.get_by_role("radio", name="Intervention studies (PICO)")).not_to_be_checked()
    page.screenshot(path=STARTERS_SCREENSHOT, full_page=True)

    # The review's participant groups: none to begin with.
    groups = page.get_by_role("region", name="Participant groups")
    expect(groups.get_by_role("textbox", name=re.compile("^Name of the group"))).to_have_count(0)
    for name in GROUPS.values():
        groups.get_by_role("textbox", name="New group").fill(name)
        _htmx_post(page, base + "groups/add/", groups.get_by_role("button", name="Add group").click)
        expect(page.get_by_role("status")).to_have_text("Participant group added.")
        expect(groups.get_by_role("textbox", name=f"Name of the group {name}")).to_have_value(name)
        expect(groups.get_by_role("listitem").filter(has_text="No field counts it yet")).to_have_count(
            list(GROUPS.values()).index(name) + 1
        )

    starters.get_by_role("radio", name="Qualitative studies").check()
    _htmx_post(page, base + "starter/", page.get_by_role("button", name="Load the starting template").click)
    expect(page.get_by_role("status")).to_have_text(
        "The starting template for Qualitative studies is loaded; edit it as you need."
    )
    for title in ("Study details", "Participants", "Content"):
        expect(page.get_by_role("region", name=f"Section {title}", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Load the starting template")).to_have_count(0)
    expect(page.get_by_role("region", name="Section Study details", exact=True)).not_to_contain_text("Author")

    # A whole-number field counting each group, in the Participants section.
    participants = page.get_by_role("region", name="Section Participants", exact=True)
    for label, group in GROUPS.items():
        participants.get_by_text("Add a field to Participants").click()
        participants.get_by_role("textbox", name="Label", exact=True).fill(label)
        participants.get_by_role("combobox", name="Type", exact=True).select_option(label="Whole number")
        participants.get_by_role("combobox", name=re.compile("^Counts a participant group")).select_option(
            label=group
        )
        _htmx_post(
            page, "/fields/add/", participants.get_by_role("button", name="Add field", exact=True).click
        )
        expect(page.get_by_role("status")).to_have_text("Field added.")
        expect(participants.get_by_role("listitem").filter(has_text=label)).to_contain_text(
            f"counts: {group}"
        )
        expect(groups.get_by_role("listitem").filter(has_text=f"Counted by {label}")).to_have_count(1)

    # A new section, then a single-choice field in it, through the builder's own forms.
    page.get_by_role("textbox", name="New section").fill(NEW_SECTION)
    _htmx_post(page, base + "sections/add/", page.get_by_role("button", name="Add section").click)
    expect(page.get_by_role("status")).to_have_text("Section added.")
    section = page.get_by_role("region", name=f"Section {NEW_SECTION}", exact=True)
    expect(section).to_contain_text("No fields in this section yet.")
    section.get_by_text(f"Add a field to {NEW_SECTION}").click()
    section.get_by_role("textbox", name="Label", exact=True).fill(CHOICE_LABEL)
    section.get_by_role("combobox", name="Type", exact=True).select_option(label="Single choice")
    section.get_by_role("textbox", name=re.compile("^Choices")).fill("\n".join(CHOICES))
    section.get_by_role("textbox", name="Help text", exact=True).fill("How the authors analysed their data.")
    _htmx_post(
        page,
        "/fields/add/",
        section.get_by_role("button", name="Add field", exact=True).click,
    )
    expect(page.get_by_role("status")).to_have_text("Field added.")
    added = section.get_by_role("listitem").filter(has_text=CHOICE_LABEL)
    expect(added).to_have_count(1)
    expect(added).to_contain_text("Single choice")
    expect(added).to_contain_text("Choices: Thematic · Framework · Grounded theory")
    page.screenshot(path=BUILDER_SCREENSHOT, full_page=True)

    # Moved to the end of the last section with fields, so the form's order of fields stays the same.
    added.get_by_role("combobox", name=f"Move {CHOICE_LABEL} to section").select_option(label=MOVED_TO)
    _htmx_post(
        page,
        "/section/",
        added.get_by_role("button", name=f"Move {CHOICE_LABEL} to the chosen section").click,
    )
    expect(page.get_by_role("status")).to_have_text(f"“{CHOICE_LABEL}” moved to {MOVED_TO}.")
    content = page.get_by_role("region", name=f"Section {MOVED_TO}", exact=True)
    expect(content.get_by_role("listitem").filter(has_text=CHOICE_LABEL)).to_have_count(1)
    expect(section).to_contain_text("No fields in this section yet.")

    field = FormField.objects.get(review__slug=SLUG, label=CHOICE_LABEL)
    assert (field.field_type, field.choices, field.section.title) == ("single_choice", CHOICES, MOVED_TO)


# --- Extracting -------------------------------------------------------------------------------------------


def _fill(form: Locator, values: dict[str, str | list[str]]) -> None:
    for label, value in values.items():
        if label in CHECKBOXES:
            group = form.get_by_role("group", name=_label(label))
            for option in value:
                group.get_by_role("checkbox", name=option, exact=True).check()
        elif label in SELECTS:
            form.get_by_role("combobox", name=_label(label)).select_option(label=value)
        else:
            form.get_by_role("textbox", name=_label(label)).fill(value)


def _expect_filled(form: Locator, values: dict[str, str | list[str]]) -> None:
    for label, value in values.items():
        if label in CHECKBOXES:
            group = form.get_by_role("group", name=_label(label))
            for option in value:
                expect(group.get_by_role("checkbox", name=option, exact=True)).to_be_checked()
        elif label in SELECTS:
            combobox = form.get_by_role("combobox", name=_label(label))
            expect(combobox.locator("option:checked")).to_have_text(value)
        else:
            expect(form.get_by_role("textbox", name=_label(label))).to_have_value(value)


def _submitted_answers(form: Locator) -> dict[str, str]:
    terms = form.locator("dl.answers dt").all_inner_texts()
    details = form.locator("dl.answers dd").all_inner_texts()
    return dict(zip(terms, details, strict=True))


def _as_text(value: str | list[str]) -> str:
    return "; ".join(value) if isinstance(value, list) else value


def _extract(page: Page, study, draft: dict, rest: dict, screenshot: str = "") -> None:
    """Open a study from the Studies page, save a draft, leave, come back to it and submit."""
    title = study.title
    _open_studies(page)
    _study_row(page, title).get_by_role("link", name=re.compile(r"^Extract\b")).click()
    expect(page.get_by_role("heading", name="Data extraction", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    # The bibliographic details come from the study record; the form does not ask them.
    record = page.get_by_role("region", name="From the study record")
    expect(record.locator("dd")).to_have_text(
        ["; ".join(study.authors), str(study.year), study.journal, study.doi]
    )
    expect(record.get_by_role("link", name=study.doi)).to_have_attribute(
        "href", f"https://doi.org/{study.doi}"
    )
    path = _path(page)
    form = page.get_by_role("region", name="Your extraction")
    _fill(form, draft)
    _htmx_post(page, path, form.get_by_role("button", name="Save draft").click)
    expect(form.get_by_role("status")).to_have_text("Draft saved.")
    expect(form.get_by_text(re.compile(r"^Draft saved \d"))).to_be_visible()

    # Away to the Studies page, which shows the draft, and back to it.
    page.get_by_role("navigation", name="Data extraction").get_by_role("link", name="Studies").click()
    row = _study_row(page, title)
    expect(row.get_by_text("Draft", exact=True)).to_be_visible()
    row.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    _expect_filled(form, draft)
    _fill(form, rest)
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    _htmx_post(page, path, form.get_by_role("button", name="Submit extraction").click)
    expect(form.get_by_role("status")).to_have_text(
        "Submitted. Thank you: the lead reconciles once both extractions are in."
    )
    expect(form).to_contain_text("You submitted this extraction")
    expect(form.get_by_role("button")).to_have_text(["Reopen to edit"])
    shown = _submitted_answers(form)
    for label, value in {**draft, **rest}.items():
        assert shown[label] == _as_text(value), (label, shown[label], value)


def _reopen_and_correct(page: Page, answers: dict, label: str, value: str) -> None:
    """On a submitted extraction: reopen it, find every answer kept, correct one and submit again."""
    form = page.get_by_role("region", name="Your extraction")
    page.screenshot(path=REOPEN_SCREENSHOT, full_page=True)
    _htmx_post(page, _path(page) + "reopen/", form.get_by_role("button", name="Reopen to edit").click)
    expect(form.get_by_role("status")).to_have_text(
        "Reopened: your answers are a draft again. Submit it again when you are done."
    )
    _expect_filled(form, answers)
    _fill(form, {label: value})
    _htmx_post(page, _path(page), form.get_by_role("button", name="Submit extraction").click)
    expect(form).to_contain_text("You submitted this extraction")
    assert _submitted_answers(form)[label] == value


# --- Reconciling -------------------------------------------------------------------------------------------


def _reconcile_row(table: Locator, label: str) -> Locator:
    row = table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=_label_badge(label)))
    expect(row).to_have_count(1)
    return row


def _label_badge(label: str) -> re.Pattern[str]:
    return re.compile(rf"^{_escape(label)}\s*(Agreed|Differs)$")


def _reconcile(page: Page, study: str, title: str, fields: list[str]) -> dict[str, str]:
    """Reconcile one study on its page; returns the source each reviewer's column stands for."""
    _open_studies(page)
    _study_row(page, title).get_by_role("link", name="Reconcile").click()
    expect(page.get_by_role("heading", name="Reconcile extraction", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    path = _path(page)
    table = page.get_by_role("region", name="Reconciliation").get_by_role("table")
    headers = table.get_by_role("columnheader").all_inner_texts()
    assert headers[0] == "Field" and headers[3] == "Final value" and sorted(headers[1:3]) == ["bob", "carol"]
    columns = {headers[1]: "first", headers[2]: "second"}

    # Agreed fields read as agreed, once; disagreements side by side under each reviewer's name.
    bob, carol = _answers("bob", study), _answers("carol", study)
    for label in fields:
        row = _reconcile_row(table, label)
        if label in DIFFERS[study]:
            expect(row.get_by_role("rowheader")).to_contain_text("Differs")
            by_name = {"bob": bob[label], "carol": carol[label]}
            expect(row.get_by_role("cell").nth(0)).to_have_text(by_name[headers[1]])
            expect(row.get_by_role("cell").nth(1)).to_have_text(by_name[headers[2]])
        else:
            expect(row.get_by_role("rowheader")).to_contain_text("Agreed")
            expect(row.get_by_role("cell").first).to_have_text(_as_text(bob.get(label, "")) or "(blank)")
            expect(row.get_by_role("radio", name="Keep the agreed value")).to_be_checked()

    picked_label, picked = PICK[study]
    picked_by = "carol" if picked == carol[picked_label] else "bob"
    _reconcile_row(table, picked_label).get_by_role(
        "radio", name=f"{picked_label}: {picked_by}'s value, {picked}", exact=True
    ).check()
    consensus_label, consensus = CONSENSUS[study]
    _fill_consensus(_reconcile_row(table, consensus_label), consensus_label, consensus)
    _htmx_post(page, path, page.get_by_role("button", name="Save reconciled values").click)
    expect(page.get_by_role("region", name="Reconciliation").get_by_role("status")).to_have_text(
        "Reconciled values saved; every field has its final value."
    )
    expect(_reconcile_row(table, picked_label)).to_contain_text(
        f"Saved: {picked} ({columns[picked_by]} reviewer's value, alice)"
    )
    expect(_reconcile_row(table, consensus_label)).to_contain_text(
        f"Saved: {consensus} (consensus value, alice)"
    )
    return columns


def _fill_consensus(row: Locator, label: str, value: str) -> None:
    """Type the consensus value: typing alone chooses "Write a consensus value"."""
    control = row.get_by_role("combobox" if label in SELECTS else "textbox", name=_label(label))
    expect(control).to_be_visible()
    if label in SELECTS:
        control.select_option(label=value)
    else:
        control.fill(value)
    expect(row.get_by_role("radio", name="Write a consensus value")).to_be_checked()


# --- The test ------------------------------------------------------------------------------------------------


def _included_studies(alice, bob, carol, review) -> dict[str, object]:
    """Three records imported; two included by both reviewers at both stages, one excluded."""
    first, second, third = records_to_screen(review, alice, count=3, prefix="Ward")
    for record in (first, second):
        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
            for reviewer in (bob, carol):
                decide(review, record, reviewer, "include", stage=stage)
    for reviewer in (bob, carol):
        decide(review, third, reviewer, "exclude")
    for key, record in (("A", first), ("B", second)):
        record_edit(actor=alice, record=record, journal=JOURNALS[key])
    statuses = RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == ["included", "included"]
    first, second = (Record.objects.get(pk=record.pk) for record in (first, second))
    return {"A": first, "B": second, "excluded": third}


def test_lead_builds_the_form_two_blind_reviewers_extract_and_the_lead_reconciles(
    live_server, new_page, tmp_path
):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    review = review_with_team(slug=SLUG, team={"owner": alice, "reviewer": [bob, carol]})
    membership_change_roles(
        actor=alice, membership=Membership.objects.get(review=review, user=alice), roles={"owner", "lead"}
    )
    studies = _included_studies(alice, bob, carol, review)
    titles = {key: record.title for key, record in studies.items()}

    # alice builds the form.
    alice_page = new_page()
    _build_form(alice_page, live_server)
    fields = [field.label for field in FormField.objects.filter(review=review, is_archived=False)]
    assert len(fields) == 12 and fields[-1] == CHOICE_LABEL

    # The reviewers: carol extracts study A first, then bob; bob drafts B before carol extracts it.
    bob_page, carol_page = new_page(), new_page()
    bob_received, carol_received = _Received(bob_page), _Received(carol_page)
    for page, name in ((bob_page, "bob"), (carol_page, "carol")):
        login(page, live_server, name, TEST_PASSWORD)
        page.goto(f"{live_server.url}/r/{SLUG}/")
    _open_studies(bob_page)
    expect(bob_page.get_by_role("row").filter(has_text=titles["excluded"])).to_have_count(0)
    _extract(carol_page, studies["A"], *_parts("carol", "A"))
    # bob submits study A with a slip in its aims, then reopens it and corrects it before alice reconciles.
    bob_draft, bob_rest = _parts("bob", "A")
    slip = {**bob_rest, "Aims": "To explore how ward nurses adopt early-warning scroes."}
    _extract(bob_page, studies["A"], bob_draft, slip, screenshot=EXTRACT_SCREENSHOT)
    _reopen_and_correct(bob_page, {**bob_draft, **slip}, "Aims", bob_rest["Aims"])
    _extract(bob_page, studies["B"], *_parts("bob", "B"))
    _extract(carol_page, studies["B"], *_parts("carol", "B"))

    stored = {
        (extraction.reviewer.username, extraction.record_id): extraction.status
        for extraction in Extraction.objects.filter(review=review).select_related("reviewer")
    }
    assert stored == {(name, studies[key].pk): "submitted" for name in ("bob", "carol") for key in ("A", "B")}

    # bob's studies page shows his own work only; the reconciliation page is closed to him.
    _open_studies(bob_page)
    expect(bob_page.get_by_role("columnheader", name="Extractors")).to_have_count(0)
    response = bob_page.goto(f"{live_server.url}/r/{SLUG}/extraction/{studies['A'].pk}/reconcile/")
    assert response is not None and response.status == 403

    # Nothing bob was sent carried carol's answers or name; the same check finds bob's own answers.
    bob_html, carol_html = bob_received.drain(), carol_received.drain()
    assert bob_html and carol_html
    unreadable = [url for url, text in bob_html + carol_html if text.startswith("<<body unavailable")]
    assert not unreadable, unreadable
    carol_only = {f"{key}: {label}": value for key in "AB" for label, value in CAROL_CHANGES[key].items()}
    leaks = [(url, _shows_values(text, carol_only)) for url, text in bob_html]
    assert not [leak for leak in leaks if leak[1]], leaks
    assert not [url for url, text in bob_html if re.search(r"\bcarol\b", text, re.I)]
    assert not [url for url, text in carol_html if re.search(r"\bbob\b", text, re.I)]
    # And the reverse, for bob's values that carol never entered herself (she chose "Thematic" on A).
    carol_entered = {_as_text(value) for key in "AB" for value in _answers("carol", key).values()}
    bob_only = {
        f"{key}: {label}": _answers("bob", key)[label]
        for key in "AB"
        for label in DIFFERS[key]
        if _answers("bob", key)[label] not in carol_entered
    }
    assert len(bob_only) == 3, bob_only
    leaks = [(url, _shows_values(text, bob_only)) for url, text in carol_html]
    assert not [leak for leak in leaks if leak[1]], leaks
    bob_own = {f"{key}: {label}": DRAFT[key][label] for key in "AB" for label in (HCP, PATIENTS)}
    assert any(_shows_values(text, bob_own) for _, text in bob_html)

    # alice sees both extractions in, and the agreement on the new choice field (1 of 2 studies, κ 0).
    _open_studies(alice_page)
    for key in ("A", "B"):
        row = _study_row(alice_page, titles[key])
        expect(row).to_contain_text("bob: submitted")
        expect(row).to_contain_text("carol: submitted")
        expect(row).to_contain_text("0 / 12")
    agreement = alice_page.get_by_role("table").filter(has_text="Cohen's κ")
    choice_row = agreement.get_by_role("row").filter(has_text=CHOICE_LABEL)
    expect(choice_row.get_by_role("cell")).to_have_text([CHOICE_LABEL, "2", "50.0%", "0.0"])

    columns = {"A": _reconcile(alice_page, "A", titles["A"], fields)}
    alice_page.screenshot(path=RECONCILE_SCREENSHOT, full_page=True)
    columns["B"] = _reconcile(alice_page, "B", titles["B"], fields)

    for key in ("A", "B"):
        saved = {
            value.field.label: value
            for value in ReconciledValue.objects.filter(record=studies[key]).select_related("field")
        }
        assert sorted(saved) == sorted(fields)
        picked_label, picked = PICK[key]
        consensus_label, consensus = CONSENSUS[key]
        picked_by = "carol" if picked == CAROL_CHANGES[key].get(picked_label) else "bob"
        assert (saved[picked_label].source, saved[picked_label].value) == (
            columns[key][picked_by],
            int(picked) if picked_label in (HCP, PATIENTS) else picked,
        )
        assert (saved[consensus_label].source, saved[consensus_label].value) == (
            "consensus",
            int(consensus) if consensus_label in (HCP, PATIENTS) else consensus,
        )
        assert {saved[label].source for label in fields if label not in DIFFERS[key]} == {"agreed"}
        assert {saved[label].decided_by_id for label in fields} == {alice.pk}

    _open_studies(alice_page)
    for key in ("A", "B"):
        row = _study_row(alice_page, titles[key])
        expect(row).to_contain_text("12 / 12")
        expect(row.get_by_role("link", name="Review")).to_be_visible()
    hcp = int(_reconciled("A")[HCP]) + int(_reconciled("B")[HCP])
    patients = int(_reconciled("A")[PATIENTS]) + int(_reconciled("B")[PATIENTS])
    assert (hcp, patients) == (51, 16)
    expect(alice_page.locator(".extraction-totals")).to_have_text(
        re.compile(rf"^\s*2\s+studies involving {hcp} HCPs and {patients} patients\s+·\s+2 reconciled\s*$")
    )

    # The reconciled XLSX: one row per study, numbers as numbers, the picked and consensus values.
    exports = alice_page.get_by_role("listitem").filter(has_text="Characteristics of included studies")
    with alice_page.expect_download() as download_info:
        exports.get_by_role("link", name="XLSX", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"{SLUG}-extraction-reconciled.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    _check_workbook(path, studies, fields)

    # The overview adds up the reconciled numbers.
    alice_page.get_by_role("navigation", name="Review").get_by_role("link", name="Overview").click()
    section = alice_page.get_by_role("region", name="Data extraction")
    expect(section).to_contain_text(
        f"2 studies involving {hcp} HCPs and {patients} patients (2 reconciled; totals from reconciled data)"
    )


def _check_workbook(path: Path, studies: dict, fields: list[str]) -> None:
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["record_id", "title", "authors", "year", "journal", "doi", *fields]
    assert len(rows) == 3, rows
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert sorted(by_id) == sorted([studies["A"].pk, studies["B"].pk])
    for key in ("A", "B"):
        row = by_id[studies[key].pk]
        expected = _reconciled(key)
        for label in fields:
            value = expected.get(label)
            if label in (HCP, PATIENTS):
                assert type(row[label]) is int and row[label] == int(value), (label, row[label])
            elif value is None:
                assert row[label] is None, (label, row[label])
            else:
                assert row[label] == _as_text(value), (label, row[label], value)
        # The record's columns, from the record: nobody typed them.
        assert [row[column] for column in ("record_id", "title", "authors", "year", "journal", "doi")] == [
            studies[key].pk,
            studies[key].title,
            "; ".join(studies[key].authors),
            studies[key].year,
            JOURNALS[key],
            studies[key].doi,
        ]
        assert type(row["record_id"]) is int and type(row["year"]) is int
    assert by_id[studies["A"].pk][HCP] == 21
    assert by_id[studies["A"].pk][FINDINGS] == CONSENSUS["A"][1]
    assert by_id[studies["B"].pk][CHOICE_LABEL] == "Thematic"
    assert by_id[studies["B"].pk][PATIENTS] == 10
