"""An import through a real Celery worker consuming from Redis, as in production."""

from __future__ import annotations

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

import reviews.tasks  # noqa: F401  (registers the task before the worker starts)
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


def _forget_connections() -> None:
    # Earlier eager tests may have built producers for the in-memory broker; drop them so the
    # upload publishes to Redis, where the worker listens.
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on_redis():
    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=REDIS_URL, broker_read_url=REDIS_URL, broker_write_url=REDIS_URL, task_always_eager=False
    )
    _forget_connections()
    with start_worker(
        app, pool="solo", concurrency=1, queues=["imports", "default"], perform_ping_check=False
    ):
        yield app
    app.conf.update(saved)
    _forget_connections()


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
