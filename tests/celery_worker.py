"""A real Celery worker on Redis for the tests that need one (``celery_on_redis``), as in production."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker

import reviews.tasks  # noqa: F401  (registers the tasks before the worker starts)
import screening.tasks  # noqa: F401
from config.celery import app

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parent.parent


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


# --- A worker in a process of its own, for the tests that kill it --------------------------------------


def database_url() -> str:
    """The test database as a URL, for a worker process started by a test."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@contextlib.contextmanager
def worker_process(redis_url: str, log: Path, **environment: str):
    """`celery worker` as deployed (solo pool, the imports queue), on the test database and MEDIA_ROOT."""
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **environment,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "imports,default"]
    command += ["--pool", "solo", "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def publishing_to(redis_url: str):
    """Jobs this test process queues go to the broker at redis_url, and its cache (progress, heartbeats)
    is that Redis too, as in a deployment; no worker in this process."""
    from django.test import override_settings

    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=redis_url, broker_read_url=redis_url, broker_write_url=redis_url, task_always_eager=False
    )
    _forget_connections()
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    try:
        with override_settings(TANDEM_JOBS_IN_THREAD=False, CACHES=cache):
            yield
    finally:
        app.conf.update(saved)
        _forget_connections()
