"""Helpers for tests that import files through the real services."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from reviews.models import ImportBatch
from reviews.services.imports import import_batch_create, import_batch_run

FIXTURES = Path(__file__).parent / "fixtures"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data)


def import_file(
    review, actor, name: str, content: bytes | None = None, source: str = "MEDLINE", **kwargs
) -> ImportBatch:
    """Upload and run the job in this thread, as the eager setting does on a machine without Redis."""
    batch = import_batch_create(
        actor=actor,
        review=review,
        uploaded=upload(name, content),
        source_name=source,
        enqueue=False,
        **kwargs,
    )
    return import_batch_run(batch_id=batch.pk)
