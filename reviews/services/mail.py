"""Mail goes out after the transaction that caused it commits, as a job: never inside the request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from reviews.jobs import job_enqueue

MAIL_TASK = "reviews.tasks.mail_send"  # the job, by the name it is registered under (reviews/tasks.py)


def mail_queue(*, recipient: str, template: str, context: dict[str, Any]) -> None:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` now; send them once the caller's
    transaction commits (nothing is sent for a write that is rolled back)."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    transaction.on_commit(lambda: job_enqueue(MAIL_TASK, recipient, subject, body))


def mail_deliver(*, recipient: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
