"""Settings for people and mail, read from the environment at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, "
    "s.REVIEW_CREATORS, s.INVITATION_EXPIRY_DAYS]))"
)


def _settings(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "REVIEW_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **environment}
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_a_mail_server_mail_is_printed_and_anyone_creates_reviews():
    backend, host, *_, creators, days = json.loads(_settings().stdout)
    assert backend == "django.core.mail.backends.console.EmailBackend" and host == ""
    assert (creators, days) == ("anyone", 7)


def test_a_mail_server_and_who_creates_reviews_come_from_the_environment():
    result = _settings(
        EMAIL_HOST="smtp.example.org",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="Tandem <t@example.org>",
        REVIEW_CREATORS="Staff",
        INVITATION_EXPIRY_DAYS="3",
    )
    assert json.loads(result.stdout) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        587,
        True,
        "Tandem <t@example.org>",
        "staff",
        3,
    ]


def test_a_bad_review_creators_value_stops_the_start():
    result = _settings(REVIEW_CREATORS="everyone")
    assert result.returncode != 0 and "REVIEW_CREATORS must be" in result.stderr
