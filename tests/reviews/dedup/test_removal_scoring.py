"""Records removed, counted on sets labelled by duplicate groups (bench/dedup_accuracy.py)."""

from __future__ import annotations

from bench.dedup_accuracy import LabelledSet, countings, removal_labels, score_removals
from reviews.dedup import DedupRecord


def test_it_keeps_the_lowest_id_of_each_group_and_removes_the_others():
    assert removal_labels([[7, 3, 5], [2, 9]]) == {
        5: "Duplicate_in_trash",
        7: "Duplicate_in_trash",
        9: "Duplicate_in_trash",
    }


def test_finding_every_group_removes_every_duplicate_and_nothing_else():
    truth = [[1, 2, 3], [4, 5]]
    score = score_removals(removal_labels(truth), [[3, 1, 2], [5, 4]])
    assert (score.truth, score.predicted, score.correct) == (3, 3, 3)


def test_merging_two_studies_kept_records_is_a_wrong_removal():
    score = score_removals(removal_labels([[1, 2], [3, 4]]), [[1, 3]])
    assert (score.truth, score.predicted, score.correct) == (2, 1, 0)


def test_a_set_labelled_by_groups_is_counted_in_pairs_and_in_records_removed():
    labelled = LabelledSet("set", [DedupRecord(key=k) for k in range(1, 6)], true_groups=[[1, 2, 3]])
    scores = countings(labelled, [[1, 2], [4, 5]])
    assert (scores["pairs"].truth, scores["pairs"].predicted, scores["pairs"].correct) == (3, 2, 1)
    removed = scores["records removed"]
    assert (removed.truth, removed.predicted, removed.correct) == (2, 2, 1)


def test_a_set_labelled_by_removed_records_is_counted_in_records_removed_alone():
    labels = {1: "In_database", 2: "Duplicate_in_trash", 3: "In_database"}
    labelled = LabelledSet("set", [DedupRecord(key=k) for k in labels], labels=labels)
    assert list(countings(labelled, [[1, 2]])) == ["records removed"]
