"""Candidate pairs: only records sharing a blocking key are compared, so cost grows ~linearly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from .records import Prepared

# Blocks larger than this are not compared all-against-all: records are sorted and each is compared
# with its next WINDOW neighbours only (sorted neighbourhood), which keeps the cost linear.
MAX_BLOCK = 40
WINDOW = 12
TITLE_KEY_LEN = 24
MIN_TITLE_KEY = 12


def blocking_keys(rec: Prepared) -> Iterator[str]:
    if rec.doi:
        yield "d" + rec.doi
    if rec.pmid:
        yield "p" + rec.pmid
    compact = rec.title_compact
    if len(compact) >= MIN_TITLE_KEY:
        yield "t" + compact[:TITLE_KEY_LEN]
        yield "s" + compact[-TITLE_KEY_LEN:]
        words = rec.title.split()
        if len(words) >= 4:
            # The longest words, in alphabetical order: robust to reordered or re-punctuated titles.
            distinct = sorted(set(words))
            distinct.sort(key=len, reverse=True)  # stable: alphabetical within one length
            longest = sorted(distinct[:3])
            yield "w" + " ".join(longest)
    if rec.first:
        if rec.year is not None:
            yield f"a{rec.first}|{rec.year}"
        if rec.spage:
            yield f"f{rec.first}|{rec.spage}"
    if rec.volume and rec.spage and rec.year is not None:
        yield f"v{rec.year}|{rec.volume}|{rec.spage}"


def record_keys(rec: Prepared) -> tuple[str, ...]:
    """The record's blocking keys, computed once per record."""
    if rec.block_keys is None:
        rec.block_keys = tuple(blocking_keys(rec))
    return rec.block_keys


def _sort_key(rec: Prepared) -> tuple[str, int]:
    return (rec.title_compact, rec.key)


def candidate_pairs(records: Sequence[Prepared], new: set[int] | None = None) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share at least one blocking key.

    With `new` (record indices), only pairs with at least one member in `new` are returned.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    # Incremental: only blocks a new record is in can yield a pair, so only those are gathered.
    hot = None if new is None else {key for idx in new for key in record_keys(records[idx])}
    for rec in records:
        keys = record_keys(rec)
        if hot is None:
            for key in keys:
                blocks[key].append(rec.idx)
        elif not hot.isdisjoint(keys):  # most records of a large review share no block with the new ones
            for key in keys:
                if key in hot:
                    blocks[key].append(rec.idx)

    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or (new is not None and not any(m in new for m in members)):
            continue
        if len(members) > MAX_BLOCK:
            members = sorted(members, key=lambda m: _sort_key(records[m]))
            _add_pairs(pairs, members, WINDOW, new)
        else:
            _add_pairs(pairs, members, len(members), new)
    return pairs


def _add_pairs(pairs: set[tuple[int, int]], members: list[int], window: int, new: set[int] | None) -> None:
    """Each member with the next `window` members."""
    add = pairs.add
    size = len(members)
    for x in range(size):
        i = members[x]
        i_new = new is None or i in new
        for y in range(x + 1, min(size, x + 1 + window)):
            j = members[y]
            if i_new or j in new:
                add((i, j) if i < j else (j, i))
