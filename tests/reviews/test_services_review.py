import pytest

from reviews import services
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent, Membership, Role
from tests.factories import UserFactory


def test_it_creates_a_review_with_its_owner_and_audits_both(owner):
    review = services.review_create(actor=owner, owner=owner, slug="My Review", title="A review")
    assert review.slug == "my-review"
    membership = Membership.objects.get(review=review, user=owner)
    assert membership.roles == {Role.OWNER}
    actions = list(AuditEvent.objects.filter(review=review).order_by("id").values_list("action", flat=True))
    assert actions == ["review.create", "membership.add"]
    assert AuditEvent.objects.get(action="review.create").after["title"] == "A review"


def test_it_refuses_a_taken_slug(review, owner):
    with pytest.raises(ReviewRuleError, match="already exists"):
        services.review_create(actor=owner, owner=owner, slug=review.slug, title="Again")


def test_it_records_only_changed_settings(review, owner):
    services.review_update_settings(
        actor=owner, review=review, title=review.title, inclusion_criteria=["Qualitative", "Adults"]
    )
    event = AuditEvent.objects.filter(action="review.update_settings").get()
    assert event.before == {"inclusion_criteria": []}
    assert event.after == {"inclusion_criteria": ["Qualitative", "Adults"]}


def test_it_lets_roles_combine_and_audits_the_change(review, owner, reviewer):
    membership = Membership.objects.get(review=review, user=reviewer)
    services.membership_change_roles(actor=owner, membership=membership, roles={Role.REVIEWER, Role.LEAD})
    membership.refresh_from_db()
    assert membership.roles == {Role.REVIEWER, Role.LEAD}
    event = AuditEvent.objects.filter(action="membership.change_roles").get()
    assert event.before["roles"] == ["reviewer"] and event.after["roles"] == ["lead", "reviewer"]


def test_it_refuses_a_membership_without_roles(review, owner, reviewer):
    membership = Membership.objects.get(review=review, user=reviewer)
    with pytest.raises(ReviewRuleError, match="at least one role"):
        services.membership_change_roles(actor=owner, membership=membership, roles=set())


def test_it_keeps_at_least_one_owner(review, owner):
    membership = Membership.objects.get(review=review, user=owner)
    with pytest.raises(ReviewRuleError, match="at least one owner"):
        services.membership_change_roles(actor=owner, membership=membership, roles={Role.REVIEWER})
    with pytest.raises(ReviewRuleError, match="at least one owner"):
        services.membership_remove(actor=owner, membership=membership)


def test_it_lets_an_owner_step_down_once_another_owner_exists(review, owner, lead):
    services.membership_change_roles(
        actor=owner, membership=Membership.objects.get(review=review, user=lead), roles={Role.OWNER}
    )
    services.membership_remove(actor=owner, membership=Membership.objects.get(review=review, user=owner))
    assert not Membership.objects.filter(review=review, user=owner).exists()
    assert AuditEvent.objects.filter(action="membership.remove").get().before["user"] == "alice"


def test_a_user_holds_different_roles_in_different_reviews(review, reviewer):
    other = services.review_create(actor=reviewer, owner=reviewer, slug="other", title="Other")
    assert Membership.objects.get(review=other, user=reviewer).roles == {Role.OWNER}
    assert Membership.objects.get(review=review, user=reviewer).roles == {Role.REVIEWER}


def test_a_member_cannot_be_added_twice(review, owner, reviewer):
    with pytest.raises(ReviewRuleError, match="already a member"):
        services.membership_add(actor=owner, review=review, user=reviewer, roles={Role.LEAD})


def test_script_users_cannot_log_in_until_given_a_password(db):
    user, created = services.user_get_or_create_without_password(username="scripted")
    assert created and not user.has_usable_password()
    again, created_again = services.user_get_or_create_without_password(username="scripted")
    assert again == user and not created_again


def test_unknown_roles_are_a_programming_error(review, owner):
    with pytest.raises(ValueError):
        services.membership_add(actor=owner, review=review, user=UserFactory(), roles={"admin"})
