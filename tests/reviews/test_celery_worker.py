"""An import through a real Celery worker consuming from Redis, as in production."""

from __future__ import annotations

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from config.celery import app
from reviews.models import ImportBatch, Record
from reviews.services.imports import import_batch_create
from tests.reviews.importing import upload

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


pytestmark = pytest.mark.skipif(not _redis_is_up(), reason=f"no Redis at {REDIS_URL} (CI starts one)")


@pytest.fixture
def celery_on_redis():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    with start_worker(
        app, pool="solo", concurrency=1, queues=["imports", "default"], perform_ping_check=False
    ):
        yield app
    app.conf.update(saved)


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
