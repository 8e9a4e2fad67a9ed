"""Start a background job: on a Celery worker when there is a broker, else on a thread of this process.

Without REDIS_URL (the embedded default) Celery runs tasks eagerly, which would make the upload request
wait for the whole import. A thread lets the request return at once, so the Import page shows the job's
progress as it does with a worker (the progress lives in this process's cache, which the thread shares).
The job's own transaction keeps it all or nothing either way; a job cut short by a restart leaves its
batch pending, shown as not started and safe to queue again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# Jobs running on threads of this process, so a page can tell a job that is running from one that a
# restart of the process cut short (which then shows as not started and can be queued again).
_running: set[tuple[str, tuple[Any, ...]]] = set()
_running_lock = threading.Lock()


def job_enqueue(task: Any, *args: Any) -> None:
    if not settings.TANDEM_JOBS_IN_THREAD:
        task.delay(*args)
        return
    with _running_lock:
        _running.add((task.name, args))
    thread = threading.Thread(target=_job_run, args=(task, args), name=f"job {task.name}{args}", daemon=True)
    thread.start()


def job_is_running_here(task: Any, *args: Any) -> bool:
    """Whether this process runs the job on one of its threads (only meaningful with TANDEM_JOBS_IN_THREAD)."""
    with _running_lock:
        return (task.name, args) in _running


def _job_run(task: Any, args: tuple[Any, ...]) -> None:
    try:
        result = task.apply(args=args)
        if result.failed():
            logger.error("job %s%s failed: %r", task.name, args, result.result)
    finally:
        with _running_lock:
            _running.discard((task.name, args))
        # A thread's database connections are its own; leaving them open would leak one per job.
        connections.close_all()
