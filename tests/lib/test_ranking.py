import io
import pickle

import numpy as np
import pytest

from lib.ranking import (
    FEATURES_OTHER_VERSION,
    RANK_SCORES_NEEDS_BOTH,
    features_dump,
    features_fit,
    features_load,
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


def test_training_prints_nothing(capfd):
    from sklearn.svm import _liblinear

    _liblinear.set_verbosity_wrap(1)  # as a process that has not trained a LinearSVC yet leaves liblinear
    rank_scores(features_fit(TOY_CORPUS), [0, 2, 5], [True, False, False])
    assert capfd.readouterr() == ("", "")


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


@pytest.mark.parametrize("columns", [None, 3])  # wide (the dual problem, as usual) and tall (the primal)
def test_the_model_is_linear_svc_fitted_to_the_same_rows(columns):
    from sklearn.svm import LinearSVC

    from lib.ranking import _TOLERANCE, _ratio_weights, _svm_fit

    matrix = features_fit(TOY_CORPUS).matrix[:, :columns]
    rows = np.array([0, 2, 4, 5, 1, 7])
    targets = np.isin(rows, list(TOY_RELEVANT))
    weights = _ratio_weights(targets)
    for seed in (0, 3):
        coefficients, intercept = _svm_fit(matrix[rows], targets, weights, seed=seed)
        model = LinearSVC(C=0.11, tol=_TOLERANCE, random_state=seed).fit(
            matrix[rows], targets, sample_weight=weights
        )
        np.testing.assert_array_equal(coefficients, model.coef_[0])
        assert intercept == model.intercept_[0]
