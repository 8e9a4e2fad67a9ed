"""A record's own page in a real browser: the owner removes a record with a reason and restores it; a
reviewer sees the record but not those controls."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from reviews.models import Record
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file

SLUG = "record-page"
RIS = "\n".join(
    [
        "TY  - JOUR",
        "TI  - Deprescribing in care homes: a qualitative study",
        "AB  - Nurses and doctors described what helps and hinders stopping medicines.",
        "AU  - Olsen, Kari",
        "PY  - 2020",
        "ER  - ",
        "",
        "TY  - JOUR",
        "TI  - Conference programme, spring meeting",
        "AU  - Society of Geriatric Medicine",
        "PY  - 2020",
        "ER  - ",
    ]
).encode()
SHOTS = "/tmp/e2e-record-page-{}.png"


def test_the_owner_removes_a_record_with_a_reason_and_restores_it(live_server, page: Page, new_page):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    review = review_with_team(slug=SLUG, title="Care homes", team={"owner": alice, "reviewer": [bob]})
    import_file(review, alice, "care.ris", RIS, source="Embase")
    programme = Record.objects.get(review=review, title__startswith="Conference programme")

    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/records/{programme.pk}/")
    expect(page.locator("article p.dotted")).to_have_text("2020")  # no journal: no dot before the year
    reason = page.get_by_label("Why remove it?")
    expect(reason).to_be_hidden()  # folded away, as the edit form is: removing is not what one comes for
    page.get_by_text("Remove this record from the review").click()
    reason.fill("A meeting programme, not a study")
    page.screenshot(path=SHOTS.format("1-remove"), full_page=True)
    page.get_by_role("button", name="Remove from the review").click()
    expect(page.get_by_text("Removed from the review: A meeting programme, not a study")).to_be_visible()

    page.goto(f"{live_server.url}/r/{SLUG}/records/?status=removed")
    expect(page.get_by_role("link", name="Conference programme, spring meeting")).to_be_visible()
    expect(page.get_by_text("Deprescribing in care homes")).to_have_count(0)

    page.goto(f"{live_server.url}/r/{SLUG}/records/{programme.pk}/")
    page.get_by_role("button", name="Restore to the review").click()
    expect(page.get_by_text("Removed from the review")).to_have_count(0)
    page.screenshot(path=SHOTS.format("2-restored"), full_page=True)
    programme.refresh_from_db()
    assert not programme.is_removed

    # A reviewer reads the record but cannot edit or remove it.
    reviewer = new_page()
    login(reviewer, live_server, "bob", TEST_PASSWORD)
    reviewer.goto(f"{live_server.url}/r/{SLUG}/records/{programme.pk}/")
    expect(reviewer.get_by_role("heading", name="Conference programme, spring meeting")).to_be_visible()
    expect(reviewer.get_by_role("heading", name="Correct or remove")).to_have_count(0)
    expect(reviewer.get_by_role("button", name="Remove from the review")).to_have_count(0)
