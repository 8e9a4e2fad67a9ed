"""How the core tells the later stages that study records entered, changed or left the review.

An import, a merge, an unmerge, a removal, a restore or a deleted file changes which study records a
review has. The stages after ``reviews`` keep rows per record (screening's queues; ranking and coding
later), so they must hear of it in the same transaction. The core does not import them: each stage
connects a ``RecordsListener`` here when its app starts (``AppConfig.ready``), and the core's services
call the functions below at the places where records change. The calls are explicit on purpose (no
model-save signals): reading a service shows every stage it reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from reviews.models import Review


@dataclass(frozen=True)
class RecordsListener:
    """What one later stage wants to hear. Every hook runs inside the caller's transaction.

    * ``entered(review=, record_ids=)``: new study records from an import.
    * ``changed(review_id=, record_ids=)``: records merged away, brought back, removed or restored; the
      stage re-reads whether each is active.
    * ``started(record_ids=)``: which of these records the stage has already worked on; the core will not
      merge two such records or delete the file they came from behind the team's back. ``record_ids`` is a
      set of ids or a query of them (``values_list("record_id", flat=True)``), so use it only to filter
      (``record_id__in=``): asked about a whole file, the core does not read its records' ids first.
    * ``tables``: the stage's per-record tables, analysed with the core's after a large import.
    """

    name: str
    entered: Callable[..., None] | None = None
    changed: Callable[..., None] | None = None
    started: Callable[..., set[int]] | None = None
    tables: tuple[str, ...] = ()


_listeners: dict[str, RecordsListener] = {}


def lifecycle_connect(listener: RecordsListener) -> None:
    """Connect a stage (again, harmlessly: the name is the key), in pipeline order."""
    _listeners[listener.name] = listener


def lifecycle_listeners() -> tuple[RecordsListener, ...]:
    return tuple(_listeners.values())


def records_entered(*, review: Review, record_ids: list[int]) -> None:
    for listener in lifecycle_listeners():
        if listener.entered is not None:
            listener.entered(review=review, record_ids=record_ids)


def records_changed(*, review_id: int, record_ids: Iterable[int]) -> None:
    record_ids = list(record_ids)
    if not record_ids:
        return
    for listener in lifecycle_listeners():
        if listener.changed is not None:
            listener.changed(review_id=review_id, record_ids=record_ids)


def records_started(*, record_ids: set[int] | QuerySet) -> set[int]:
    """The records any later stage has already worked on, among a set of ids or a query of them."""
    if not isinstance(record_ids, QuerySet) and not record_ids:
        return set()
    started: set[int] = set()
    for listener in lifecycle_listeners():
        if listener.started is not None:
            started |= listener.started(record_ids=record_ids)
    return started


def lifecycle_tables() -> list[str]:
    return [table for listener in lifecycle_listeners() for table in listener.tables]
