"""Properties that hold for any input: find_duplicates never raises and returns a partition."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.dedup import DedupRecord, find_duplicates

# Small alphabets make collisions (and so duplicates, conflicts and chains) likely.
_words = st.sampled_from(
    ["eculizumab", "trial", "HUS", "atypical", "Erratum:", "Reply", "[Review]", "α", "Ж", "", "-"]
)
_text = st.one_of(st.text(max_size=30), st.lists(_words, max_size=8).map(" ".join))
_names = st.sampled_from(
    ["Smith, J.", "Smith J", "John Smith", "Jones, A", "Anonymous", "", "Le Quintrec, M.", "李"]
)
_short = st.one_of(
    st.sampled_from(["", "1", "12", "NA", "S12-S14", "123-30", "e1234", "01-Jun", "1)"]), st.text(max_size=8)
)

records_strategy = st.lists(
    st.builds(
        DedupRecord,
        key=st.integers(min_value=-50, max_value=50),
        title=_text,
        authors=st.lists(st.one_of(_names, st.text(max_size=12)), max_size=4).map(tuple),
        year=st.one_of(st.none(), st.integers(min_value=1990, max_value=1994), st.integers()),
        journal=st.one_of(
            st.sampled_from(["Blood", "N Engl J Med", "New England Journal of Medicine", ""]), _text
        ),
        volume=_short,
        issue=_short,
        pages=_short,
        doi=st.sampled_from(["", "10.1/a", "10.1/b", "10.1/c"]),
        pmid=st.sampled_from(["", "1", "2"]),
        abstract=st.text(max_size=20),
        publication_type=st.sampled_from(
            ["", "JOUR", "Erratum", "Comment", "Conference Abstract", "inproceedings"]
        ),
    ),
    max_size=25,
)
unique_records_strategy = records_strategy.map(lambda records: list({r.key: r for r in records}.values()))
_key_pairs = st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=unique_records_strategy,
    cannot=_key_pairs,
    must=_key_pairs,
    only=st.one_of(st.none(), st.sets(st.integers(-50, 50))),
)
def test_never_raises_and_groups_partition_the_keys(records, cannot, must, only):
    result = find_duplicates(records, cannot_link=cannot, must_link=must, only_involving=only)
    keys = {r.key for r in records}
    seen: set[int] = set()
    for group in result.groups:
        assert len(group) >= 2
        assert group == sorted(group)
        assert set(group) <= keys
        assert not seen & set(group), "groups must be disjoint"
        seen |= set(group)
    group_of = {k: i for i, g in enumerate(result.groups) for k in g}
    must_pairs = {(min(a, b), max(a, b)) for a, b in must if a != b and a in keys and b in keys}
    cannot_pairs = {(min(a, b), max(a, b)) for a, b in cannot if a != b}
    for pair in result.possible_pairs:
        assert pair.a in keys and pair.b in keys and pair.a != pair.b
        assert group_of.get(pair.a, "a") != group_of.get(pair.b, "b"), "never offer a pair inside one group"
        assert (min(pair.a, pair.b), max(pair.a, pair.b)) not in cannot_pairs - must_pairs
        assert 0.0 <= pair.score <= 1.0 and pair.reasons
        if only is not None:
            assert pair.a in only or pair.b in only
    # A pair a reviewer called different never ends up in one group (unless they also said "same").
    for a, b in cannot_pairs - must_pairs:
        if a in group_of and b in group_of and group_of[a] == group_of[b]:
            # Allowed only when must_link chains join them.
            assert must_pairs, (a, b)
    for group in result.groups:
        dois = {r.doi for r in records if r.key in group and r.doi}
        if not must_pairs:
            assert len(dois) <= 1, "a group never gathers different DOIs"


@settings(max_examples=100, deadline=None)
@given(records=records_strategy, seed=st.integers(0, 1000))
def test_result_is_independent_of_input_order(records, seed):
    # Repeated keys collapse to one record whichever comes first.
    expected = find_duplicates(records)
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    result = find_duplicates(shuffled)
    assert result.groups == expected.groups
    assert [(p.a, p.b, p.score, p.reasons) for p in result.possible_pairs] == [
        (p.a, p.b, p.score, p.reasons) for p in expected.possible_pairs
    ]
