"""The normalised-record cache the import keeps between jobs."""

from reviews.dedup import DedupRecord, PreparedCache, find_duplicates

A = DedupRecord(
    key=-1, title="Nurses' views of deprescribing: a qualitative study", authors=("Olsen, K",), year=2020
)
B = DedupRecord(
    key=7, title="Nurses views of deprescribing - a qualitative study", authors=("Olsen K",), year=2020
)


def test_a_cache_gives_the_same_result_as_none():
    cache = PreparedCache()
    assert find_duplicates([A, B], cache=cache).groups == find_duplicates([A, B]).groups
    assert find_duplicates([A, B], cache=cache).groups == [[-1, 7]]


def test_adopted_entries_answer_under_their_new_keys():
    cache = PreparedCache()
    find_duplicates([A, B], cache=cache)
    cache.adopt({-1: 42})
    record = DedupRecord(key=42, title=A.title, authors=A.authors, year=A.year)
    prepared = cache.prepare(0, record)
    assert prepared.key == 42
    assert find_duplicates([record, B], cache=cache).groups == [[7, 42]]


def test_a_changed_record_is_normalised_again():
    cache = PreparedCache()
    cache.prepare(0, B)
    changed = DedupRecord(key=7, title="Something else entirely", authors=("Olsen K",), year=2020)
    assert cache.prepare(0, changed).title != cache.prepare(0, B).title
