"""Back in the screening loop: a key pressed while the browser is still fetching the record gone back to
must not decide the record that is leaving the screen.

Back changes the address at once; htmx (which keeps no history cache) then fetches that page, and until it
arrives the panel of the record left is still on screen. The fetch is slowed here so the gap is wide enough
to press a key in, as a slow network or server makes it.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from screening.models import Decision, RecordStage, Stage
from tests.e2e.conftest import login
from tests.e2e.test_screening_flow import (
    SLUG,
    STAGE_PATH,
    TOPICS,
    _open_screening,
    _press,
    _record_heading,
    _record_id,
    _ris,
    _wait_for_htmx,
)
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import import_file

RESTORE_DELAY_SECONDS = 0.8


def _bob_decisions(review) -> dict[int, str]:
    return dict(
        Decision.objects.filter(
            review=review, reviewer__username="bob", stage=Stage.TITLE_ABSTRACT
        ).values_list("record_id", "choice")
    )


def _slow_page_loads_of(page: Page, path: str) -> None:
    def delayed(route):
        time.sleep(RESTORE_DELAY_SECONDS)
        route.continue_()

    page.route(lambda url: url.endswith(path), delayed)


def test_a_key_pressed_while_going_back_waits_for_the_record_gone_back_to(live_server, new_page):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    review = review_with_team(
        slug=SLUG, team={"owner": alice, "reviewer": [bob, UserFactory(username="carol")]}
    )
    import_file(review, alice, "ten.ris", _ris(TOPICS), source="Embase")
    order = list(
        RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
        .order_by("order_key")
        .values_list("record_id", flat=True)
    )
    first, second = order[0], order[1]
    page = new_page()
    login(page, live_server, "bob", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/")
    _open_screening(page)
    assert _record_id(page) == first
    _press(page, "m", f"/{first}/decide/")
    expect(page).to_have_url(f"{live_server.url}{STAGE_PATH}{second}/")
    _wait_for_htmx(page)

    _slow_page_loads_of(page, f"{STAGE_PATH}{first}/")
    page.go_back()
    page.keyboard.press("e")  # the second record's panel is still on screen for a moment

    expect(page.get_by_text("You chose Maybe; choose again to change it.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}{STAGE_PATH}{first}/")
    assert _bob_decisions(review) == {first: "maybe"}  # nothing decided on the second record

    # Once the record gone back to is on screen, the keys work on it.
    page.unroute_all()
    _wait_for_htmx(page)
    _press(page, "e", f"/{first}/decide/")
    expect(page).not_to_have_url(f"{live_server.url}{STAGE_PATH}{first}/")
    assert _bob_decisions(review) == {first: "exclude"}
    expect(_record_heading(page)).to_be_visible()
