"""Relevance ranking for title/abstract screening (active learning): which unscreened record to show next.

The caller turns each record into text once (`record_text`), fits the features once per import
(`features_fit`, with the titles; stored with `features_dump`/`features_load`), and after decisions asks
`rank_scores` for a score per record: higher means more likely relevant. The model and its settings were chosen by simulation
against ASReview's default on the labelled Cohen 2006 sets (docs/ranking.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
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
# The model: ASReview's default too, a linear SVM (squared hinge loss, C = 0.11) trained with the relevant
# records together weighing 9.8 times the irrelevant ones (docs/ranking.md).
_SVM_C = 0.11
_RELEVANT_RATIO = 9.8
_TOLERANCE = 1e-3
# What it adds to ASReview's: once a reviewer has judged this many records irrelevant in a row, the ranking
# is stuck on what it knows, and every other training reads the records with their titles weighing more (a
# second view: the words of the title, in two or more titles, at half the weight of the whole text). A
# relevant record the main view ranks low is often plain from its title; the main view still picks every
# other record. Short streaks never switch, so until a review reaches one the order is ASReview's own.
STUCK_AFTER = 100
_TITLE_WEIGHT = 0.5
_TITLE_WORDS = {"lowercase": True, "token_pattern": r"(?u)\b\w\w+\b", "min_df": 2}
# Raised when stored features were made by another version of this module: the caller builds them again.
FEATURES_VERSION = 5
FEATURES_OTHER_VERSION = "The stored features were made by another version of the ranking; build them again."


@dataclass(frozen=True, eq=False)
class Features:
    """One L2-normalised TF-IDF row per record, in the order of the texts given to `features_fit`.

    Terms found in one record only (most word pairs) are many columns that each touch one row. For a linear
    model with an L2 penalty they act together as one column of that record holding their length: the fit and
    every other record's score come out the same. So the matrix has a column per term shared by two or more
    records (`vocabulary_size`), then a column per record for its own terms (`own`, their length before the
    row is normalised), a fraction of the columns to train on and to store.

    `titles` holds the words of each title found in two or more titles (TF-IDF, rows of unit length, empty
    when no titles were given): `title_view` adds them to `matrix` for the ranking's second view.

    `counts` (each shared term's count in its record, capped at 255), `idf` and `own`, with the titles'
    `title_counts` and `title_idf`, are what `features_dump` keeps: the matrices are rebuilt from them.
    Pickling goes the same way.
    """

    matrix: sp.csr_matrix
    vocabulary_size: int
    counts: np.ndarray
    idf: np.ndarray
    own: np.ndarray
    titles: sp.csr_matrix
    title_counts: np.ndarray
    title_idf: np.ndarray

    @property
    def records(self) -> int:
        return self.matrix.shape[0]

    @cached_property
    def title_view(self) -> sp.csr_matrix:
        """The records with their titles weighing more: the whole text and the title words, side by side."""
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        both = sp.hstack([self.matrix, _TITLE_WEIGHT * self.titles], format="csr", dtype=np.float32)
        return normalize(both, copy=False)

    def __reduce__(self):
        return features_load, (features_dump(self),)


def record_text(title: str, abstract: str, keywords: list[str]) -> str:
    """What the model reads of a record: its title, abstract and keywords as one text."""
    parts = [title or "", abstract or "", " ".join(keyword for keyword in keywords or [] if keyword)]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def features_fit(texts: list[str], titles: list[str] | None = None) -> Features:
    """Features of each record's text (`record_text`) and, for the second view, of its title."""
    if titles is not None and len(titles) != len(texts):
        raise ValueError("texts and titles differ in length.")
    counts = _term_counts(texts, _WORDS)
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = _idf(document_frequency, len(texts))
    values = (1 + np.log(counts.data)) * idf[counts.indices]
    is_shared = document_frequency[counts.indices] >= 2
    row_of_value = np.repeat(np.arange(len(texts)), np.diff(counts.indptr))
    own = np.sqrt(
        np.bincount(row_of_value[~is_shared], weights=values[~is_shared] ** 2, minlength=len(texts))
    )
    column_of = np.cumsum(document_frequency >= 2) - 1
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of_value[is_shared], minlength=len(texts)))])
    shared = _Counts(
        np.minimum(counts.data[is_shared], _MAX_COUNT).astype(np.uint8),
        column_of[counts.indices[is_shared]],
        indptr,
        idf[document_frequency >= 2].astype(np.float32),
    )
    return _features(shared, _title_counts(titles, len(texts)), own.astype(np.float32))


@dataclass(frozen=True)
class _Counts:
    """A sparse matrix of term counts (capped at 255) by row, with each column's idf."""

    counts: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    idf: np.ndarray

    def tf_idf(self, records: int) -> sp.csr_matrix:
        import scipy.sparse as sp

        values = (1 + np.log(self.counts.astype(np.float32))) * self.idf[self.indices]
        shape = (records, len(self.idf))
        return sp.csr_matrix((values, self.indices, self.indptr), shape=shape, dtype=np.float32)


def _term_counts(texts: list[str], words: dict) -> sp.csr_matrix:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    try:
        counts = sp.csr_matrix(CountVectorizer(**words).fit_transform(texts))
    except ValueError:  # no word in any record (or none in two): one empty column keeps the shapes valid
        counts = sp.csr_matrix((len(texts), 1), dtype=np.int64)
    counts.sort_indices()
    return counts


def _idf(document_frequency: np.ndarray, records: int) -> np.ndarray:
    return np.log((1 + records) / (1 + document_frequency)) + 1


def _title_counts(titles: list[str] | None, records: int) -> _Counts:
    if titles is None or records < 2:
        return _Counts(
            np.empty(0, np.uint8), np.empty(0, np.int32), np.zeros(records + 1, np.int64), np.ones(1)
        )
    counts = _term_counts(titles, _TITLE_WORDS)
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    capped = np.minimum(counts.data, _MAX_COUNT).astype(np.uint8)
    return _Counts(
        capped, counts.indices, counts.indptr, _idf(document_frequency, records).astype(np.float32)
    )


def _features(shared: _Counts, titles: _Counts, own: np.ndarray) -> Features:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    records = len(own)
    own_terms = sp.diags(own, format="csr", dtype=np.float32)
    matrix = sp.hstack([shared.tf_idf(records), own_terms], format="csr", dtype=np.float32)
    matrix.eliminate_zeros()
    return Features(
        matrix=normalize(matrix, copy=False),
        vocabulary_size=len(shared.idf),
        counts=shared.counts,
        idf=shared.idf,
        own=own,
        titles=normalize(titles.tf_idf(records), copy=False),
        title_counts=titles.counts,
        title_idf=titles.idf,
    )


def features_dump(features: Features) -> bytes:
    """The features as bytes (NumPy's .npz, no pickle): about 3 bytes per shared term of each record."""
    shared = features.matrix[:, : features.vocabulary_size]
    buffer = io.BytesIO()
    np.savez(
        buffer,
        counts=features.counts,
        indices=_compact(shared.indices, features.vocabulary_size),
        indptr=_compact(shared.indptr, shared.nnz),
        idf=features.idf,
        own=features.own,
        title_counts=features.title_counts,
        title_indices=_compact(features.titles.indices, len(features.title_idf)),
        title_indptr=_compact(features.titles.indptr, features.titles.nnz),
        title_idf=features.title_idf,
        version=np.array([FEATURES_VERSION]),
    )
    return buffer.getvalue()


def _compact(values: np.ndarray, largest: int) -> np.ndarray:
    for kind in (np.uint16, np.int32):
        if largest <= np.iinfo(kind).max:
            return values.astype(kind)
    return values.astype(np.int64)


def features_load(blob: bytes) -> Features:
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        if "version" not in arrays or int(arrays["version"][0]) != FEATURES_VERSION:
            raise ValueError(FEATURES_OTHER_VERSION)
        shared = _Counts(
            arrays["counts"],
            arrays["indices"].astype(np.int32),
            arrays["indptr"].astype(np.int64),
            arrays["idf"],
        )
        titles = _Counts(
            arrays["title_counts"],
            arrays["title_indices"].astype(np.int32),
            arrays["title_indptr"].astype(np.int64),
            arrays["title_idf"],
        )
        return _features(shared, titles, arrays["own"])


def rank_scores(
    features: Features,
    labelled_rows: Sequence[int],
    labels: Sequence[bool],
    *,
    seed: int = 0,
    streak: int = 0,
) -> np.ndarray:
    """A relevance score for every row of `features` (higher = more likely relevant).

    `streak`: how many records the reviewer has judged irrelevant since their last relevant one. From
    `STUCK_AFTER` on, every other training (odd streaks) reads the title view."""
    rows = np.asarray(labelled_rows, dtype=np.int64)
    targets = np.asarray(labels, dtype=bool)
    if rows.shape != targets.shape:
        raise ValueError("labelled_rows and labels differ in length.")
    if not targets.any() or targets.all():
        raise ValueError(RANK_SCORES_NEEDS_BOTH)
    from sklearn import config_context
    from sklearn.svm import LinearSVC

    matrix = features.title_view if streak >= STUCK_AFTER and streak % 2 else features.matrix
    model = LinearSVC(C=_SVM_C, tol=_TOLERANCE, random_state=seed)
    # The inputs are ours and already checked: part of scikit-learn's checks (the scan for infinite values, the
    # parameters) is skipped, since a simulation retrains hundreds of times.
    with config_context(assume_finite=True, skip_parameter_validation=True):
        model.fit(matrix[rows], targets, sample_weight=_ratio_weights(targets))
    return matrix @ model.coef_[0].astype(np.float64) + float(model.intercept_[0])


def _ratio_weights(targets: np.ndarray) -> np.ndarray:
    """Relevant records together weigh `_RELEVANT_RATIO` times the irrelevant ones; the weights average 1."""
    relevant = int(targets.sum())
    weights = np.where(targets, 1.0, relevant / (_RELEVANT_RATIO * (len(targets) - relevant)))
    return weights * (len(targets) / weights.sum())


def irrelevant_streak(labels_in_order: Sequence[bool]) -> int:
    """How many of the last labels are irrelevant, counting back to the last relevant one."""
    streak = 0
    for label in reversed(labels_in_order):
        if label:
            break
        streak += 1
    return streak
