"""The lock on a review's records that an import holds for its whole transaction.

An import plans its merges against the records committed when it starts and writes them at the end, so
nothing else may merge, unmerge or delete the review's records in between: other imports wait their turn,
and a person's change is refused with a message (it would otherwise wait for the whole import). A
transaction-scoped advisory lock on PostgreSQL, so the review's row itself stays free; SQLite lets one
writer in at a time anyway.
"""

from __future__ import annotations

from django.db import connection

from reviews.errors import ReviewRuleError

IMPORT_RUNNING = "A file is being imported into this review; try again when it has finished."


def review_records_lock(review_id: int, *, wait: bool) -> None:
    """Take the lock until the transaction ends; wait=False refuses at once if an import holds it."""
    if connection.vendor != "postgresql":
        return
    key = f"tandem:import:{review_id}"
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
            return
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        if not cursor.fetchone()[0]:
            raise ReviewRuleError(IMPORT_RUNNING)
