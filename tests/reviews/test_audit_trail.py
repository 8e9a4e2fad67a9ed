import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from reviews.models import AuditEvent, AuditTrailIsAppendOnly


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(review):
    event = AuditEvent.objects.filter(review=review).first()
    event.action = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action != "rewritten"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only"
)
def test_postgresql_refuses_raw_updates_and_deletes(review):
    event = AuditEvent.objects.filter(review=review).first()
    for statement in (
        "UPDATE reviews_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM reviews_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_offers_no_way_to_edit_history(admin_client, review):
    event = AuditEvent.objects.filter(review=review).first()
    assert admin_client.get("/admin/reviews/auditevent/").status_code == 200
    assert (
        admin_client.post(f"/admin/reviews/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    )
    assert (
        admin_client.post(f"/admin/reviews/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert admin_client.get("/admin/reviews/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_membership_changes_in_the_admin_are_audited(admin_client, review, reviewer):
    from reviews.models import Membership

    membership = Membership.objects.get(review=review, user=reviewer)
    response = admin_client.post(
        f"/admin/reviews/membership/{membership.pk}/change/",
        {"review": review.pk, "user": reviewer.pk, "is_reviewer": "on", "is_lead": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.change")
    assert event.object_id == str(membership.pk) and "is_lead" in event.after["changed"]


def test_the_admin_cannot_take_away_a_reviews_last_owner(admin_client, review, owner, reviewer):
    from reviews.models import Membership

    ownership = Membership.objects.get(review=review, user=owner)
    # Demoting the only owner, on the membership's own page.
    response = admin_client.post(
        f"/admin/reviews/membership/{ownership.pk}/change/",
        {"review": review.pk, "user": owner.pk, "is_lead": "on"},
    )
    assert response.status_code == 200 and "at least one owner" in response.content.decode()
    # Deleting it, one by one or with the list's bulk action.
    assert (
        admin_client.post(f"/admin/reviews/membership/{ownership.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    response = admin_client.post(
        "/admin/reviews/membership/",
        {"action": "delete_selected", "_selected_action": [ownership.pk], "post": "yes"},
    )
    assert response.status_code == 403
    ownership.refresh_from_db()
    assert ownership.is_owner
    # Another owner first, then the first may go.
    other = Membership.objects.get(review=review, user=reviewer)
    admin_client.post(
        f"/admin/reviews/membership/{other.pk}/change/",
        {"review": review.pk, "user": reviewer.pk, "is_owner": "on", "is_reviewer": "on"},
    )
    assert (
        admin_client.post(f"/admin/reviews/membership/{ownership.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert not Membership.objects.filter(pk=ownership.pk).exists()


def test_the_reviews_admin_page_keeps_an_owner_among_its_members(admin_client, review, owner):
    from reviews.models import Membership

    memberships = list(Membership.objects.filter(review=review).order_by("pk"))
    data = {
        "slug": review.slug,
        "title": review.title,
        "review_type": review.review_type,
        "reviewers_per_record": review.reviewers_per_record,
        "inclusion_criteria": "[]",
        "exclusion_criteria": "[]",
        "fulltext_exclusion_reasons": "[]",
        "include_keywords": "[]",
        "exclude_keywords": "[]",
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": len(memberships),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for number, membership in enumerate(memberships):
        prefix = f"memberships-{number}-"
        data |= {
            prefix + "id": membership.pk,
            prefix + "review": review.pk,
            prefix + "user": membership.user_id,
        }
        for role in ("owner", "lead", "reviewer"):
            if getattr(membership, f"is_{role}"):
                data[prefix + f"is_{role}"] = "on"
        if membership.user_id == owner.pk:
            data[prefix + "DELETE"] = "on"
    response = admin_client.post(f"/admin/reviews/review/{review.pk}/change/", data)
    assert response.status_code == 200 and "at least one owner" in response.content.decode()
    assert Membership.objects.filter(review=review, user=owner, is_owner=True).exists()
