"""Relevance ranking and stopping in a real browser.

alice (owner and lead) turns ranking on from the overview. bob screens on the keyboard: his queue says it
is in random order until he has included and excluded a record, then that it is ordered by relevance, and
the records about falls come before the others. alice reads the stopping aid, stops screening (the records
nobody screened are set aside), checks that the PRISMA diagram reports them as not screened, and resumes.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from reviews.models import Membership, Record
from reviews.services import membership_change_roles
from screening.models import RecordStage, Stage
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file

SLUG = "falls-review"
SHOTS = "/tmp/e2e-ranking-{}.png"
FALLS = [
    "Falls prevention exercise for older adults in care homes",
    "Staff views on falls prevention in nursing homes",
    "Barriers to falls risk assessment by community nurses",
    "Hip protectors and falls injuries in residential care",
    "Falls prevention education for hospital patients",
    "Medication review and falls in older adults",
]
OTHERS = [
    "Sugar taxes and dental caries in children",
    "Cycling lanes and commuting injuries in cities",
    "Night shifts and sleep among emergency nurses",
    "School gardens and vegetable intake in pupils",
    "Green space and adolescent anxiety",
    "Hearing aids and cognitive decline",
    "Telehealth after cardiac surgery in rural hospitals",
    "Smartphone reminders for tuberculosis treatment",
]


def _ris() -> bytes:
    entries = []
    for number, title in enumerate(FALLS + OTHERS, start=1):
        about = "falls in older people, their prevention and risk" if title in FALLS else "an unrelated topic"
        entries.append(
            f"TY  - JOUR\nTI  - {title}\nAU  - Author{number}, A\nPY  - {2010 + number % 10}\n"
            f"AB  - A study of {about}: {title.lower()}.\nDO  - 10.5555/falls.{number:03d}\nER  - "
        )
    return ("\n\n".join(entries) + "\n").encode()


def _setup():
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    review = review_with_team(
        slug=SLUG, title="Falls in care homes", team={"owner": alice, "reviewer": [bob, carol]}
    )
    membership_change_roles(
        actor=alice, membership=Membership.objects.get(review=review, user=alice), roles={"owner", "lead"}
    )
    import_file(review, alice, "medline.ris", _ris(), source="MEDLINE")
    return review


def _title(page: Page) -> str:
    return page.get_by_role("article", name="Record to screen").get_by_role("heading", level=2).inner_text()


def _decide(page: Page, key: str) -> None:
    before = page.url
    page.keyboard.press(key)
    expect(page).not_to_have_url(before)


def test_ranking_orders_the_queue_and_stopping_is_reported(live_server, new_page):
    review = _setup()
    alice, bob = new_page(), new_page()
    login(alice, live_server, "alice", TEST_PASSWORD)
    alice.goto(f"{live_server.url}/r/{SLUG}/")
    alice.get_by_label("Order each reviewer's queue by relevance", exact=False).check()
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.get_by_text("Ranking settings saved.")).to_be_visible()

    login(bob, live_server, "bob", TEST_PASSWORD)
    bob.goto(f"{live_server.url}/r/{SLUG}/screen/title-abstract/")
    expect(bob.get_by_text("Random order until you have included and excluded")).to_be_visible()
    # bob screens in the random order until he has one record about falls included and one other excluded.
    seen_falls = seen_other = False
    while not (seen_falls and seen_other):
        is_falls = _title(bob) in FALLS
        _decide(bob, "i" if is_falls else "e")
        seen_falls, seen_other = seen_falls or is_falls, seen_other or not is_falls
    bob.reload()
    expect(
        bob.get_by_text(re.compile(r"Ordered by relevance: your model learnt from your \d+ decisions"))
    ).to_be_visible()
    decided = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, decision_count=1).count()
    falls_left = len(FALLS) - sum(
        1
        for record in Record.objects.filter(review=review, title__in=FALLS)
        if RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT).decision_count
    )
    # The records about falls still to screen come first now.
    for _ in range(falls_left):
        assert _title(bob) in FALLS, _title(bob)
        _decide(bob, "i")
    bob.screenshot(path=SHOTS.format("1-ranked"), full_page=True)

    alice.goto(f"{live_server.url}/r/{SLUG}/")
    aid = alice.locator(".stopping-aid")
    expect(aid.get_by_role("heading", name="When to stop")).to_be_visible()
    screened = decided + falls_left
    expect(aid).to_contain_text(f"{screened} of {len(FALLS) + len(OTHERS)}")
    alice.once("dialog", lambda dialog: dialog.accept())  # it sets records aside: asked first
    alice.get_by_role("button", name="Stop screening here").click()
    unscreened = len(FALLS) + len(OTHERS) - screened
    expect(
        alice.get_by_text(f"Screening stopped: {unscreened} records nobody had screened set aside.")
    ).to_be_visible()
    expect(alice.locator(".legend")).to_contain_text(f"{unscreened} set aside, not screened")
    alice.screenshot(path=SHOTS.format("2-stopped"), full_page=True)

    bob.goto(f"{live_server.url}/r/{SLUG}/screen/title-abstract/")
    expect(bob.get_by_text("Nothing left for you to screen at this stage.")).to_be_visible()
    expect(bob.get_by_text("the records nobody had screened were set aside", exact=False)).to_be_visible()

    alice.get_by_role("link", name="Report", exact=True).click()
    diagram = alice.get_by_role("img", name=re.compile("PRISMA flow diagram"))
    text = " ".join(" ".join(diagram.locator("text").all_text_contents()).split())
    assert f"Records not screened, screening stopped (n = {unscreened})" in text, text
    assert f"Records screened (n = {screened})" in text, text
    expect(alice.get_by_text("Title and abstract screening was stopped on", exact=False)).to_be_visible()
    expect(alice.get_by_text("ordered by relevance by active learning", exact=False)).to_be_visible()
    alice.screenshot(path=SHOTS.format("3-report"), full_page=True)

    alice.get_by_role("link", name="Overview", exact=True).click()
    alice.get_by_role("button", name="Resume screening").click()
    expect(alice.get_by_text(f"Screening resumed: {unscreened} records back in the queues.")).to_be_visible()
    bob.goto(f"{live_server.url}/r/{SLUG}/screen/title-abstract/")
    expect(bob.get_by_role("article", name="Record to screen")).to_be_visible()
