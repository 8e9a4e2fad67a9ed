"""Where the real exports and labelled sets live, and how tests skip without them.

The folder sits beside the project's root (``../shared/data``); a user's clone does not have it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("TANDEM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
HAS_SHARED_DATA = SHARED_DATA.is_dir()

requires_shared_data = pytest.mark.skipif(
    not HAS_SHARED_DATA,
    reason=f"real exports not found at {SHARED_DATA} (set TANDEM_SHARED_DATA to run these tests)",
)
