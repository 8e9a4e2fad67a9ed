"""Reads for screening."""

from __future__ import annotations


def screening_records_started(*, record_ids: set[int]) -> set[int]:
    """Records among these that any reviewer has screened. Until screening exists, none."""
    return set()
