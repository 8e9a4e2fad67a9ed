"""Backup and restore of one review as one archive (``export_review``, ``import_review``, the settings page).

The archive is a zip (ZIP64) holding ``manifest.json`` (format name, version, row counts, SHA-256 of every
member), one JSON-lines member per table (``tables/<app>.<model>.jsonl``) and the review's files
(``files/<app>.<model>/<row>``: import files and full-text PDFs). Ids in the archive are its own: the rows
of each table are numbered 1, 2, 3 ... in the order of their ids, and every reference (foreign keys, people,
ids inside JSON such as a merge's moves and the history's details) uses those numbers, so a review exported,
restored and exported again gives the same tables. ``tables.py`` lists what is archived, ``export.py`` writes
an archive and ``restore.py`` reads one into a new review.
"""

from report.backup.export import review_archive_export
from report.backup.format import ArchiveError
from report.backup.restore import RestoreResult, review_archive_restore

__all__ = ["ArchiveError", "RestoreResult", "review_archive_export", "review_archive_restore"]
