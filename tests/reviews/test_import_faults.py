"""Imports survive the faults of a deployment: a worker killed mid-import, a database connection lost
during the write, a broker restarted with jobs queued. The worker-killing tests run `celery worker` in a
process of its own, as deployed, and kill it with SIGKILL."""

from __future__ import annotations

import os
import random
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from reviews.models import AuditEvent, ImportBatch, Record, SourceRecord
from reviews.services import imports
from reviews.services.imports import (
    import_batch_create,
    import_batch_is_stalled,
    import_batch_retry,
    import_heartbeat_key,
    import_progress_get,
    import_progress_set,
)
from tests.celery_worker import needs_redis, publishing_to, worker_process
from tests.reviews.importing import upload

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own, the one below the suite's: these tests empty it, and the suite's other
# workers listen on the suite's own.
_SUITE_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
_suite_db = re.search(r"/(\d+)$", _SUITE_REDIS)
_faults_db = int(_suite_db.group(1)) - 1 if _suite_db and int(_suite_db.group(1)) > 1 else 14
FAULTS_REDIS = re.sub(r"/\d+$", "", _SUITE_REDIS) + f"/{_faults_db}"

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a worker in another process needs a shared PostgreSQL database"
)

WORDS = (
    "adherence barriers clinicians patients outcomes randomised cohort qualitative interviews themes "
    "primary care hospital nurses pharmacists medication education support trial follow-up survey"
).split()


def ris_export(count: int, seed: int = 7) -> bytes:
    """A database's RIS export: distinct studies with the fields and abstract lengths real ones have."""
    rng = random.Random(seed)
    lines = []
    for number in range(1, count + 1):
        words = rng.choices(WORDS, k=220)
        lines += [
            "TY  - JOUR",
            f"TI  - {' '.join(rng.choices(WORDS, k=12)).capitalize()} (study {number})",
            f"AU  - Author{number}, A.",
            f"AU  - Second{rng.randint(1, 999)}, B.",
            f"PY  - {rng.randint(1995, 2024)}",
            f"JO  - Journal of {rng.choice(WORDS).capitalize()} Research",
            f"VL  - {rng.randint(1, 60)}",
            f"SP  - {rng.randint(1, 900)}",
            f"DO  - 10.{1000 + number % 9000}/faults.{number}",
            f"AB  - {' '.join(words).capitalize()}.",
            f"KW  - {rng.choice(WORDS)}",
            "ER  - ",
            "",
        ]
    return "\n".join(lines).encode()


def wait_for(condition, seconds: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def batch_status(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.get(pk=batch_id)


# --- The heartbeat ---------------------------------------------------------------------------------


def test_a_started_job_counts_as_dead_once_its_heartbeat_stops_whatever_progress_it_left(review, owner):
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase", enqueue=False
    )
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=1)  # a job took it
    batch.refresh_from_db()
    import_progress_set(batch.pk, "writing", 1000, 20783)  # and left its last progress behind
    cache.set(import_heartbeat_key(batch.pk), time.time(), timeout=60)
    assert not import_batch_is_stalled(batch)  # beating: a slow job, not a dead one
    cache.delete(import_heartbeat_key(batch.pk))
    assert import_batch_is_stalled(batch)  # the beat stopped: dead, a minute after upload or an hour


def test_a_batch_no_job_has_started_waits_its_turn_before_it_counts_as_lost(review, owner, settings):
    settings.TANDEM_JOBS_IN_THREAD = False
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase", enqueue=False
    )
    assert not import_batch_is_stalled(batch)  # queued behind other imports, perhaps


@pytest.mark.django_db(transaction=True)
def test_a_running_job_keeps_its_heartbeat_and_it_lapses_when_the_job_ends(
    review, owner, settings, monkeypatch
):
    settings.IMPORT_STALE_SECONDS = 1
    monkeypatch.setattr(imports, "IMPORT_HEARTBEAT_SECONDS", 0.1)
    with imports._Heartbeat(4242):
        time.sleep(1.5)  # longer than the key lives: the beats renew it
        assert cache.get(import_heartbeat_key(4242)) is not None
    time.sleep(1.2)
    assert cache.get(import_heartbeat_key(4242)) is None


def test_a_second_press_of_try_again_queues_nothing(
    review, owner, settings, django_capture_on_commit_callbacks
):
    settings.TANDEM_JOBS_IN_THREAD = False
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase", enqueue=False
    )
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=1)
    batch.refresh_from_db()
    assert import_batch_is_stalled(batch)
    with django_capture_on_commit_callbacks() as queued:
        assert import_batch_retry(actor=owner, batch=batch) is True
        assert import_batch_retry(actor=owner, batch=batch) is False
    assert len(queued) == 1
    assert AuditEvent.objects.filter(action="import.retry", object_id=str(batch.pk)).count() == 1
    assert not import_batch_is_stalled(batch)  # on its way to a worker


# --- A worker killed with SIGKILL mid-import -------------------------------------------------------


@pytest.fixture
def faults_redis():
    client = redis.Redis.from_url(FAULTS_REDIS)
    client.flushdb()
    with publishing_to(FAULTS_REDIS):
        yield client
    client.flushdb()


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_writes_nothing_and_try_again_comes_within_seconds(
    review, owner, client_for, faults_redis, tmp_path
):
    stale = 4
    records = 20_000
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("big.ris", ris_export(records)), source_name="Embase"
    )
    with worker_process(FAULTS_REDIS, tmp_path / "worker.log", IMPORT_STALE_SECONDS=str(stale)) as worker:
        wait_for(
            lambda: (import_progress_get(batch.pk) or {}).get("stage") == "writing",
            120,
            f"the import reaching its write (log: {tmp_path / 'worker.log'})",
            step=0.01,
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    killed_at = time.monotonic()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING and batch.attempts == 1
    assert not SourceRecord.objects.filter(batch=batch).exists()
    assert not Record.objects.filter(review=review).exists()
    assert not import_batch_is_stalled(batch)  # its heartbeat has not lapsed yet

    browser = client_for(owner)
    page = wait_for(
        lambda: (
            (page := browser.get(reverse("reviews:imports", args=[review.slug])).content.decode())
            and "Try again" in page
            and page
        ),
        stale + 10,
        "Try again being offered",
        step=0.5,
    )
    assert time.monotonic() - killed_at < stale + 10
    assert "Interrupted" in page and "Nothing from this file was written" in page

    retry = reverse("reviews:import_retry", args=[review.slug, batch.pk])
    first = browser.post(retry, follow=True).content.decode()
    second = browser.post(retry, follow=True).content.decode()
    assert "is queued again" in first
    assert "is already being imported" in second
    assert AuditEvent.objects.filter(action="import.retry", object_id=str(batch.pk)).count() == 1

    with worker_process(FAULTS_REDIS, tmp_path / "worker.log", IMPORT_STALE_SECONDS=str(stale)):
        done = wait_for(
            lambda: (b := batch_status(batch.pk)).is_finished and b, 180, "the import finishing", 0.5
        )
    assert done.status == ImportBatch.Status.DONE, done.error
    assert done.attempts == 2
    assert SourceRecord.objects.filter(batch=batch).count() == records
    assert Record.objects.filter(review=review).count() == records


# --- A database connection lost while the records are written --------------------------------------


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_during_the_copy_is_retried_and_the_import_completes(
    review, owner, celery_on_redis, monkeypatch
):
    from django.conf import settings

    records = 2_500  # more than one COPY chunk, so progress is reported while the COPY is open
    cut = []
    real_progress = imports.import_progress_set

    def progress_then_cut(batch_id, stage, done=0, total=0):
        real_progress(batch_id, stage, done, total)
        if stage == "writing" and done and not cut:
            # The server ends this worker's connection mid-COPY, as a restart or failover would.
            from django.db import connection as worker_connection

            pid = worker_connection.connection.info.backend_pid
            db = settings.DATABASES["default"]
            with psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                user=db["USER"],
                dbname=db["NAME"],
                password=db.get("PASSWORD") or None,
                autocommit=True,
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            cut.append(pid)

    monkeypatch.setattr(imports, "import_progress_set", progress_then_cut)
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("big.ris", ris_export(records)), source_name="Embase"
    )
    done = wait_for(lambda: (b := batch_status(batch.pk)).is_finished and b, 90, "the import finishing", 0.2)
    assert cut, "the connection was never cut"
    assert done.status == ImportBatch.Status.DONE, done.error
    assert done.attempts == 2
    assert SourceRecord.objects.filter(batch=batch).count() == records


# --- The broker restarted with an import queued -----------------------------------------------------


def _compose_redis_command() -> list[str]:
    compose = (ROOT / "docker-compose.yml").read_text()
    service = compose.split("\n  redis:\n", 1)[1]
    line = next(line for line in service.splitlines() if line.strip().startswith("command:"))
    return shlex.split(line.split("command:", 1)[1].strip())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_server(command: list[str], port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [*command, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    wait_for(lambda: _pings(client), 10, "Redis starting", 0.1)
    return process


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_an_import_queued_when_the_broker_restarts_is_not_lost(review, owner, tmp_path):
    """Redis run as docker-compose.yml runs it, restarted (SIGTERM, as `docker compose restart` sends)
    with an import queued and no worker up: the job is still there and the import completes."""
    command = _compose_redis_command()
    assert command[0] == "redis-server"
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = _redis_server(command, port, tmp_path)
    try:
        with publishing_to(url):
            batch = import_batch_create(
                actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase"
            )
            assert redis.Redis(port=port).llen("imports") == 1
            server.send_signal(signal.SIGTERM)
            server.wait(10)
            server = _redis_server(command, port, tmp_path)
            assert redis.Redis(port=port).llen("imports") == 1, "the queued import was lost with the restart"
            with worker_process(url, tmp_path / "worker.log"):
                done = wait_for(
                    lambda: (b := batch_status(batch.pk)).is_finished and b, 60, "the import finishing", 0.2
                )
        assert done.status == ImportBatch.Status.DONE, done.error
        assert Record.objects.filter(review=review).count() == 3
    finally:
        server.terminate()
        server.wait(10)
