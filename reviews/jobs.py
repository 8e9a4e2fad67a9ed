"""Start a background job: on a Celery worker when there is a broker, else on a thread of this process.

Without REDIS_URL (the embedded default) Celery runs tasks eagerly, which would make the upload request
wait for the whole import. A thread lets the request return at once, so the Import page shows the job's
progress as it does with a worker (the progress lives in this process's cache, which the thread shares).
One thread runs the jobs one after another, like a single worker: several files uploaded together are
imported in turn, each deduplicated against the ones before it, and SQLite never has two jobs waiting on
each other's write lock. The job's own transaction keeps it all or nothing either way; a job cut short by
a restart leaves its batch pending, shown as not started and safe to queue again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from importlib import import_module
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# Jobs queued or running on this process's job thread, so a page can tell a job that is coming from one
# that a restart of the process cut short.
_pending: set[tuple[str, tuple[Any, ...]]] = set()
_pending_lock = threading.Lock()
_queue: queue.Queue[tuple[Any, tuple[Any, ...]]] = queue.Queue()
_thread: threading.Thread | None = None


def job_enqueue(task_name: str, *args: Any) -> None:
    """Queue the task registered under this name (a services module names its job rather than importing
    the tasks module, which imports the services: the dependency runs one way)."""
    task = job_task(task_name)
    if not settings.TANDEM_JOBS_IN_THREAD:
        task.delay(*args)
        return
    global _thread
    with _pending_lock:
        _pending.add((task.name, args))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_jobs_run_forever, name="tandem jobs", daemon=True)
            _thread.start()
    _queue.put((task, args))


def job_task(task_name: str) -> Any:
    """The Celery task registered under this name ("app.tasks.function"). Its module is imported first: a
    worker loads every tasks module when it starts, a web process only the ones it is asked for."""
    import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name]


def job_is_pending_here(task_name: str, *args: Any) -> bool:
    """Whether this process has the job queued or running (only meaningful with TANDEM_JOBS_IN_THREAD)."""
    with _pending_lock:
        return (task_name, args) in _pending


def jobs_wait_idle(seconds: float) -> bool:
    """Wait until this process's job thread has nothing queued or running; False if it still had after
    ``seconds``. (For tests, which must not read an in-memory SQLite database while a job writes it.)"""
    deadline = time.monotonic() + seconds
    while _queue.unfinished_tasks:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _jobs_run_forever() -> None:
    while True:
        task, args = _queue.get()
        try:
            _job_run(task, args)
        except Exception:  # the thread must outlive any one job
            logger.exception("job %s%s crashed", task.name, args)
        finally:
            with _pending_lock:
                _pending.discard((task.name, args))
            _queue.task_done()


def _job_run(task: Any, args: tuple[Any, ...]) -> None:
    try:
        result = task.apply(args=args)
        if result.failed():
            logger.error("job %s%s failed: %r", task.name, args, result.result)
    finally:
        # Between jobs the thread holds no database connection: a job may wait in the queue for long.
        connections.close_all()
