import pytest

from lib.ranking import features_fit
from lib.ranking_simulation import (
    LABELLED_CSV_BAD_LABEL,
    labelled_csv_decode,
    labelled_csv_read,
    rrf,
    simulate,
    simulation_priors,
    wss,
)
from tests.lib.test_ranking import TOY_CORPUS, TOY_RELEVANT

# Ten records screened in the order a..j; the four relevant ones come 1st, 2nd, 5th and 8th.
ORDER = list("abcdefghij")
RELEVANT = {"a", "b", "e", "h"}


def test_wss_at_95_and_100_percent_recall_by_hand():
    # 95% of 4 relevant rounds up to all 4: found after 8 of 10 records, 2 left unscreened.
    # WSS@95 = 2/10 - (1 - 0.95) = 0.15; WSS@100 = 2/10 - 0 = 0.20.
    assert wss(ORDER, RELEVANT, 0.95) == pytest.approx(0.15)
    assert wss(ORDER, RELEVANT, 1.0) == pytest.approx(0.20)
    # 50% recall = 2 relevant, found after 2 records: 8/10 - 0.5 = 0.30.
    assert wss(ORDER, RELEVANT, 0.5) == pytest.approx(0.30)


def test_rrf_at_10_percent_by_hand():
    # 10% of 10 records = the first record, which is relevant: 1 of 4 = 25%.
    assert rrf(ORDER, RELEVANT, 10) == pytest.approx(25.0)
    # 50% = the first 5 records hold a, b and e: 3 of 4 = 75%.
    assert rrf(ORDER, RELEVANT, 50) == pytest.approx(75.0)


def test_95_percent_of_twenty_relevant_is_nineteen():
    # 40 records, the 20 relevant ones at positions 1-19 and 40: 95% is reached at the 19th record.
    order = list(range(40))
    relevant = set(range(19)) | {39}
    assert wss(order, relevant, 0.95) == pytest.approx(21 / 40 - 0.05)
    assert wss(order, relevant, 1.0) == pytest.approx(0.0)


def test_metrics_of_an_order_that_stops_at_the_last_relevant_record():
    # The same screening stopped after h: the set still has 10 records.
    stopped = ORDER[:8]
    assert wss(stopped, RELEVANT, 0.95, records=10) == pytest.approx(0.15)
    assert rrf(stopped, RELEVANT, 10, records=10) == pytest.approx(25.0)
    with pytest.raises(ValueError):
        wss(ORDER[:4], RELEVANT, 1.0, records=10)


def test_priors_are_one_relevant_then_one_irrelevant_row_chosen_by_the_seed():
    labels = [False] * 50 + [True] * 5 + [False] * 45
    priors = simulation_priors(labels, seed=1)
    assert labels[priors[0]] is True and labels[priors[1]] is False
    assert simulation_priors(labels, seed=1) == priors
    assert {tuple(simulation_priors(labels, seed=seed)) for seed in range(10)} != {tuple(priors)}
    assert len(simulation_priors(labels, seed=1, included=2, excluded=3)) == 5
    with pytest.raises(ValueError):
        simulation_priors([False] * 10, seed=1)


def test_simulation_screens_every_record_once_priors_first():
    labels = [row in TOY_RELEVANT for row in range(len(TOY_CORPUS))]
    simulation = simulate(features_fit(TOY_CORPUS), labels, seed=2)
    assert sorted(simulation.order) == list(range(len(TOY_CORPUS)))
    assert simulation.order[:2] == simulation.priors == simulation_priors(labels, seed=2)
    # After the two priors, the ranking finds the other three relevant records before any irrelevant one.
    assert set(simulation.order[:5]) == TOY_RELEVANT | {simulation.priors[1]}
    assert simulate(features_fit(TOY_CORPUS), labels, seed=2) == simulation


def test_simulation_can_stop_after_the_last_relevant_record():
    labels = [row in TOY_RELEVANT for row in range(len(TOY_CORPUS))]
    simulation = simulate(features_fit(TOY_CORPUS), labels, seed=2, stop_after_all_relevant=True)
    assert set(simulation.order) >= TOY_RELEVANT
    assert labels[simulation.order[-1]] is True and len(simulation.order) < len(TOY_CORPUS)


def test_labelled_csv_is_read_with_odd_encodings_quotes_and_bytes():
    text = (
        "Record_ID,title,abstract,keywords,label_included\r\n"
        '1,"A ""quoted"" title",Caf\xe9 au lait,diet;coffee,1\r\n'
        '2,Plain,"two\nlines\x00",,0\r\n'
        "3,No abstract,,,no\r\n"
    )
    labelled = labelled_csv_read(labelled_csv_decode(text.encode("cp1252")), label_column="label_included")
    assert labelled.record_ids == ["1", "2", "3"]
    assert labelled.labels == [True, False, False]
    assert labelled.texts[0] == 'A "quoted" title\nCafé au lait\ndiet coffee'
    assert labelled.texts[1] == "Plain\ntwo\nlines"
    assert labelled.titles == ['A "quoted" title', "Plain", "No abstract"]
    bom = labelled_csv_decode("\ufeff".encode() + text.encode())
    assert labelled_csv_read(bom, label_column="label_included").record_ids == ["1", "2", "3"]


def test_labelled_csv_names_what_is_wrong():
    with pytest.raises(ValueError, match="label_included"):
        labelled_csv_read("record_id,title,abstract\n1,t,a\n", label_column="label_included")
    bad = LABELLED_CSV_BAD_LABEL.format(line=2, value="maybe", column="label")
    with pytest.raises(ValueError, match=bad.replace("(", r"\(").replace(")", r"\)")):
        labelled_csv_read("record_id,title,abstract,label\n1,t,a,maybe\n", label_column="label")


def test_simulation_retrains_after_every_decision_unless_told_otherwise():
    labels = [row in TOY_RELEVANT for row in range(len(TOY_CORPUS))]
    features = features_fit(TOY_CORPUS)
    # Six records to screen after the two priors: six trainings, or two when every third decision retrains.
    assert simulate(features, labels, seed=1).trainings == 6
    every_third = simulate(features, labels, seed=1, retrain_due=lambda labelled, last: labelled - last >= 3)
    assert every_third.trainings == 2
