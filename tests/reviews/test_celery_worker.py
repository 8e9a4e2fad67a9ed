"""An import through a real Celery worker consuming from Redis, as in production."""

from __future__ import annotations

import time

import pytest

from reviews.models import ImportBatch, Record
from reviews.services.imports import import_batch_create
from tests.celery_worker import needs_redis
from tests.reviews.importing import upload

pytestmark = needs_redis


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_a_real_worker(review, owner, celery_on_redis):
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.is_finished:
            break
        time.sleep(0.2)
    assert batch.status == ImportBatch.Status.DONE, batch.error or "the worker did not finish within 30 s"
    assert batch.attempts == 1
    assert Record.objects.filter(review=review).count() == 3
