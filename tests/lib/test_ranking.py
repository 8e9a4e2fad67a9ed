import io
import pickle

import numpy as np
import pytest

from lib.ranking import (
    FEATURES_OTHER_VERSION,
    RANK_SCORES_NEEDS_BOTH,
    STUCK_AFTER,
    features_dump,
    features_fit,
    features_load,
    irrelevant_streak,
    rank_scores,
    record_text,
)

TOY_CORPUS = [
    "Exercise therapy for chronic low back pain: a randomised trial",  # relevant
    "Walking exercise programme reduces back pain in adults",  # relevant
    "Tax policy and housing prices in European cities",
    "Supervised exercise versus advice for low back pain",  # relevant
    "Deep learning for galaxy classification in telescope images",
    "Housing markets after the financial crisis",
    "Yoga and stretching exercise for chronic back pain",  # relevant
    "Crop yields under drought in sub-Saharan Africa",
]
TOY_RELEVANT = {0, 1, 3, 6}
TOY_TITLES = [text.split(":")[0] for text in TOY_CORPUS]


def test_record_text_joins_title_abstract_and_keywords():
    assert record_text("A title", "An abstract.", ["one", "two"]) == "A title\nAn abstract.\none two"
    assert record_text("A title", "", []) == "A title"


def test_rank_scores_puts_clearly_relevant_texts_first():
    features = features_fit(TOY_CORPUS)
    scores = rank_scores(features, [0, 2], [True, False])
    top_four = set(np.argsort(-scores)[:4].tolist())
    assert top_four == TOY_RELEVANT


def test_rank_scores_needs_both_classes():
    features = features_fit(TOY_CORPUS)
    with pytest.raises(ValueError, match=RANK_SCORES_NEEDS_BOTH):
        rank_scores(features, [0, 1], [True, True])
    with pytest.raises(ValueError, match=RANK_SCORES_NEEDS_BOTH):
        rank_scores(features, [], [])


def test_rank_scores_is_deterministic_for_a_seed():
    features = features_fit(TOY_CORPUS)
    first = rank_scores(features, [0, 2, 5], [True, False, False], seed=3)
    again = rank_scores(features, [0, 2, 5], [True, False, False], seed=3)
    np.testing.assert_array_equal(first, again)


def test_features_survive_dump_and_load_and_pickle():
    features = features_fit(TOY_CORPUS)
    for loaded in (features_load(features_dump(features)), pickle.loads(pickle.dumps(features))):
        assert loaded.vocabulary_size == features.vocabulary_size
        assert loaded.matrix.shape == features.matrix.shape
        assert (loaded.matrix != features.matrix).nnz == 0


def test_features_are_tf_idf_rows_of_unit_length():
    features = features_fit(TOY_CORPUS + ["", "pain pain pain back"])
    lengths = np.sqrt(features.matrix.multiply(features.matrix).sum(axis=1)).A1
    np.testing.assert_allclose(lengths, [1.0] * len(TOY_CORPUS) + [0.0, 1.0], rtol=1e-6)
    assert features_fit(["", ""]).matrix.nnz == 0


def test_terms_of_one_record_rank_as_the_full_vocabulary_does():
    # Each record's own terms are one column of that record: a linear model with an L2 penalty trained on
    # them scores every other record as it would with every term a column of its own (TfidfVectorizer, word
    # pairs, sublinear tf: ASReview's features).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    compact = features_fit(TOY_CORPUS).matrix
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95)
    full = vectorizer.fit_transform(TOY_CORPUS)
    rows, labels = [0, 2, 4, 5], [True, False, False, False]
    unlabelled = [row for row in range(len(TOY_CORPUS)) if row not in rows]
    scores = [
        LinearSVC(C=0.11, tol=1e-10, max_iter=100_000).fit(matrix[rows], labels).decision_function(matrix)
        for matrix in (compact, full)
    ]
    np.testing.assert_allclose(scores[0][unlabelled], scores[1][unlabelled], atol=1e-5)
    assert compact.shape[1] < full.shape[1]


def test_features_of_another_version_are_refused():
    buffer = io.BytesIO()
    np.savez(buffer, data=np.zeros(1))
    with pytest.raises(ValueError, match=FEATURES_OTHER_VERSION):
        features_load(buffer.getvalue())


def test_irrelevant_streak_counts_back_to_the_last_relevant_label():
    assert irrelevant_streak([]) == 0
    assert irrelevant_streak([False, False]) == 2
    assert irrelevant_streak([True, False, True, False, False, False]) == 3
    assert irrelevant_streak([False, True]) == 0


def test_the_title_view_adds_title_words_at_half_weight_in_rows_of_unit_length():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    titles = ["Back pain exercise", "Back pain walking", "Housing prices", "", "Galaxy images", "Housing"] + [
        "Yoga",
        "Crops",
    ]
    features = features_fit(TOY_CORPUS, titles)
    # Words in two or more titles, as TfidfVectorizer weighs them; a title with none adds nothing to its row.
    expected = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(titles)
    np.testing.assert_allclose(features.titles.toarray(), expected.toarray(), rtol=1e-6)
    view = features.title_view.toarray()
    np.testing.assert_allclose(np.linalg.norm(view, axis=1), 1.0, rtol=1e-6)
    both = normalize(np.hstack([features.matrix.toarray(), 0.5 * expected.toarray()]))
    np.testing.assert_allclose(view, both, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(view[3, : features.matrix.shape[1]], features.matrix.toarray()[3], rtol=1e-6)


def test_without_titles_the_title_view_is_the_text_alone():
    features = features_fit(TOY_CORPUS)
    assert features.titles.nnz == 0
    np.testing.assert_allclose(
        features.title_view.toarray()[:, : features.matrix.shape[1]], features.matrix.toarray()
    )


def test_a_long_streak_of_irrelevant_decisions_reads_the_title_view_every_other_training():
    from sklearn.svm import LinearSVC

    features = features_fit(TOY_CORPUS, TOY_TITLES)
    rows, labels = [0, 2, 4, 5], [True, False, False, False]
    text_only = rank_scores(features, rows, labels, seed=1)
    for streak in (0, 1, STUCK_AFTER - 1, STUCK_AFTER, STUCK_AFTER + 2):
        np.testing.assert_array_equal(rank_scores(features, rows, labels, seed=1, streak=streak), text_only)
    stuck = rank_scores(features, rows, labels, seed=1, streak=STUCK_AFTER + 1)
    assert not np.allclose(stuck, text_only)
    # The same model, trained on the title view to a tight tolerance: relevant records weigh 9.8 times the
    # irrelevant ones.
    weights = np.array([1.0] + [1 / (9.8 * 3)] * 3)
    weights *= len(weights) / weights.sum()
    model = LinearSVC(C=0.11, tol=1e-8, max_iter=100_000).fit(
        features.title_view[rows], labels, sample_weight=weights
    )
    expected = model.decision_function(features.title_view)
    np.testing.assert_allclose(stuck, expected, atol=1e-3)
    unlabelled = [row for row in range(len(TOY_CORPUS)) if row not in rows]
    assert np.argsort(-stuck[unlabelled]).tolist() == np.argsort(-expected[unlabelled]).tolist()


def test_titles_must_match_the_texts():
    with pytest.raises(ValueError, match="differ in length"):
        features_fit(TOY_CORPUS, TOY_TITLES[:3])
