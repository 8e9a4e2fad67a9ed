"""What an owner sees when a change to the records meets a running import (refused with a message)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.errors import ReviewRuleError
from reviews.models import Record
from reviews.services.locks import IMPORT_RUNNING


@pytest.fixture
def import_running(monkeypatch):
    def refuse(review_id, *, wait):
        raise ReviewRuleError(IMPORT_RUNNING)

    for module in ("reviews.services.records", "reviews.services.duplicates"):
        monkeypatch.setattr(f"{module}.review_records_lock", refuse)


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("record", {"title": "Edited", "year": "2020"}),
        ("record_remove", {"reason": "not a study"}),
        ("record_restore", {}),
    ],
)
def test_a_record_change_during_an_import_is_refused_with_a_message(
    review_with_records, owner, client_for, import_running, url_name, data
):
    record = Record.objects.filter(review=review_with_records, merged_into__isnull=True).first()
    Record.objects.filter(pk=record.pk).update(is_removed=url_name == "record_restore")
    response = client_for(owner).post(
        reverse(f"reviews:{url_name}", args=[review_with_records.slug, record.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert IMPORT_RUNNING in response.content.decode().replace("&#x27;", "'")
    record.refresh_from_db()
    assert record.title != "Edited" and record.is_removed == (url_name == "record_restore")
