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
