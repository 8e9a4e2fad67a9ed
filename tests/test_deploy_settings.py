"""Settings a deployment gets wrong at its peril: the secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = "change-me-to-a-long-random-string-of-at-least-fifty-characters"


def _check(secret: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "tandem.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("SECRET_KEY_FILE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret", [PLACEHOLDER, "short-but-random-Qx7", "a" * 60], ids=["example", "short", "one letter"]
)
def test_the_deployment_check_refuses_a_guessable_secret(secret):
    result = _check(secret)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_the_image_builds_its_static_files_with_the_dockerfiles_variables(tmp_path):
    """The Dockerfile's build step, run with the same variables (a random 60-byte key, DEBUG off)."""
    import secrets

    assert _check(secrets.token_urlsafe(60)).returncode == 0
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "build",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "css" / "tandem.css").exists() or any(
        (tmp_path / "static").rglob("tandem*.css")
    )
