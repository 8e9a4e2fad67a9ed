"""The foundation in a real browser: make a review, build its team, and keep outsiders out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from reviews.models import AuditEvent, Membership, Review
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.invitations import link_in_last_mail

TEAM_SCREENSHOT = "/tmp/e2e-team.png"
INVITATION_SCREENSHOT = "/tmp/e2e-invitation-log-in.png"


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

    # She invites bob as a reviewer (the role the form starts with); he is not in until he accepts.
    page.get_by_label("E-mail address or username", exact=True).fill("bob")
    expect(page.get_by_role("checkbox", name="Reviewer", exact=True)).to_be_checked()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation to bob saved.")
    expect(page.get_by_role("row", name=re.compile("^bob Reviewer"))).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw the invitation to bob")).to_be_visible()
    page.screenshot(path=TEAM_SCREENSHOT, full_page=True)
    assert not Membership.objects.filter(review=review, user=bob).exists()

    # bob, in his own browser context, follows the link from his mail, logs in and joins.
    bob_page = new_page()
    link = link_in_last_mail("bob@example.org")
    bob_page.goto(f"{live_server.url}{link}")
    bob_page.screenshot(path=INVITATION_SCREENSHOT, full_page=True)
    bob_page.get_by_role("link", name="Log in to accept").click()
    bob_page.get_by_label("Username", exact=True).fill("bob")
    bob_page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    bob_page.get_by_role("button", name="Log in", exact=True).click()
    bob_page.get_by_role("button", name="Join the review").click()
    expect(bob_page).to_have_url(f"{live_server.url}/r/deprescribing/")
    expect(bob_page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(bob_page.get_by_text("Your roles here: Reviewer.")).to_be_visible()
    assert Membership.objects.get(review=review, user=bob).roles == {"reviewer"}

    # alice sees him on the Team page, the invitation no longer waiting.
    page.reload()
    expect(page.get_by_role("checkbox", name="Reviewer: bob")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Lead: bob")).not_to_be_checked()
    expect(page.get_by_text("No invitations are waiting.")).to_be_visible()

    # The audit trail has the review's creation, the invitation and both memberships.
    events = AuditEvent.objects.filter(review=review).order_by("id")
    assert [(event.action, event.actor_username) for event in events] == [
        ("review.create", "alice"),
        ("membership.add", "alice"),
        ("invitation.create", "alice"),
        ("invitation.accept", "bob"),
        ("membership.add", "bob"),
    ]
    assert events[0].after["slug"] == "deprescribing" and events[0].after["title"] == title
    assert events[1].after == {"user": "alice", "roles": ["lead", "owner"]}
    assert events[2].after == {"invitee": "bob", "roles": ["reviewer"], "status": "pending"}
    assert events[4].after == {"user": "bob", "roles": ["reviewer"]}

    # bob finds the review on "My reviews".
    bob_page.goto(f"{live_server.url}/")
    expect(bob_page.get_by_role("link", name=title)).to_be_visible()

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
