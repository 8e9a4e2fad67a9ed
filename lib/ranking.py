"""Relevance ranking for title/abstract screening (active learning): which unscreened record to show next.

The caller turns each record into text once (`record_text`), fits the features once per import
(`features_fit`, stored with `features_dump`/`features_load`), and after decisions asks `rank_scores` for a
score per record: higher means more likely relevant. The model and its settings were chosen by simulation
against ASReview's default on the labelled Cohen 2006 sets (docs/ranking.md).
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


# Words of two or more letters or digits, lower-cased, and pairs of adjacent words; terms in only one record
# or in more than 95% of them left out; tf is 1 + log(count), idf smoothed (scikit-learn's TfidfVectorizer
# with sublinear_tf), rows L2-normalised. Chosen by measurement (docs/ranking.md): word pairs rank better, and
# leaving out terms of one record keeps that while the model trains on a fraction of the columns.
_WORDS = {
    "lowercase": True,
    "token_pattern": r"(?u)\b\w\w+\b",
    "ngram_range": (1, 2),
    "min_df": 2,
    "max_df": 0.95,
}
_MAX_COUNT = np.iinfo(np.uint8).max
# Raised when stored features were made by another version of this module: the caller builds them again.
FEATURES_VERSION = 3
FEATURES_OTHER_VERSION = "The stored features were made by another version of the ranking; build them again."


@dataclass(frozen=True, eq=False)
class Features:
    """One L2-normalised TF-IDF row per record, in the order of the texts given to `features_fit`.

    `counts` (each stored value's word count in its record, capped at 255) and `idf` are what
    `features_dump` keeps: the matrix is rebuilt from them, a third of its size. Pickling goes the same way.
    """

    matrix: sp.csr_matrix
    vocabulary_size: int
    counts: np.ndarray
    idf: np.ndarray

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
    idf = (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
    capped = np.minimum(counts.data, _MAX_COUNT).astype(np.uint8)
    return _features(capped, counts.indices, counts.indptr, idf, counts.shape)


def _features(
    counts: np.ndarray, indices: np.ndarray, indptr: np.ndarray, idf: np.ndarray, shape
) -> Features:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    values = (1 + np.log(counts.astype(np.float32))) * idf[indices]
    matrix = normalize(sp.csr_matrix((values, indices, indptr), shape=shape, dtype=np.float32), copy=False)
    return Features(matrix=matrix, vocabulary_size=shape[1], counts=counts, idf=idf)


def features_dump(features: Features) -> bytes:
    """The features as bytes (NumPy's .npz, no pickle): about 3 bytes per distinct word of each record."""
    matrix = features.matrix
    index_type = np.uint16 if features.vocabulary_size <= np.iinfo(np.uint16).max + 1 else np.int32
    pointer_type = np.int32 if matrix.nnz <= np.iinfo(np.int32).max else np.int64
    buffer = io.BytesIO()
    np.savez(
        buffer,
        counts=features.counts,
        indices=matrix.indices.astype(index_type),
        indptr=matrix.indptr.astype(pointer_type),
        idf=features.idf,
        shape=np.array(matrix.shape, dtype=np.int64),
        version=np.array([FEATURES_VERSION]),
    )
    return buffer.getvalue()


def features_load(blob: bytes) -> Features:
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        if "version" not in arrays or int(arrays["version"][0]) != FEATURES_VERSION:
            raise ValueError(FEATURES_OTHER_VERSION)
        shape = tuple(int(size) for size in arrays["shape"])
        indices, indptr = arrays["indices"].astype(np.int32), arrays["indptr"]
        return _features(arrays["counts"], indices, indptr, arrays["idf"], shape)


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
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    model.fit(features.matrix[rows], targets)
    return model.decision_function(features.matrix).astype(np.float64)
