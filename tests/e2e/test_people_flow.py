"""People in a real browser: alice invites a new address, the invitee signs up from the mailed link, joins as
a reviewer and screens a record, and alice sees them on the Team page. Then the account pages: changing the
password and the display name, resetting a forgotten password, and the site administration."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from reviews.models import AuditEvent, Membership, Record
from screening.models import Decision
from tests.e2e.conftest import login
from tests.e2e.test_small_screens import SMALL_PHONE, _assert_fits
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.invitations import invite, link_in_last_mail
from tests.screening.helpers import records_to_screen

SLUG = "tdf-review"
ERIN_PASSWORD = "erin-reads-abstracts-2026"
SCREENSHOTS = {
    "team": "/tmp/people-team.png",
    "mail-sign-up": "/tmp/people-sign-up.png",
    "spent-link": "/tmp/people-invitation-used.png",
    "account": "/tmp/people-account.png",
    "password": "/tmp/people-password-change.png",
    "reset": "/tmp/people-password-reset.png",
    "reset-confirm": "/tmp/people-password-reset-confirm.png",
    "site-users": "/tmp/people-site-users.png",
    "site-user": "/tmp/people-site-user.png",
}


def test_an_invited_newcomer_signs_up_joins_and_screens(live_server, page, new_page):
    alice = UserFactory(username="alice", first_name="Alice Owner")
    review = review_with_team(slug=SLUG, title="TDF barriers review", team={"owner": alice})
    records_to_screen(review, alice, count=3)

    # alice invites an address nobody has an account for.
    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{SLUG}/members/")
    page.get_by_label("E-mail address or username", exact=True).fill("erin@example.org")
    expect(page.get_by_role("checkbox", name="Reviewer", exact=True)).to_be_checked()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation to erin@example.org saved.")
    expect(page.get_by_role("row", name=re.compile("^erin@example.org Reviewer"))).to_be_visible()
    page.screenshot(path=SCREENSHOTS["team"], full_page=True)

    # The mail is in the outbox; its link opens the sign-up in a browser of erin's own.
    assert [message.to for message in mail.outbox] == [["erin@example.org"]]
    assert "Alice Owner invites you" in mail.outbox[0].subject
    erin = new_page()
    erin.goto(f"{live_server.url}{link_in_last_mail('erin@example.org')}")
    expect(erin.get_by_role("heading", name="Join “TDF barriers review”", level=1)).to_be_visible()
    erin.get_by_label("Your name").fill("Erin Example")
    erin.get_by_label("Username").fill("erin")
    erin.get_by_label("Password", exact=True).fill("short")
    erin.get_by_label("Password again").fill("short")
    erin.get_by_role("button", name="Create account and join").click()
    expect(erin.get_by_role("alert").first).to_contain_text("too short")
    erin.get_by_label("Password", exact=True).fill(ERIN_PASSWORD)
    erin.get_by_label("Password again").fill(ERIN_PASSWORD)
    erin.screenshot(path=SCREENSHOTS["mail-sign-up"], full_page=True)
    erin.get_by_role("button", name="Create account and join").click()

    # She lands in the review as a reviewer, and screens a record.
    expect(erin).to_have_url(f"{live_server.url}/r/{SLUG}/")
    expect(erin.get_by_role("status")).to_contain_text("You have joined “TDF barriers review”")
    expect(erin.get_by_text("Your roles here: Reviewer.")).to_be_visible()
    erin.get_by_role("navigation", name="Review").get_by_role("link", name="Screen titles").click()
    expect(erin.get_by_role("heading", name="Title and abstract screening", level=1)).to_be_visible()
    expect(erin.get_by_text("0 done · 3 left")).to_be_visible()
    erin.get_by_role("button", name=re.compile("^Include")).click()
    expect(erin.get_by_text("1 done · 2 left")).to_be_visible()
    newcomer = Membership.objects.get(review=review, user__username="erin")
    assert newcomer.roles == {"reviewer"} and newcomer.user.email == "erin@example.org"
    assert (
        Decision.objects.filter(
            reviewer=newcomer.user, record__in=Record.objects.filter(review=review)
        ).count()
        == 1
    )

    # The link is spent: following it again says so.
    erin.goto(f"{live_server.url}{link_in_last_mail('erin@example.org')}")
    expect(erin.get_by_role("alert")).to_contain_text("used already")
    erin.screenshot(path=SCREENSHOTS["spent-link"], full_page=True)

    # alice sees her on the Team page under her name, the invitation no longer waiting.
    page.reload()
    expect(page.get_by_role("checkbox", name="Reviewer: Erin Example")).to_be_checked()
    expect(page.get_by_text("No invitations are waiting.")).to_be_visible()
    actions = set(AuditEvent.objects.filter(review=review).values_list("action", flat=True))
    assert {"invitation.create", "account.sign_up", "invitation.accept", "membership.add"} <= actions


def test_account_pages_password_reset_and_site_administration(live_server, page, new_page):
    sam = UserFactory(username="sam", is_staff=True)
    bob = UserFactory(username="bob")
    review_with_team(slug=SLUG, title="TDF barriers review", team={"owner": sam, "reviewer": bob})

    # bob names himself and changes his password from his Account page.
    login(page, live_server, "bob", TEST_PASSWORD)
    page.get_by_role("link", name="Your account: bob").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    page.get_by_label("Display name").fill("Bob Reviewer")
    page.get_by_label("Time zone for shown times").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is saved.")
    expect(page.get_by_role("link", name="Your account: Bob Reviewer")).to_be_visible()
    page.screenshot(path=SCREENSHOTS["account"], full_page=True)
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("bobs-second-passphrase-9")
    page.get_by_label("New password again").fill("bobs-second-passphrase-9")
    page.screenshot(path=SCREENSHOTS["password"], full_page=True)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed", level=1)).to_be_visible()

    # Logged out, he forgets it, and sets a new one from the mailed link.
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("bob@example.org")
    page.screenshot(path=SCREENSHOTS["reset"], full_page=True)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your mail", level=1)).to_be_visible()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{live_server.url}{link}")
    page.get_by_label("New password", exact=True).fill("bobs-third-passphrase-10")
    page.get_by_label("New password confirmation").fill("bobs-third-passphrase-10")
    page.screenshot(path=SCREENSHOTS["reset-confirm"], full_page=True)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password set", level=1)).to_be_visible()
    login(page, live_server, "bob", "bobs-third-passphrase-10")

    # sam, a site administrator, finds bob, sees his review and deactivates him: bob is logged out.
    admin = new_page()
    login(admin, live_server, "sam", TEST_PASSWORD)
    admin.get_by_role("link", name="Site administration").click()
    expect(admin.get_by_role("heading", name="People on this site", level=1)).to_be_visible()
    admin.screenshot(path=SCREENSHOTS["site-users"], full_page=True)
    admin.get_by_role("link", name="Bob Reviewer").click()
    expect(admin.get_by_role("row", name=re.compile("TDF barriers review"))).to_be_visible()
    admin.get_by_role("button", name="Deactivate bob").click()
    expect(admin.get_by_role("status")).to_contain_text("bob deactivated")
    admin.screenshot(path=SCREENSHOTS["site-user"], full_page=True)
    page.goto(f"{live_server.url}/r/{SLUG}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account.password_change", "account.password_reset", "account.deactivate"} <= actions


def test_the_people_pages_fit_a_small_phone(live_server, new_page):
    sam = UserFactory(username="sam", is_staff=True, first_name="Samantha Administrator-Longname")
    review = review_with_team(slug=SLUG, title="TDF barriers review", team={"owner": sam})
    invite(review, sam, "a-very-long-address-of-someone@some-institution.example.org")
    phone = new_page(viewport=SMALL_PHONE, has_touch=True)
    login(phone, live_server, "sam", TEST_PASSWORD)
    for path, screenshot in (
        (f"/r/{SLUG}/members/", "/tmp/people-phone-team.png"),
        ("/site/users/", "/tmp/people-phone-site-users.png"),
        ("/accounts/profile/", "/tmp/people-phone-account.png"),
    ):
        phone.goto(f"{live_server.url}{path}")
        phone.screenshot(path=screenshot, full_page=True)
        _assert_fits(phone)
