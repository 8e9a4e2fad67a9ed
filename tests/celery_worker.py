"""A real Celery worker on Redis for the tests that need one (``celery_on_redis``), as in production."""

from __future__ import annotations

import os

import pytest
import redis
from celery.contrib.testing.worker import start_worker

import reviews.tasks  # noqa: F401  (registers the tasks before the worker starts)
import screening.tasks  # noqa: F401
from config.celery import app

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


needs_redis = pytest.mark.skipif(not _redis_is_up(), reason=f"no Redis at {REDIS_URL} (CI starts one)")


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
