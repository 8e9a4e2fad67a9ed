"""The detector's normalised records kept between calls (an import's job and the next one's)."""

from __future__ import annotations

from .blocking import record_keys
from .records import DedupRecord, Prepared, prepared_state


class PreparedCache:
    """Normalised records kept between calls, so an import compares its new records with everything
    already imported without normalising all of that again.

    An entry is reused only while the record it came from is equal to the one given, so a changed
    record is normalised afresh. The normalised record itself is handed out again, with only what one
    call sets on it reset (its position and whether its DOI is shared): the calls of one process run one
    after another (imports into a review take turns), so no two calls hold it at once.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[DedupRecord, Prepared]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def prepare(self, idx: int, record: DedupRecord) -> Prepared:
        entry = self._entries.get(record.key)
        if entry is not None and entry[0] == record:
            prepared = entry[1]
            prepared.idx, prepared.doi_shared = idx, False
            return prepared
        prepared = Prepared(idx, record)
        record_keys(prepared)  # kept with the entry: the blocking keys are most of a record's cost too
        self._entries[record.key] = (record, prepared)
        return prepared

    def restore(self, key: int, prepared: Prepared) -> DedupRecord:
        """Keep a record restored from its stored state; the stand-in returned is what callers pass as the
        record (its fields are not read again: a stored source record never changes)."""
        record_keys(prepared)
        stand_in = DedupRecord(key=key)
        self._entries[key] = (stand_in, prepared)
        return stand_in

    def state(self, key: int) -> str:
        """The stored form of the record cached under this key ("" when there is none)."""
        entry = self._entries.get(key)
        return prepared_state(entry[1]) if entry is not None else ""

    def known(self, key: int) -> DedupRecord | None:
        """The record cached under this key, for callers whose records never change once stored."""
        entry = self._entries.get(key)
        return entry[0] if entry is not None else None

    def adopt(self, new_keys: dict[int, int]) -> None:
        """Entries known under temporary keys take their permanent ones: records now stored, which never
        change, so each is kept as a stand-in (as ``restore`` keeps them), not with all its fields."""
        for old, new in new_keys.items():
            entry = self._entries.pop(old, None)
            if entry is not None:
                entry[1].key = new
                self._entries[new] = (DedupRecord(key=new), entry[1])

    def keep_only(self, keys: set[int]) -> None:
        for key in [key for key in self._entries if key not in keys]:
            del self._entries[key]
