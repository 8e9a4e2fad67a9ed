"""Setting up the screening commands' tests: three.ris imported, and CSV files to import."""

from __future__ import annotations

from pathlib import Path

from reviews.models import Record, SourceRecord
from tests.reviews.importing import import_file


def three_records(review, owner) -> dict[str, Record]:
    """three.ris imported through the real services, keyed by its source ids 101, 102 and 103."""
    import_file(review, owner, "three.ris", source="Embase")
    sources = SourceRecord.objects.filter(review=review).select_related("record")
    return {source.source_record_id: source.record for source in sources}


def csv_file(tmp_path: Path, text: str, name: str = "decisions.csv", *, bom: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return str(path)
