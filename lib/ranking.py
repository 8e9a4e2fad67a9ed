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

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

RANK_SCORES_NEEDS_BOTH = "Ranking needs at least one relevant and one irrelevant decision."


@dataclass(frozen=True)
class Features:
    """One L2-normalised TF-IDF row per record, in the order of the texts given to `features_fit`."""

    matrix: sp.csr_matrix
    vocabulary_size: int

    @property
    def records(self) -> int:
        return self.matrix.shape[0]


def record_text(title: str, abstract: str, keywords: list[str]) -> str:
    """What the model reads of a record: its title, abstract and keywords as one text."""
    parts = [title or "", abstract or "", " ".join(keyword for keyword in keywords or [] if keyword)]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def features_fit(texts: list[str]) -> Features:
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word at all (empty records): one empty column keeps the shapes valid
        matrix = sp.csr_matrix((len(texts), 1), dtype=np.float32)
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    return Features(matrix=matrix, vocabulary_size=matrix.shape[1])


def features_dump(features: Features) -> bytes:
    matrix = features.matrix
    buffer = io.BytesIO()
    np.savez(
        buffer,
        data=matrix.data.astype(np.float32, copy=False),
        indices=matrix.indices.astype(np.int32, copy=False),
        indptr=matrix.indptr.astype(np.int64, copy=False),
        shape=np.array(matrix.shape, dtype=np.int64),
    )
    return buffer.getvalue()


def features_load(blob: bytes) -> Features:
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        shape = tuple(int(size) for size in arrays["shape"])
        matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
    return Features(matrix=matrix, vocabulary_size=shape[1])


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
    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    model.fit(features.matrix[rows], targets)
    return model.decision_function(features.matrix).astype(np.float64)
