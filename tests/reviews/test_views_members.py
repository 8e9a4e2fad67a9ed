import re

from django.urls import reverse

from reviews.forms import REVIEW_SLUG_INVALID, ReviewCreateForm
from reviews.models import AuditEvent, Membership, Review, Role
from tests.factories import UserFactory


def test_an_owner_no_longer_adds_an_account_directly(review, owner, client_for):
    """Adding someone is an invitation they must accept; the old address is gone."""
    newcomer = UserFactory(username="erin", email="Erin@Example.org")
    response = client_for(owner).post(
        reverse("reviews:invitation_create", args=[review.slug]),
        {"invitee": "erin@example.org", "roles": ["reviewer", "lead"]},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(review=review, user=newcomer).exists()
    assert "Ask an administrator" not in client_for(owner).get(response["Location"]).content.decode()


def test_a_reviewer_cannot_change_the_team(review, reviewer, second_reviewer, client_for):
    membership = Membership.objects.get(review=review, user=second_reviewer)
    client = client_for(reviewer)
    events = AuditEvent.objects.count()
    assert (
        client.post(reverse("reviews:invitation_create", args=[review.slug]), {"invitee": "x"}).status_code
        == 403
    )
    roles_url = reverse("reviews:member_roles", args=[review.slug, membership.pk])
    assert client.post(roles_url, {"roles": ["owner"]}).status_code == 403
    remove_url = reverse("reviews:member_remove", args=[review.slug, membership.pk])
    assert client.post(remove_url).status_code == 403
    assert AuditEvent.objects.count() == events


def test_a_lead_can_read_but_not_change_settings(review, lead, client_for):
    client = client_for(lead)
    assert client.get(reverse("reviews:settings", args=[review.slug])).status_code == 200
    response = client.post(
        reverse("reviews:settings", args=[review.slug]), {"title": "Renamed", "review_type": "scoping"}
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.title != "Renamed"


def test_roles_change_through_htmx_returns_only_the_row(review, owner, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    response = client_for(owner).post(
        reverse("reviews:member_roles", args=[review.slug, membership.pk]),
        {"roles": ["reviewer", "lead"]},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and f'id="member-{membership.pk}"' in body
    membership.refresh_from_db()
    assert membership.is_lead


def test_the_last_owner_is_told_why_they_cannot_step_down(review, owner, client_for):
    membership = Membership.objects.get(review=review, user=owner)
    response = client_for(owner).post(
        reverse("reviews:member_roles", args=[review.slug, membership.pk]),
        {"roles": ["reviewer"]},
        headers={"HX-Request": "true"},
    )
    assert "at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_owner


def test_an_owner_saves_criteria_one_per_line(review, owner, client_for):
    response = client_for(owner).post(
        reverse("reviews:settings", args=[review.slug]),
        {
            "title": review.title,
            "review_type": "scoping",
            "inclusion_criteria": "Qualitative data\r\n\r\n  Adults  \n",
            "fulltext_exclusion_reasons": "Wrong population\nWrong design",
            "reviewers_per_record": "1",
            "lead_may_screen": "on",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.inclusion_criteria == ["Qualitative data", "Adults"]
    assert review.reviewers_per_record == 1 and review.lead_may_screen
    assert review.fulltext_exclusion_reasons == ["Wrong population", "Wrong design"]


def test_the_dashboard_lists_only_my_reviews(review, reviewer, outsider, client_for):
    assert review.title in client_for(reviewer).get("/").content.decode()
    assert review.title not in client_for(outsider).get("/").content.decode()


def test_creating_a_review_makes_me_owner_and_lead(client_for, outsider):
    response = client_for(outsider).post(
        reverse("reviews:create"), {"title": "Mine", "slug": "mine", "review_type": "systematic"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(review__slug="mine", user=outsider).roles == {Role.OWNER, Role.LEAD}


def test_the_history_page_is_for_owners_and_leads(review, lead, reviewer, client_for):
    url = reverse("reviews:audit_log", args=[review.slug])
    assert "review.create" in client_for(lead).get(url).content.decode()
    assert client_for(reviewer).get(url).status_code == 403


def test_removing_a_member_asks_first_the_way_deleting_an_import_does(review, owner, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    remove_url = reverse("reviews:member_remove", args=[review.slug, membership.pk])
    client = client_for(owner)
    page = client.get(reverse("reviews:members", args=[review.slug])).content.decode()
    row = client.post(
        reverse("reviews:member_roles", args=[review.slug, membership.pk]),
        {"roles": ["reviewer"]},
        headers={"HX-Request": "true"},
    ).content.decode()
    for html in (page, row):
        form = re.search(rf'<form method="post" action="{re.escape(remove_url)}"[^>]*>', html).group(0)
        # static/js/tandem.js asks with data-confirm before any form.confirm is sent.
        assert 'class="confirm"' in form
        assert 'data-confirm="Remove bob from this review?' in form


def test_a_short_name_with_spaces_is_refused_with_the_rule_and_an_example(client_for, outsider):
    response = client_for(outsider).post(
        reverse("reviews:create"),
        {"title": "Restoration", "slug": "Restoration Review", "review_type": "systematic"},
    )
    page = response.content.decode()
    assert REVIEW_SLUG_INVALID in page and "For example “restoration-review”." in page
    assert "slug" not in page.split('id="id_slug_error"')[1].split("</small>")[0]
    assert not Review.objects.exists()


def test_the_short_name_takes_what_its_hint_says(client_for, outsider):
    client = client_for(outsider)
    hint = ReviewCreateForm().fields["slug"].help_text
    assert "Letters (a–z), digits, hyphens and underscores" in hint
    for slug in ("restoration-review_2", "Restoration-2"):
        client.post(reverse("reviews:create"), {"title": "R", "slug": slug, "review_type": "systematic"})
    assert set(Review.objects.values_list("slug", flat=True)) == {"restoration-review_2", "restoration-2"}


def test_the_backup_section_says_who_restores_it_and_with_which_command(review, owner, client_for):
    from django.core.management import load_command_class

    page = client_for(owner).get(reverse("reviews:settings", args=[review.slug])).content.decode()
    command = re.search(r"<code>python manage.py (\w+) FILE --slug NEW-NAME</code>", page)
    assert command and "whoever runs the Tandem server restores it" in page
    # The command the page names exists and takes these arguments.
    parser = load_command_class("report", command.group(1)).create_parser("manage.py", command.group(1))
    assert vars(parser.parse_args(["backup.zip", "--slug", "restored"]))["slug"] == "restored"
