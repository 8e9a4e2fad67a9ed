"""Accuracy of automatic merges on the labelled duplicate sets in ../shared/data.

Target for automatic merges: sensitivity >= 0.98 and precision >= 0.998 on every set. Two rows cannot meet
it for reasons in the labels, not the algorithm; they are held to what they can show (see the notes):

- haematology: the labels join errata, replies and letters with the articles they concern, four
  different trial registrations (adult/adolescent x plasma-sensitive/resistant) into one study, and
  meeting abstracts with later papers on other pages. The rules forbid merging the first kind and the
  others are different publications; precision must stay perfect, sensitivity is held to its level.
- asysd_diabetes scored on the ``label`` column: of the 346 records at the end of the file (ids
  1500-1845), 344 repeat the title and year of an earlier record that is itself In_database and are
  labelled In_database too (132 are identical in every field), so merging copies counts as removing kept
  records. Scored on the file's ``source`` column (one "unique" record per study) the same run meets the
  target; that row is asserted in full.
"""

from __future__ import annotations

import pytest

from bench.dedup_accuracy import (
    ASYSD_SET,
    ASYSD_SOURCE_SET,
    exact_copies,
    group_pairs,
    labels_allow,
    load_set,
    rule_forbidden,
    run_set,
    score_removals,
    shuffled,
)
from reviews.dedup import DedupResult, find_duplicates, normalise_title
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [requires_shared_data, pytest.mark.shared_data]

SENSITIVITY = 0.98
PRECISION = 0.998


@pytest.mark.parametrize(
    "name",
    ["respiratory", "stroke", "digital_work", "special_cases", ASYSD_SOURCE_SET, "copper", "tafenoquine"],
)
def test_targets_are_met(name):
    row, result = run_set(load_set(name, SHARED_DATA))
    assert row["sensitivity"] >= SENSITIVITY, row
    assert row["precision"] >= PRECISION, row
    assert row["possible_pairs"] <= max(10, 0.1 * row["records"]), row


def test_haematology_merges_nothing_wrong():
    row, _ = run_set(load_set("haematology", SHARED_DATA))
    assert row["precision"] >= PRECISION, row
    assert row["sensitivity"] >= 0.80, row  # see the module docstring for the missing pairs
    assert row["possible_pairs"] <= max(10, 0.1 * row["records"]), row


def test_asysd_label_column_finds_the_removed_duplicates():
    row, _ = run_set(load_set(ASYSD_SET, SHARED_DATA))
    assert row["sensitivity"] >= SENSITIVITY, row
    assert row["precision"] >= 0.70, row  # capped by the In_database copies, see the module docstring


def test_the_asysd_label_column_marks_copies_of_kept_records_as_kept():
    """The evidence for not asserting precision on the label column: of the 346 records at the end of
    the file, 344 have the title and year of an earlier record that is itself In_database, and are
    In_database too (132 of them are identical in every field)."""
    labelled = load_set(ASYSD_SET, SHARED_DATA)
    kept_early = {
        (normalise_title(r.title), r.year)
        for r in labelled.records
        if r.key < 1500 and labelled.labels[r.key] == "In_database"
    }
    kept_copies = [
        r.key
        for r in labelled.records
        if r.key >= 1500
        and labelled.labels[r.key] == "In_database"
        and (normalise_title(r.title), r.year) in kept_early
    ]
    assert len(kept_copies) >= 340


def test_removing_exact_copies_alone_already_misses_the_precision_target_on_the_asysd_label_column():
    labelled = load_set(ASYSD_SET, SHARED_DATA)
    copies = exact_copies(labelled.records)
    exact = score_removals(labelled.labels, copies)
    assert exact.predicted >= 500  # hundreds of records identical in every field
    assert exact.precision < 0.7
    assert labels_allow(labelled) == f"exact copies alone: prec. {exact.precision:.3f}"


def test_the_haematology_rules_forbid_more_true_pairs_than_the_target_leaves_room_for():
    labelled = load_set("haematology", SHARED_DATA)
    by_key = {r.key: r for r in labelled.records}
    truth = group_pairs(labelled.true_groups)
    forbidden = [p for p in truth if rule_forbidden(by_key[p[0]], by_key[p[1]])]
    assert len(forbidden) > (1 - SENSITIVITY) * len(truth)
    assert labels_allow(labelled) == f"sens. ≤ {1 - len(forbidden) / len(truth):.3f}"


def test_exact_copies_groups_only_records_identical_in_every_field():
    from reviews.dedup import DedupRecord

    a = DedupRecord(key=1, title="Same", authors=("Smith, J.",), year=2020)
    b = DedupRecord(key=2, title="Same", authors=("Smith, J.",), year=2020)
    c = DedupRecord(key=3, title="Same", authors=("Smith, J.",), year=2021)
    assert exact_copies([c, b, a]) == [[1, 2]]


def test_incremental_import_gives_the_same_groups_as_a_full_run():
    labelled = load_set("respiratory", SHARED_DATA)
    records = shuffled(labelled.records)
    cut = len(records) * 2 // 3
    first = find_duplicates(records[:cut])
    already_merged = [(group[0], key) for group in first.groups for key in group[1:]]
    second = find_duplicates(records, must_link=already_merged, only_involving={r.key for r in records[cut:]})
    merged = {tuple(g) for g in first.groups}
    touched = {k for g in second.groups for k in g}
    groups = [list(g) for g in merged if not touched & set(g)] + second.groups
    assert labelled.score(DedupResult(groups, [])) == labelled.score(find_duplicates(records))


@pytest.mark.parametrize("name", ["respiratory", "haematology", ASYSD_SOURCE_SET])
def test_stored_normalised_forms_give_back_every_record_exactly(name):
    """What a freshly started worker reads instead of normalising again, on real exports' records."""
    from reviews.dedup.records import Prepared, prepared_from_state, prepared_state

    for record in load_set(name, SHARED_DATA).records:
        fresh = Prepared(0, record)
        restored = prepared_from_state(record.key, prepared_state(fresh))
        restored.idx = 0
        for slot in Prepared.__slots__:
            if slot not in ("block_keys", "name_tokens_cache"):
                assert getattr(restored, slot) == getattr(fresh, slot), (record, slot)
        assert restored.name_tokens == fresh.name_tokens
