"""A web process or an import job that ranks nothing does not carry SciPy and scikit-learn (about 120 MB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROGRAM = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view, and what the views import
import reviews.tasks, screening.services, coding.services  # the jobs and the services
print(sorted(name for name in ("scipy", "sklearn") if name in sys.modules))
"""


def test_the_app_starts_without_scipy_and_scikit_learn():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
