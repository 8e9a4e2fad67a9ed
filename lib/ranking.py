"""Relevance ranking for title/abstract screening (active learning): which unscreened record to show next.

The caller turns each record into text once (`record_text`), fits the features once per import
(`features_fit`, stored with `features_dump`/`features_load`), and after decisions asks `rank_scores` for a
score per record: higher means more likely relevant. The model is ASReview's default (`elas_u4`), kept after
its alternatives were simulated on the labelled Cohen 2006 sets (docs/ranking.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

# SciPy and scikit-learn are imported where they are used: together about 120 MB, which every web process
# and import job would otherwise carry without ranking anything.
if TYPE_CHECKING:
    import scipy.sparse as sp

RANK_SCORES_NEEDS_BOTH = "Ranking needs at least one relevant and one irrelevant decision."


# Words of two or more letters or digits, lower-cased, and pairs of adjacent words; terms in more than 95% of
# the records left out; tf is 1 + log(count), idf smoothed (scikit-learn's TfidfVectorizer with sublinear_tf),
# rows L2-normalised: the features of ASReview's default model, which were found hard to beat (docs/ranking.md).
_WORDS = {
    "lowercase": True,
    "token_pattern": r"(?u)\b\w\w+\b",
    "ngram_range": (1, 2),
    "max_df": 0.95,
}
_MAX_COUNT = np.iinfo(np.uint8).max
# The model: ASReview's default, a linear SVM (squared hinge loss, C = 0.11) trained with the relevant records
# together weighing 9.8 times the irrelevant ones (docs/ranking.md).
_SVM_C = 0.11
_RELEVANT_RATIO = 9.8
# Solver tolerance 1e-3 rather than scikit-learn's 1e-4, in three quarters of the time on the larger sets: the
# same WSS@95 on the small Cohen sets, and now and then a run a record away on the larger ones, either way. At
# 1e-2 the order drifted more (docs/ranking.md).
_TOLERANCE = 1e-3
# Raised when stored features were made by another version of this module: the caller builds them again.
FEATURES_VERSION = 4
FEATURES_OTHER_VERSION = "The stored features were made by another version of the ranking; build them again."


@dataclass(frozen=True, eq=False)
class Features:
    """One L2-normalised TF-IDF row per record, in the order of the texts given to `features_fit`.

    Terms found in one record only (most word pairs) are many columns that each touch one row. For a linear
    model with an L2 penalty they act together as one column of that record holding their length: the fit and
    every other record's score come out the same. So the matrix has a column per term shared by two or more
    records (`vocabulary_size`), then a column per record for its own terms (`own`, their length before the
    row is normalised), a fraction of the columns to train on and to store.

    `counts` (each shared term's count in its record, capped at 255), `idf` and `own` are what
    `features_dump` keeps: the matrix is rebuilt from them. Pickling goes the same way.
    """

    matrix: sp.csr_matrix
    vocabulary_size: int
    counts: np.ndarray
    idf: np.ndarray
    own: np.ndarray

    @property
    def records(self) -> int:
        return self.matrix.shape[0]

    def __reduce__(self):
        return features_load, (features_dump(self),)


def record_text(title: str, abstract: str, keywords: list[str]) -> str:
    """What the model reads of a record: its title, abstract and keywords as one text."""
    parts = [title or "", abstract or "", " ".join(keyword for keyword in keywords or [] if keyword)]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def features_fit(texts: list[str]) -> Features:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    try:
        counts = sp.csr_matrix(CountVectorizer(**_WORDS).fit_transform(texts))
    except ValueError:  # not one word in any record: one empty column keeps the shapes valid
        counts = sp.csr_matrix((len(texts), 1), dtype=np.int64)
    counts.sort_indices()
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1
    values = (1 + np.log(counts.data)) * idf[counts.indices]
    is_shared = document_frequency[counts.indices] >= 2
    row_of_value = np.repeat(np.arange(len(texts)), np.diff(counts.indptr))
    own = np.sqrt(
        np.bincount(row_of_value[~is_shared], weights=values[~is_shared] ** 2, minlength=len(texts))
    )
    column_of = np.cumsum(document_frequency >= 2) - 1
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of_value[is_shared], minlength=len(texts)))])
    capped = np.minimum(counts.data[is_shared], _MAX_COUNT).astype(np.uint8)
    shared_idf = idf[document_frequency >= 2].astype(np.float32)
    return _features(capped, column_of[counts.indices[is_shared]], indptr, shared_idf, own.astype(np.float32))


def _features(
    counts: np.ndarray, indices: np.ndarray, indptr: np.ndarray, idf: np.ndarray, own: np.ndarray
) -> Features:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    records, vocabulary_size = len(own), len(idf)
    values = (1 + np.log(counts.astype(np.float32))) * idf[indices]
    shared = sp.csr_matrix((values, indices, indptr), shape=(records, vocabulary_size), dtype=np.float32)
    own_terms = sp.diags(own, format="csr", dtype=np.float32)
    matrix = sp.hstack([shared, own_terms], format="csr", dtype=np.float32)
    matrix.eliminate_zeros()
    matrix = normalize(matrix, copy=False)
    return Features(matrix=matrix, vocabulary_size=vocabulary_size, counts=counts, idf=idf, own=own)


def features_dump(features: Features) -> bytes:
    """The features as bytes (NumPy's .npz, no pickle): about 3 bytes per shared term of each record."""
    shared = features.matrix[:, : features.vocabulary_size]
    index_type = np.uint16 if features.vocabulary_size <= np.iinfo(np.uint16).max + 1 else np.int32
    pointer_type = np.int32 if shared.nnz <= np.iinfo(np.int32).max else np.int64
    buffer = io.BytesIO()
    np.savez(
        buffer,
        counts=features.counts,
        indices=shared.indices.astype(index_type),
        indptr=shared.indptr.astype(pointer_type),
        idf=features.idf,
        own=features.own,
        version=np.array([FEATURES_VERSION]),
    )
    return buffer.getvalue()


def features_load(blob: bytes) -> Features:
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        if "version" not in arrays or int(arrays["version"][0]) != FEATURES_VERSION:
            raise ValueError(FEATURES_OTHER_VERSION)
        indices, indptr = arrays["indices"].astype(np.int32), arrays["indptr"]
        return _features(arrays["counts"], indices, indptr, arrays["idf"], arrays["own"])


def rank_scores(
    features: Features, labelled_rows: Sequence[int], labels: Sequence[bool], *, seed: int = 0
) -> np.ndarray:
    """A relevance score for every row of `features` (higher = more likely relevant)."""
    rows = np.asarray(labelled_rows, dtype=np.int64)
    targets = np.asarray(labels, dtype=bool)
    if rows.shape != targets.shape:
        raise ValueError("labelled_rows and labels differ in length.")
    if not targets.any() or targets.all():
        raise ValueError(RANK_SCORES_NEEDS_BOTH)
    coefficients, intercept = _svm_fit(features.matrix[rows], targets, _ratio_weights(targets), seed=seed)
    return features.matrix @ coefficients + intercept


# scikit-learn's solver types for LinearSVC's squared hinge loss with an L2 penalty (sklearn.svm._base).
_DUAL, _PRIMAL = 1, 2


def _svm_fit(
    rows: sp.csr_matrix, targets: np.ndarray, weights: np.ndarray, *, seed: int
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of LinearSVC(C=_SVM_C, tol=_TOLERANCE, random_state=seed) fitted to the rows.

    Through liblinear as LinearSVC calls it, without LinearSVC: a simulation trains a thousand times or more,
    and LinearSVC's checks of its input (ours, already right) and their copies took a tenth of the time.
    tests/lib/test_ranking.py holds the two side by side, so an upgrade of scikit-learn that changes the call
    is caught."""
    from sklearn.svm import _liblinear

    solver = _DUAL if rows.shape[0] < rows.shape[1] else _PRIMAL  # LinearSVC's dual="auto"
    # liblinear prints a line per training to the process's stdout unless told not to, as LinearSVC tells it:
    # a worker's log would fill with them.
    _liblinear.set_verbosity_wrap(0)
    raw, _ = _liblinear.train_wrap(
        rows.astype(np.float64),
        targets.astype(np.float64),
        True,  # the rows are a sparse matrix
        solver,
        _TOLERANCE,
        1.0,  # the intercept: a feature of value 1 under the same penalty (intercept_scaling)
        _SVM_C,
        np.ones(2),  # no class weights: the sample weights balance the classes
        1000,  # LinearSVC's bound on the iterations
        np.random.RandomState(seed).randint(np.iinfo("i").max),  # LinearSVC's seed for liblinear
        0.1,  # epsilon: regression only
        np.ascontiguousarray(weights, dtype=np.float64),
    )
    return raw[0, :-1], float(raw[0, -1])


def _ratio_weights(targets: np.ndarray) -> np.ndarray:
    """Relevant records together weigh `_RELEVANT_RATIO` times the irrelevant ones; the weights average 1."""
    relevant = int(targets.sum())
    weights = np.where(targets, 1.0, relevant / (_RELEVANT_RATIO * (len(targets) - relevant)))
    return weights * (len(targets) / weights.sum())
