"""What a team used to Covidence or Rayyan stumbled on, checked in a real browser.

* Titles and abstracts with the HTML databases export (PM<sub>2.5</sub>, <i>…</i>, <p>) read as text with
  their sub- and superscripts and italics, and the keyword PM2.5 is highlighted across the tags.
* At full text, including a record that has no PDF asks why; one reviewer's "not retrievable" shows in the
  other's queue, and the lead confirms it.
* The History page reads in words, links the record and filters by person.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from reviews.models import Membership, Record, Role
from reviews.services import membership_change_roles, review_update_settings
from screening.services import full_text_mark_not_retrievable
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file
from tests.screening.helpers import decide

SLUG = "tdf-review"
RIS = "\n".join(
    [
        "TY  - JOUR",
        "TI  - Effects of PM<sub>2.5</sub> on nesting <i>Strix occidentalis</i>",
        "AB  - <p>Background: fine particles (PM<sub>2.5</sub>) harm birds.</p><p>Methods: we counted nests.</p>",
        "AU  - Forsman, Eric",
        "PY  - 2021",
        "ER  - ",
        "",
        "TY  - JOUR",
        "TI  - Ozone and owls: a second look",
        "AB  - A study of ozone exposure in owls.",
        "AU  - Gutierrez, Rocky",
        "PY  - 2022",
        "ER  - ",
    ]
).encode()
SHOTS = "/tmp/e2e-first-use-{}.png"


def _setup():
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    review = review_with_team(
        slug=SLUG, title="Owls and air", team={"owner": alice, "reviewer": [bob, carol]}
    )
    membership_change_roles(
        actor=alice,
        membership=Membership.objects.get(review=review, user=alice),
        roles={Role.OWNER, Role.LEAD},
    )
    review_update_settings(actor=alice, review=review, include_keywords=["PM2.5"], exclude_keywords=["ozone"])
    import_file(review, alice, "owls.ris", RIS, source="Web of Science")
    return review, alice, bob, carol


def test_markup_full_text_rules_and_history_in_words(live_server, page: Page, new_page):
    review, alice, bob, carol = _setup()
    pm, ozone = Record.objects.filter(review=review).order_by("pk")

    # The title reads with its subscript and italics; PM2.5 is marked across the <sub> tag.
    login(page, live_server, "bob", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/screen/title-abstract/{pm.pk}/")
    title = page.locator("article .record-title")
    expect(title).to_have_text("Effects of PM2.5 on nesting Strix occidentalis")
    expect(title.locator("sub")).to_have_text("2.5")
    expect(title.locator("i")).to_have_text("Strix occidentalis")
    assert title.locator("mark.kw-include").all_text_contents() == ["PM", "2.5"]
    abstract = page.locator("article .abstract")
    expect(abstract).not_to_contain_text("<p>")
    expect(abstract).to_contain_text("Methods: we counted nests.")
    page.screenshot(path=SHOTS.format("1-markup"))

    # Both records go on to full text.
    for record in (pm, ozone):
        for person in (bob, carol):
            decide(review, record, person, "include")

    # At full text, including a record with no PDF asks why.
    page.goto(f"{live_server.url}/r/{SLUG}/screen/full-text/{pm.pk}/")
    page.get_by_role("button", name="Include").click()
    expect(page.get_by_role("alert")).to_contain_text("Upload the full text before including")
    page.get_by_label("No PDF here: to include it, say why").fill("Read it at the publisher's site")
    page.get_by_role("button", name="Include").click()
    expect(page.get_by_text("Saved", exact=False)).to_be_visible()

    # carol marks the other record not retrievable; bob's queue says so.
    full_text_mark_not_retrievable(
        review=review, record=ozone, actor=carol, note="Not in any library we have"
    )
    page.goto(f"{live_server.url}/r/{SLUG}/screen/full-text/")
    notice = page.get_by_role("region", name="Marked not retrievable")
    expect(notice).to_contain_text("Ozone and owls")
    # Who marked it is the lead's to see: a reviewer learns nothing of the other's work on the record.
    expect(notice).not_to_contain_text("carol")
    page.screenshot(path=SHOTS.format("2-queue"), full_page=True)

    # alice confirms it, and sees bob's reason for including without a PDF.
    lead = new_page()
    login(lead, live_server, "alice", TEST_PASSWORD)
    lead.goto(f"{live_server.url}/r/{SLUG}/conflicts/full-text/")
    expect(lead.get_by_role("region", name="Included without a full text (1)")).to_contain_text(
        "Read it at the publisher's site"
    )
    lead.get_by_role("button", name=f"Confirm not retrievable: record {ozone.pk}").click()
    expect(lead.get_by_text("confirmed by alice")).to_be_visible()
    lead.screenshot(path=SHOTS.format("3-lead"), full_page=True)

    # The History page reads in words, links the record by its title, and filters by person.
    lead.goto(f"{live_server.url}/r/{SLUG}/history/")
    expect(lead.locator("table.history").get_by_text("screened a record").first).to_be_visible()
    lead.get_by_label("Person").select_option("carol")
    lead.get_by_role("button", name="Show").click()
    rows = lead.locator("table.history tbody tr")
    expect(rows.filter(has_text="marked a full text not retrievable")).to_have_count(1)
    expect(rows.filter(has_text="marked a full text not retrievable").get_by_role("link")).to_have_text(
        "Ozone and owls: a second look"
    )
    assert "bob" not in " ".join(rows.locator("td:nth-child(2)").all_text_contents())
    lead.screenshot(path=SHOTS.format("4-history"), full_page=True)
