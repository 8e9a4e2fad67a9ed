import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from reviews.demo import DEMO_PASSWORD
from reviews.models import AuditEvent, Membership, Review, Role
from screening.models import RankingSettings, ReviewerRanking


def test_createreview_makes_the_owner_without_a_password(db):
    call_command("createreview", "tdf", "--title", "TDF review", "--owner", "olga", "--type", "systematic")
    review = Review.objects.get(slug="tdf")
    assert review.review_type == "systematic"
    olga = get_user_model().objects.get(username="olga")
    assert not olga.has_usable_password()
    assert Membership.objects.get(review=review, user=olga).is_owner


def test_createreview_refuses_a_taken_slug(review):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createreview", review.slug, "--title", "x", "--owner", "alice")


def test_addmember_adds_and_then_adds_roles(review):
    call_command("addmember", review.slug, "zoe", "--role", "reviewer", "--create")
    call_command("addmember", review.slug, "zoe", "--role", "lead")
    assert Membership.objects.get(review=review, user__username="zoe").roles == {Role.REVIEWER, Role.LEAD}
    assert AuditEvent.objects.filter(review=review, action="membership.change_roles").exists()


def test_addmember_needs_create_for_a_new_user(review):
    with pytest.raises(CommandError, match="--create"):
        call_command("addmember", review.slug, "nobody", "--role", "reviewer")


def test_addmember_names_a_missing_review(db):
    with pytest.raises(CommandError, match="No review"):
        call_command("addmember", "missing", "x", "--role", "reviewer", "--create")


def test_demo_is_idempotent_and_its_people_can_log_in(db, capsys):
    call_command("demo")
    call_command("demo")
    review = Review.objects.get(slug="demo")
    roles = {m.user.username: m.roles for m in review.memberships.select_related("user")}
    assert roles == {"alice": {Role.OWNER, Role.LEAD}, "bob": {Role.REVIEWER}, "carol": {Role.REVIEWER}}
    assert get_user_model().objects.get(username="bob").check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in capsys.readouterr().out
    assert AuditEvent.objects.filter(review=review, action="review.create").count() == 1
    assert RankingSettings.objects.get(review=review).is_enabled
    assert AuditEvent.objects.filter(review=review, action="screening.ranking").count() == 1


def test_demo_orders_the_reviewers_queues_by_relevance(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo")
    rankings = ReviewerRanking.objects.filter(review__slug="demo").select_related("reviewer")
    trained = {ranking.reviewer.username: ranking for ranking in rankings}
    assert set(trained) == {"bob", "carol"}
    assert all(ranking.record_ids and ranking.trained_at for ranking in trained.values())
