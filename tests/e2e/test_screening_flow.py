"""Title/abstract screening in a real browser: two blind reviewers on the keyboard, then the lead.

bob and carol screen the same ten records, each in their own browser context, with the i/m/e/u/n keys
only. They disagree on three. bob undoes one decision, and carol decides that record (with a note)
while it is undone, so bob meets it again after her: nothing of hers may reach any page bob is sent.
alice (owner and lead) then sees the agreement statistics and resolves the three conflicts in place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response, expect

from reviews.models import Membership, Record
from reviews.services import membership_change_roles
from screening.models import Decision, RecordStage, Stage
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file

SCREEN_SCREENSHOT = "/tmp/e2e-screen.png"
CONFLICTS_SCREENSHOT = "/tmp/e2e-conflicts.png"
OVERVIEW_SCREENSHOT = "/tmp/e2e-overview.png"
SLUG = "tdf-review"
STAGE_PATH = f"/r/{SLUG}/screen/title-abstract/"
RECORD_URL = re.compile(rf"{re.escape(STAGE_PATH)}(\d+)/$")
# Has every shortcut letter in it: typing it into the note field must not decide anything.
CAROL_NOTE = "Carol-only remark: mixed sample, unclear if adults"
KEYS = {"include": "i", "maybe": "m", "exclude": "e"}
ADVANCE = {"include", "maybe"}

TOPICS = [
    ("Walking groups for older adults with knee osteoarthritis", "Abbott, Ruth", "BMJ Open"),
    ("Sugar-sweetened beverage taxes and dental caries in children", "Baptiste, Leon", "Lancet"),
    ("Telehealth follow-up after cardiac surgery in rural hospitals", "Chen, Mei", "Heart"),
    ("Peer support for new mothers with postnatal depression", "Dlamini, Sipho", "Midwifery"),
    ("School gardens and vegetable intake in primary pupils", "Eriksen, Tove", "Appetite"),
    ("Night shifts and sleep quality among emergency nurses", "Fofana, Awa", "Sleep"),
    ("Cycling infrastructure and commuting injuries in cities", "Gallagher, Niamh", "Injury Prevention"),
    ("Hearing aids and cognitive decline: a cohort study", "Horvath, Bence", "Age and Ageing"),
    ("Smartphone reminders for tuberculosis treatment adherence", "Ibrahim, Yusuf", "PLOS Medicine"),
    ("Green space exposure and adolescent anxiety", "Jensen, Freja", "Environment International"),
]

# Decisions by position in the shared queue: (bob, carol). Seven agreements (include+maybe counts as
# agreement), three disagreements. At position 5 bob first includes, undoes it, and later says maybe.
PLAN = [
    ("include", "include"),
    ("exclude", "exclude"),
    ("include", "exclude"),  # conflict: alice resolves it as include
    ("include", "maybe"),
    ("maybe", "exclude"),  # conflict, carol's note: alice resolves it as exclude
    ("maybe", "maybe"),
    ("exclude", "include"),  # conflict: alice resolves it as include
    ("include", "include"),
    ("exclude", "exclude"),
    ("include", "include"),
]
BOB_FIRST_CHOICE_AT_5 = "include"
RESOLUTIONS = {3: "include", 5: "exclude", 7: "include"}  # by position


def _ris(topics: list[tuple[str, str, str]]) -> bytes:
    entries = []
    for number, (title, author, journal) in enumerate(topics, start=1):
        entries.append(
            "\n".join(
                [
                    "TY  - JOUR",
                    f"TI  - {title}",
                    f"AU  - {author}",
                    f"PY  - {2010 + number}",
                    f"JO  - {journal}",
                    f"DO  - 10.5555/tandem.e2e.{number:03d}",
                    f"AB  - Abstract of study {number}: {title.lower()}.",
                    f"ID  - {900 + number}",
                    "ER  - ",
                ]
            )
        )
    return ("\n\n".join(entries) + "\n").encode()


def _cohen_kappa(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    """Percent agreement, Cohen's kappa and Gwet's AC1, computed here, rounded as the overview rounds."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    p_a = sum(a for a, _ in pairs) / n
    p_b = sum(b for _, b in pairs) / n
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    kappa = (observed - expected) / (1 - expected)
    mean = (p_a + p_b) / 2
    chance_ac1 = 2 * mean * (1 - mean)
    ac1 = (observed - chance_ac1) / (1 - chance_ac1)
    return round(100 * observed, 1), round(kappa, 3), round(ac1, 3)


def _collect_html(page: Page) -> list[tuple[str, str]]:
    """Every HTML body the page receives (full pages and htmx fragments), as (url, text)."""
    received: list[tuple[str, str]] = []

    def on_response(response: Response) -> None:
        if not response.url.startswith(("http://", "https://")):
            return  # the browser's own pages (its PDF viewer), not the app's
        if "text/html" not in response.headers.get("content-type", ""):
            return
        if 300 <= response.status < 400:
            return  # a redirect has no body to read
        try:
            received.append((response.url, response.text()))
        except PlaywrightError as error:  # keep the gap visible rather than silently skip a page
            received.append((response.url, f"<<body unavailable: {error}>>"))

    page.on("response", on_response)
    return received


def _record_id(page: Page) -> int:
    match = RECORD_URL.search(page.url)
    assert match, f"not on a record's screening page: {page.url}"
    return int(match.group(1))


def _progress(page: Page) -> Locator:
    return page.locator("#screen-panel .progress-wrap small")


def _key_hints(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Your decision").locator(".shortcuts")


def _record_heading(page: Page) -> Locator:
    return page.get_by_role("article", name="Record to screen").get_by_role("heading", level=2)


def _is_decision_post(path: str) -> Callable[[Response], bool]:
    return lambda response: response.request.method == "POST" and response.url.endswith(path)


def _press(page: Page, key: str, path: str) -> Response:
    """Press a shortcut key on the page and wait for the htmx request it makes to come back."""
    # htmx processes swapped-in content only when it settles (20 ms later): a key pressed before then
    # clicks a plain form button, and the browser posts the whole page instead.
    _wait_for_htmx(page)
    with page.expect_response(_is_decision_post(path)) as response_info:
        page.keyboard.press(key)
    response = response_info.value
    assert response.status == 200, (key, response.url, response.status)
    assert response.request.headers.get("hx-request") == "true"
    return response


def _screen(
    page: Page,
    *,
    count: int,
    done: int,
    plan: dict[int, str],
    titles: dict[int, str],
    seen: list[int],
    notes: dict[int, str] | None = None,
    before_deciding: Callable[[int], None] | None = None,
) -> int:
    """Decide ``count`` records in a row with the keyboard, each by what the plan says for its id."""
    total = len(titles)
    for _ in range(count):
        record_id = _record_id(page)
        expect(_record_heading(page)).to_have_text(titles[record_id])
        expect(_progress(page)).to_have_text(f"{done} done · {total - done} left")
        if before_deciding is not None:
            before_deciding(record_id)
        note = (notes or {}).get(record_id)
        if note:
            page.keyboard.press("n")
            expect(page.get_by_label("Note")).to_be_focused()
            page.keyboard.type(note)
            page.keyboard.press("Escape")
            expect(page.get_by_label("Note")).not_to_be_focused()
        _press(page, KEYS[plan[record_id]], f"/{record_id}/decide/")
        done += 1
        expect(_progress(page)).to_have_text(f"{done} done · {total - done} left")
        if done < total:
            expect(page).not_to_have_url(re.compile(rf"/{record_id}/$"))
        seen.append(record_id)
    return done


def _wait_for_htmx(page: Page) -> None:
    """htmx is loaded and has processed the page (it does so on DOMContentLoaded, after loading)."""
    page.wait_for_function(
        "() => window.htmx !== undefined && document.readyState !== 'loading'"
        " && [...document.querySelectorAll('[hx-post]')].every(el => el['htmx-internal-data'])"
    )


def _open_screening(page: Page) -> None:
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Screen titles").click()
    expect(page).to_have_url(RECORD_URL)
    expect(page.get_by_role("heading", name="Title and abstract screening", level=1)).to_be_visible()
    _wait_for_htmx(page)


def _stage_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Title and abstract screening")


def _legend(page: Page) -> list[str]:
    return [text.strip() for text in _stage_section(page).locator("ul.legend > li").all_inner_texts()]


def _assert_reviewer_overview_is_blind(page: Page, live_server) -> None:
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Overview").click()
    expect(page).to_have_url(f"{live_server.url}/r/{SLUG}/")
    section = _stage_section(page)
    expect(section).to_be_visible()
    assert not [item for item in _legend(page) if "conflict" in item or "awaiting" in item], _legend(page)
    expect(section.get_by_role("link", name=re.compile("conflict", re.I))).to_have_count(0)
    expect(page.get_by_role("heading", name="Agreement between reviewers")).to_have_count(0)
    expect(page.locator(".agreement")).to_have_count(0)
    expect(page.get_by_text("Cohen")).to_have_count(0)
    expect(section).to_contain_text("Conflicts and agreement are shown to the lead")


def test_two_blind_reviewers_screen_by_keyboard_and_the_lead_resolves_conflicts(live_server, new_page):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    review = review_with_team(slug=SLUG, team={"owner": alice, "reviewer": [bob, carol]})
    membership_change_roles(
        actor=alice, membership=Membership.objects.get(review=review, user=alice), roles={"owner", "lead"}
    )
    batch = import_file(review, alice, "ten.ris", _ris(TOPICS), source="Embase")
    assert batch.records_count == 10

    # The shared queue order; the plan goes by position in it, but is looked up by record id.
    order = list(
        RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
        .order_by("order_key")
        .values_list("record_id", flat=True)
    )
    assert len(order) == 10 and Record.objects.filter(review=review, merged_into__isnull=True).count() == 10
    titles = dict(Record.objects.filter(pk__in=order).values_list("pk", "title"))
    assert sorted(titles.values()) == sorted(title for title, _, _ in TOPICS)
    position = {record_id: number for number, record_id in enumerate(order, start=1)}
    bob_plan = {record_id: PLAN[position[record_id] - 1][0] for record_id in order}
    carol_plan = {record_id: PLAN[position[record_id] - 1][1] for record_id in order}
    fifth = order[4]
    bob_first_plan = {**bob_plan, fifth: BOB_FIRST_CHOICE_AT_5}

    bob_page, carol_page = new_page(), new_page()
    bob_html, carol_html = _collect_html(bob_page), _collect_html(carol_page)
    login(bob_page, live_server, "bob", TEST_PASSWORD)
    login(carol_page, live_server, "carol", TEST_PASSWORD)
    bob_page.goto(f"{live_server.url}/r/{SLUG}/")
    carol_page.goto(f"{live_server.url}/r/{SLUG}/")
    _open_screening(bob_page)
    _open_screening(carol_page)
    assert _record_id(bob_page) == _record_id(carol_page) == order[0]
    # The key hints name only keys with a control on the panel: nothing to undo yet.
    expect(_key_hints(bob_page)).to_have_text("Keys: i include, m maybe, e exclude, n note")
    bob_seen: list[int] = []
    carol_seen: list[int] = []

    # bob screens five records.
    bob_done = _screen(bob_page, count=5, done=0, plan=bob_first_plan, titles=titles, seen=bob_seen)
    expect(bob_page.get_by_role("button", name="Undo")).to_be_visible()
    expect(_key_hints(bob_page)).to_have_text("Keys: i include, m maybe, e exclude, u undo, n note")

    # He undoes the fifth: the panel goes back to that record, with no decision of his on it.
    _press(bob_page, "u", f"/{fifth}/undo/")
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{fifth}/")
    expect(_record_heading(bob_page)).to_have_text(titles[fifth])
    bob_done -= 1
    expect(_progress(bob_page)).to_have_text(f"{bob_done} done · {10 - bob_done} left")
    expect(bob_page.get_by_text("You chose")).to_have_count(0)
    assert not Decision.objects.filter(record_id=fifth, reviewer=bob).exists()

    # carol screens five, leaving a note on the fifth, which bob has now not decided.
    carol_done = _screen(
        carol_page,
        count=5,
        done=0,
        plan=carol_plan,
        titles=titles,
        seen=carol_seen,
        notes={fifth: CAROL_NOTE},
    )
    carol_decision = Decision.objects.get(record_id=fifth, reviewer=carol)
    assert (carol_decision.choice, carol_decision.note) == (carol_plan[fifth], CAROL_NOTE)
    assert RecordStage.objects.get(record_id=fifth, stage=Stage.TITLE_ABSTRACT).status == "open"

    # bob's page for the fifth record, fetched again now that carol has decided it: nothing of hers.
    bob_page.reload()
    expect(_record_heading(bob_page)).to_have_text(titles[fifth])
    panel = bob_page.get_by_role("complementary", name="Your decision")
    expect(panel.get_by_role("button", name=re.compile("^Exclude"))).to_be_enabled()
    expect(panel.get_by_label("Note")).to_have_value("")
    expect(bob_page.get_by_text("You chose")).to_have_count(0)
    expect(bob_page.locator(".notice")).to_have_count(0)
    body = bob_page.content()
    assert CAROL_NOTE not in body and "carol" not in body.lower()

    # His overview shows neither conflicts (one already exists) nor agreement.
    assert RecordStage.objects.filter(review=review, status="conflict").count() == 1
    _assert_reviewer_overview_is_blind(bob_page, live_server)

    # Back to screening: the queue starts again at the undone record; he decides it differently.
    _open_screening(bob_page)
    assert _record_id(bob_page) == fifth
    assert bob_plan[fifth] != BOB_FIRST_CHOICE_AT_5
    bob_done = _screen(bob_page, count=2, done=bob_done, plan=bob_plan, titles=titles, seen=bob_seen)
    bob_page.screenshot(path=SCREEN_SCREENSHOT, full_page=True)

    # Back shows the record he just decided (his own choice only), and reloading keeps it.
    sixth, seventh = order[5], order[6]
    assert _record_id(bob_page) == seventh
    bob_page.go_back()
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{sixth}/")
    expect(_record_heading(bob_page)).to_have_text(titles[sixth])
    expect(bob_page.get_by_text("You chose Maybe; choose again to change it.")).to_be_visible()
    bob_page.reload()
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}{sixth}/")
    expect(_record_heading(bob_page)).to_have_text(titles[sixth])
    expect(bob_page.get_by_text("You chose Maybe; choose again to change it.")).to_be_visible()
    expect(_progress(bob_page)).to_have_text(f"{bob_done} done · {10 - bob_done} left")

    # The rest of bob's records, then the rest of carol's.
    _open_screening(bob_page)
    assert _record_id(bob_page) == seventh
    bob_done = _screen(bob_page, count=4, done=bob_done, plan=bob_plan, titles=titles, seen=bob_seen)
    expect(bob_page.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()
    expect(bob_page).to_have_url(f"{live_server.url}{STAGE_PATH}")
    carol_done = _screen(
        carol_page, count=5, done=carol_done, plan=carol_plan, titles=titles, seen=carol_seen
    )
    expect(carol_page.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()
    assert bob_done == carol_done == 10
    assert bob_seen == order[:5] + order[4:] and carol_seen == order

    # What the server stored is exactly what the keys said.
    stored = {
        (decision.reviewer.username, decision.record_id): decision.choice
        for decision in Decision.objects.filter(review=review).select_related("reviewer")
    }
    assert stored == {("bob", rid): c for rid, c in bob_plan.items()} | {
        ("carol", rid): c for rid, c in carol_plan.items()
    }
    conflicts = [rid for rid in order if (bob_plan[rid] in ADVANCE) != (carol_plan[rid] in ADVANCE)]
    assert [position[rid] for rid in conflicts] == sorted(RESOLUTIONS)
    statuses = dict(
        RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).values_list(
            "record_id", "status"
        )
    )
    assert sorted(rid for rid, status in statuses.items() if status == "conflict") == sorted(conflicts)

    # bob's overview at the end: still blind.
    _assert_reviewer_overview_is_blind(bob_page, live_server)
    expect(_stage_section(bob_page)).to_contain_text("You: 10 screened, 0 left.")

    # Nothing bob was sent ever carried carol's note or name, and nothing carol was sent carried bob's.
    assert bob_html and carol_html
    unreadable = [url for url, text in bob_html + carol_html if text.startswith("<<body unavailable")]
    assert not unreadable, unreadable
    assert not [url for url, text in bob_html if CAROL_NOTE in text or re.search(r"\bcarol\b", text, re.I)]
    assert not [url for url, text in carol_html if re.search(r"\bbob\b", text, re.I)]

    # alice, the lead, sees three conflicts and the agreement statistics computed from the ten pairs.
    pairs = [(bob_plan[rid] in ADVANCE, carol_plan[rid] in ADVANCE) for rid in order]
    percent, kappa, ac1 = _cohen_kappa(pairs)
    alice_page = new_page()
    login(alice_page, live_server, "alice", TEST_PASSWORD)
    alice_page.goto(f"{live_server.url}/r/{SLUG}/")
    section = _stage_section(alice_page)
    both_advanced = sum(1 for a, b in pairs if a and b)
    both_excluded = sum(1 for a, b in pairs if not a and not b)
    assert _legend(alice_page) == [
        f"{len(conflicts)} conflicts",
        f"{both_advanced} included",
        f"{both_excluded} excluded",
    ]
    expect(section.get_by_role("link", name="Resolve 3 conflicts")).to_be_visible()
    expect(section.get_by_role("heading", name="Agreement between reviewers", level=3)).to_be_visible()
    agreement = section.locator(".agreement")
    expect(agreement).to_have_count(1)
    expect(agreement).to_contain_text("bob and carol")
    expect(agreement).to_contain_text("on 10 records both decided")
    labels = agreement.locator("dl.agreement-bars dt").all_inner_texts()
    shown = agreement.locator("dl.agreement-bars dd span").all_inner_texts()
    assert dict(zip(labels, shown, strict=True)) == {
        "agreement": f"{percent}%",
        "Cohen's κ": str(kappa),
        "Gwet's AC1": str(ac1),
    }
    assert (percent, kappa) == (70.0, 0.348)  # the plan's numbers, worked by hand

    # The conflicts page: each card shows both votes (and carol's note) and resolves in place.
    section.get_by_role("link", name="Resolve 3 conflicts").click()
    expect(alice_page.get_by_role("heading", name="Conflicts at title and abstract", level=1)).to_be_visible()
    tabs = alice_page.get_by_role("navigation", name="Conflicts by stage").get_by_role("link")
    expect(tabs).to_have_text([f"Titles and abstracts ({len(conflicts)})", "Full texts (0)"])
    expect(tabs.nth(0)).to_have_attribute("aria-current", "page")
    _wait_for_htmx(alice_page)
    alice_page.evaluate("() => { window.__e2eNoReload = 'still here'; }")
    cards = alice_page.locator("section.conflict")
    expect(cards).to_have_count(3)
    note_card = alice_page.get_by_role("region", name=f"Conflict on record {fifth}", exact=True)
    expect(note_card).to_contain_text(f"“{CAROL_NOTE}”")
    expect(note_card.locator(".vote")).to_have_text(["bob: Maybe", f"carol: Exclude “{CAROL_NOTE}”"])
    for number, rid in enumerate(conflicts):
        card = alice_page.get_by_role("region", name=f"Conflict on record {rid}", exact=True)
        expect(card.get_by_role("heading", level=2)).to_have_text(titles[rid])
        choice = RESOLUTIONS[position[rid]]
        with alice_page.expect_response(_is_decision_post(f"/{rid}/resolve/")) as response_info:
            card.get_by_role("button", name=f"Resolve as {choice}").click()
        assert response_info.value.status == 200
        assert response_info.value.request.headers.get("hx-request") == "true"
        expect(card).to_contain_text(f"Resolved: {choice}d by alice.")
        expect(card.get_by_role("button")).to_have_count(0)
        if number == 0:
            alice_page.screenshot(path=CONFLICTS_SCREENSHOT, full_page=True)
    assert alice_page.evaluate("() => window.__e2eNoReload") == "still here"
    for rid in conflicts:
        record_stage = RecordStage.objects.get(record_id=rid, stage=Stage.TITLE_ABSTRACT)
        assert (record_stage.status, record_stage.resolved_by) == (f"{RESOLUTIONS[position[rid]]}d", alice)

    # The overview now: no conflicts, and the outcome the test expects.
    included = both_advanced + sum(1 for rid in conflicts if RESOLUTIONS[position[rid]] == "include")
    excluded = both_excluded + sum(1 for rid in conflicts if RESOLUTIONS[position[rid]] == "exclude")
    alice_page.get_by_role("navigation", name="Review").get_by_role("link", name="Overview").click()
    expect(section).to_be_visible()
    assert _legend(alice_page) == [f"{included} included", f"{excluded} excluded"]
    assert (included, excluded) == (7, 3)
    expect(section.get_by_role("link", name=re.compile("conflict", re.I))).to_have_count(0)
    expect(section.get_by_role("img")).to_have_attribute(
        "aria-label", f"Title and abstract: {included} included, {excluded} excluded"
    )
    alice_page.screenshot(path=OVERVIEW_SCREENSHOT, full_page=True)
