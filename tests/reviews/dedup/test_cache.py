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
    before = cache.prepare(0, A)
    cache.adopt({-1: 42})
    # A stored record never changes: the cache keeps a stand-in for it, not its fields, and reuses its
    # normalised form for whoever passes that stand-in.
    stand_in = cache.known(42)
    assert stand_in == DedupRecord(key=42)
    assert cache.prepare(0, stand_in) is before
    assert before.key == 42
    assert find_duplicates([stand_in, B], cache=cache).groups == [[7, 42]]


def test_a_changed_record_is_normalised_again():
    cache = PreparedCache()
    cache.prepare(0, B)
    changed = DedupRecord(key=7, title="Something else entirely", authors=("Olsen K",), year=2020)
    assert cache.prepare(0, changed).title != cache.prepare(0, B).title


# Records whose normalised form uses every kind of value a stored state must give back exactly: a notice,
# a bracketed (translated) title, group and person authors, page ranges with supplements, no year.
VARIED = [
    DedupRecord(
        key=1,
        title="[Erratum: Barriers to deprescribing in primary care]",
        authors=("ACCORD Study Group", "Smith, J. A.", "Li W"),
        year=2020,
        journal="J Adv Nurs",
        volume="12",
        issue="3",
        pages="123-9, S12",
        doi="https://doi.org/10.1111/JAN.1234",
        pmid="00012345",
        publication_type="Conference Abstract",
    ),
    DedupRecord(key=2, title="", authors=("WHO Collaborating Group",), pages="e43268", journal="PLoS One"),
    DedupRecord(key=3, title="Ünïcode – title “quoted”", authors=("García-López, María",), year=None),
    DedupRecord(key=4, title="A", year=1999, volume="1999", pages="21-Apr"),
]


def _slots(prepared) -> dict:
    from reviews.dedup.blocking import record_keys

    record_keys(prepared)
    return {name: getattr(prepared, name) for name in type(prepared).__slots__ if name != "name_tokens_cache"}


def _round_trip(record: DedupRecord):
    from reviews.dedup.records import Prepared, prepared_from_state, prepared_state

    fresh = Prepared(0, record)
    restored = prepared_from_state(record.key, prepared_state(fresh))
    restored.idx = 0
    return fresh, restored


def test_a_stored_state_gives_back_exactly_what_normalising_gives():
    for record in VARIED:
        fresh, restored = _round_trip(record)
        assert _slots(restored) == _slots(fresh), record
        # Types too: a list where a tuple is expected would compare unequal (or not at all) later.
        for name, value in _slots(fresh).items():
            assert type(getattr(restored, name)) is type(value), name
        assert restored.name_tokens == fresh.name_tokens


def test_a_state_of_another_version_or_unreadable_is_not_used():
    from reviews.dedup.records import PREPARED_VERSION, Prepared, prepared_from_state, prepared_state

    state = prepared_state(Prepared(0, VARIED[0]))
    assert (
        prepared_from_state(1, state.replace(f"[{PREPARED_VERSION},", f"[{PREPARED_VERSION + 1},", 1)) is None
    )
    for broken in ("", "not json", "[1]", "{}", state[:-5]):
        assert prepared_from_state(1, broken) is None, broken


def test_restored_records_find_the_same_duplicates():
    from reviews.dedup.records import Prepared, prepared_state

    records = [A, B, *VARIED]
    cache = PreparedCache()
    stand_ins = [cache.restore(r.key, Prepared(0, r)) for r in records[1:]]
    # The stand-ins carry no fields: what is found can only come from the restored forms.
    assert all(not stand_in.title for stand_in in stand_ins)
    assert (
        find_duplicates([A, *stand_ins], cache=cache).groups == find_duplicates(records).groups == [[-1, 7]]
    )
    assert cache.state(7) == prepared_state(Prepared(0, B))
