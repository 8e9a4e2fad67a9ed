"""The foundation in a real browser: make a review, build its team, and keep outsiders out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from reviews.models import AuditEvent, Membership, Review
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team

TEAM_SCREENSHOT = "/tmp/e2e-team.png"


def test_an_owner_builds_a_team_and_outsiders_see_nothing(live_server, page, new_page):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    UserFactory(username="carol")
    title = "Barriers to deprescribing in primary care"

    # alice makes the review through the "New review" page.
    login(page, live_server, "alice", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My reviews", level=1)).to_be_visible()
    page.get_by_role("link", name="New review").click()
    expect(page.get_by_role("heading", name="New review", level=1)).to_be_visible()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Short name", exact=True).fill("deprescribing")
    page.get_by_label("Type of review", exact=True).select_option(label="Systematic review")
    page.get_by_role("button", name="Create review").click()

    # She lands on the Team page, the only member, as owner and lead.
    expect(page).to_have_url(f"{live_server.url}/r/deprescribing/members/")
    expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Review “{title}” created.")
    expect(page.get_by_role("checkbox", name="Owner: alice")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Lead: alice")).to_be_checked()
    review = Review.objects.get(slug="deprescribing")
    assert (review.title, review.review_type, review.created_by) == (title, "systematic", alice)

    # She adds bob as a reviewer (the role the form starts with).
    page.get_by_label("Username or e-mail", exact=True).fill("bob")
    expect(page.get_by_role("checkbox", name="Reviewer", exact=True)).to_be_checked()
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_contain_text("bob added.")
    expect(page.get_by_role("checkbox", name="Reviewer: bob")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Lead: bob")).not_to_be_checked()
    expect(page.get_by_role("button", name="Remove bob")).to_be_visible()
    page.screenshot(path=TEAM_SCREENSHOT, full_page=True)
    assert Membership.objects.get(review=review, user=bob).roles == {"reviewer"}

    # The audit trail has the review's creation and both memberships, all by alice.
    events = AuditEvent.objects.filter(review=review).order_by("id")
    assert [(event.action, event.actor_username) for event in events] == [
        ("review.create", "alice"),
        ("membership.add", "alice"),
        ("membership.add", "alice"),
    ]
    assert events[0].after["slug"] == "deprescribing" and events[0].after["title"] == title
    assert events[1].after == {"user": "alice", "roles": ["lead", "owner"]}
    assert events[2].after == {"user": "bob", "roles": ["reviewer"]}
    assert all(event.actor == alice for event in events)

    # bob, in his own browser context, finds the review on "My reviews" and opens it.
    bob_page = new_page()
    login(bob_page, live_server, "bob", TEST_PASSWORD)
    expect(bob_page.get_by_role("heading", name="My reviews", level=1)).to_be_visible()
    bob_page.get_by_role("link", name=title).click()
    expect(bob_page).to_have_url(f"{live_server.url}/r/deprescribing/")
    expect(bob_page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(bob_page.get_by_text("Your roles here: Reviewer.")).to_be_visible()

    # carol is not a member: her dashboard does not list it, and its address is a plain 404.
    carol_page = new_page()
    login(carol_page, live_server, "carol", TEST_PASSWORD)
    expect(carol_page.get_by_role("heading", name="My reviews", level=1)).to_be_visible()
    expect(carol_page.get_by_role("link", name=title)).to_have_count(0)
    expect(carol_page.get_by_text("You are not in any review yet.")).to_be_visible()
    for path in ("/r/deprescribing/", "/r/deprescribing/members/"):
        response = carol_page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(carol_page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
        expect(carol_page.get_by_text(title)).to_have_count(0)


def test_role_checkboxes_change_roles_in_place(live_server, page):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    review = review_with_team(
        slug="tdf-review", title="TDF barriers review", team={"owner": alice, "reviewer": bob}
    )
    membership = Membership.objects.get(review=review, user=bob)
    assert not membership.is_lead

    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/tdf-review/members/")
    expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()
    # htmx must have loaded (it is served by the live server, like in production, under the CSP).
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__e2eNoReload = 'still here'; }")

    with page.expect_response(re.compile(rf"/r/tdf-review/members/{membership.pk}/roles/$")) as response_info:
        page.get_by_role("checkbox", name="Lead: bob").check()
    response = response_info.value
    assert response.status == 200
    assert response.request.headers.get("hx-request") == "true"

    # The row came back from the server with both roles ticked; the page itself was never reloaded.
    expect(page.get_by_role("checkbox", name="Lead: bob")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Reviewer: bob")).to_be_checked()
    assert page.evaluate("() => window.__e2eNoReload") == "still here"
    membership.refresh_from_db()
    assert membership.roles == {"lead", "reviewer"}
    change = AuditEvent.objects.filter(review=review, action="membership.change_roles").get()
    assert (change.actor, change.before, change.after) == (
        alice,
        {"user": "bob", "roles": ["reviewer"]},
        {"user": "bob", "roles": ["lead", "reviewer"]},
    )
