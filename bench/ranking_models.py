"""The candidates tried for lib/ranking.py, simulated on the labelled Cohen 2006 sets (docs/ranking.md).

    python -m bench.ranking_models                         # every candidate, every set, seeds 1-5
    python -m bench.ranking_models lr-balanced nb-complement --seeds 1 2

Each candidate is a text representation and a model, run through `lib.ranking_simulation.simulate` (the
loop of live screening) with the same priors as `bench/ranking.py`, stopping after the last relevant record.
To try many candidates in hours rather than days, the model is retrained after every decision only for the
first 200, then after every 2% more (`--every-decision` retrains after each, as live screening does). Prints WSS@95 per set and the means, and keeps each candidate's figures in
var/bench/ranking/candidates/ so that a table can be printed again without running.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.svm import LinearSVC

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.ranking import SEEDS, WORK_DIR, cases  # noqa: E402
from lib import ranking  # noqa: E402
from lib.ranking import Features  # noqa: E402
from lib.ranking_simulation import rrf, simulate, wss  # noqa: E402
from lib.stopping import since_last_relevant  # noqa: E402

Scorer = Callable[..., np.ndarray]


# Text representations: keyword arguments of scikit-learn's TfidfVectorizer.
VECTORS = {
    "words": {"sublinear_tf": True},
    "words-plain-tf": {},
    "words-min2": {"sublinear_tf": True, "min_df": 2},
    "words-stop": {"sublinear_tf": True, "stop_words": "english"},
    "bigrams": {"sublinear_tf": True, "ngram_range": (1, 2), "max_df": 0.95},
    "bigrams-min2": {"sublinear_tf": True, "ngram_range": (1, 2), "min_df": 2, "max_df": 0.95},
}


def _fit_score(model, features: Features, rows, labels, weights=None) -> np.ndarray:
    model.fit(features.matrix[rows], labels, sample_weight=weights)
    if hasattr(model, "decision_function"):
        return model.decision_function(features.matrix)
    return model.predict_log_proba(features.matrix)[:, 1] - model.predict_log_proba(features.matrix)[:, 0]


def _ratio_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """ASReview 2+'s "balanced" sample weights: relevant records together weigh `ratio` times the rest."""
    relevant = labels.sum()
    weights = np.where(labels, 1.0, relevant / (ratio * (len(labels) - relevant)))
    return weights * len(labels) / weights.sum()


def lr(c: float = 1.0, balanced: bool = True) -> Scorer:
    def score(features, rows, labels, *, seed=0):
        weight = "balanced" if balanced else None
        model = LogisticRegression(C=c, class_weight=weight, solver="liblinear", random_state=seed)
        return _fit_score(model, features, rows, np.asarray(labels))

    return score


def svm(c: float = 1.0, balanced: bool = True, ratio: float | None = None, tol: float = 1e-4) -> Scorer:
    def score(features, rows, labels, *, seed=0):
        labels = np.asarray(labels)
        weights = _ratio_weights(labels, ratio) if ratio else None
        model = LinearSVC(C=c, class_weight="balanced" if balanced else None, random_state=seed, tol=tol)
        return _fit_score(model, features, rows, labels, weights)

    return score


def nb(kind: str = "complement", alpha: float = 1.0, double: bool = False) -> Scorer:
    def score(features, rows, labels, *, seed=0):
        labels = np.asarray(labels)
        model = ComplementNB(alpha=alpha) if kind == "complement" else MultinomialNB(alpha=alpha)
        chosen = np.asarray(rows)
        if double:
            chosen, labels = _double_balance(chosen, labels, seed)
        return _fit_score(model, features, chosen, labels)

    return score


def _double_balance(rows: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """ASReview 1's "double" balancing, simplified: relevant rows repeated until they are about as many as
    the irrelevant rows after these are undersampled to at most 10 per relevant row."""
    generator = np.random.default_rng(seed + len(rows))
    relevant, irrelevant = rows[labels], rows[~labels]
    keep = min(len(irrelevant), 10 * len(relevant))
    irrelevant = generator.choice(irrelevant, size=keep, replace=False)
    repeats = max(1, round(len(irrelevant) / len(relevant)))
    chosen = np.concatenate([np.repeat(relevant, repeats), irrelevant])
    return chosen, np.concatenate([np.ones(len(relevant) * repeats, bool), np.zeros(len(irrelevant), bool)])


def sgd_modified_huber() -> Scorer:
    def score(features, rows, labels, *, seed=0):
        model = SGDClassifier(loss="modified_huber", class_weight="balanced", random_state=seed)
        return _fit_score(model, features, rows, np.asarray(labels))

    return score


def rank_mean(*scorers: Scorer) -> Scorer:
    """An ensemble: the mean of each model's rank of every record."""

    def score(features, rows, labels, *, seed=0):
        ranks = [rankdata(scorer(features, rows, labels, seed=seed)) for scorer in scorers]
        return np.mean(ranks, axis=0)

    return score


def random_start(scorer: Scorer, share: float = 0.05, until_relevant: int = 3) -> Scorer:
    """Mixed querying: with probability `share`, a random record instead of the top one, while fewer than
    `until_relevant` relevant records are known."""

    def score(features, rows, labels, *, seed=0):
        scores = scorer(features, rows, labels, seed=seed)
        generator = np.random.default_rng([seed, len(rows)])
        if sum(labels) < until_relevant and generator.random() < share:
            scores = generator.random(len(scores))
        return scores

    return score


def presumed_irrelevant(scorer: Scorer, extra: int = 100) -> Scorer:
    """Cormack and Grossman's BMI: train with `extra` random unscreened records labelled irrelevant as well
    (drawn again at each training), since nearly all unscreened records are."""

    def score(features, rows, labels, *, seed=0):
        generator = np.random.default_rng([seed, len(rows)])
        unscreened = np.setdiff1d(np.arange(features.records), rows)
        drawn = generator.choice(unscreened, size=min(extra, len(unscreened)), replace=False)
        all_rows = np.concatenate([np.asarray(rows), drawn])
        all_labels = np.concatenate([np.asarray(labels, dtype=bool), np.zeros(len(drawn), dtype=bool)])
        return scorer(features, all_rows, all_labels, seed=seed)

    return score


def presumed_irrelevant_fill(scorer: Scorer, irrelevant: int = 100) -> Scorer:
    """BMI that fades: random unscreened records presumed irrelevant only to make up `irrelevant` irrelevant
    records in all, so they give way to real decisions as these come."""

    def score(features, rows, labels, *, seed=0):
        labels = np.asarray(labels, dtype=bool)
        extra = irrelevant - int((~labels).sum())
        if extra <= 0:
            return scorer(features, rows, labels, seed=seed)
        generator = np.random.default_rng([seed, len(rows)])
        unscreened = np.setdiff1d(np.arange(features.records), rows)
        drawn = generator.choice(unscreened, size=min(extra, len(unscreened)), replace=False)
        all_rows = np.concatenate([np.asarray(rows), drawn])
        all_labels = np.concatenate([labels, np.zeros(len(drawn), dtype=bool)])
        return scorer(features, all_rows, all_labels, seed=seed)

    return score


def lr_ratio(c: float = 1.0, ratio: float = 9.8) -> Scorer:
    def score(features, rows, labels, *, seed=0):
        labels = np.asarray(labels)
        model = LogisticRegression(C=c, solver="liblinear", random_state=seed)
        return _fit_score(model, features, rows, labels, _ratio_weights(labels, ratio))

    return score


@dataclass(frozen=True, eq=False)
class _WithTitles:
    """lib.ranking's features with a title view beside them: the same rows with the words of each title (in two
    or more titles, TF-IDF) added at `title_weight`, each row scaled to unit length again."""

    matrix: sp.csr_matrix
    title_view: sp.csr_matrix

    @property
    def records(self) -> int:
        return self.matrix.shape[0]


@dataclass(frozen=True)
class _View:
    """Another matrix of the same records, for a scorer that reads `features.matrix`."""

    matrix: sp.csr_matrix

    @property
    def records(self) -> int:
        return self.matrix.shape[0]


def _with_titles(texts: list[str], titles: list[str], title_weight: float = 0.5) -> _WithTitles:
    from sklearn.preprocessing import normalize

    matrix = ranking.features_fit(texts).matrix
    try:
        words = TfidfVectorizer(sublinear_tf=True, min_df=2, dtype=np.float32).fit_transform(titles)
    except ValueError:  # no word in two titles
        words = sp.csr_matrix((len(titles), 1), dtype=np.float32)
    view = normalize(sp.hstack([matrix, title_weight * words], format="csr", dtype=np.float32))
    return _WithTitles(matrix, view)


def title_view(scorer: Scorer) -> Scorer:
    """The scorer on the title view all the time."""

    def score(features, rows, labels, *, seed=0):
        return scorer(_View(features.title_view), rows, labels, seed=seed)

    return score


def stuck_switch(scorer: Scorer, after: int) -> Scorer:
    """From `after` irrelevant decisions in a row (the simulation's labels come in the order screened), every
    other training reads the title view."""

    def score(features, rows, labels, *, seed=0):
        streak = since_last_relevant(labels)
        view = _View(features.title_view) if streak >= after and streak % 2 else features
        return scorer(view, rows, labels, seed=seed)

    return score


def _with_topics(texts: list[str], components: int = 100, weight: float = 0.5) -> _View:
    """lib.ranking's features with latent topics beside them: the first `components` of a truncated SVD of the
    TF-IDF rows (latent semantic analysis, each row's topics scaled to unit length) at `weight`, each row scaled
    to unit length again. Topics let records that share no word but share neighbours score alike."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    matrix = ranking.features_fit(texts).matrix
    components = min(components, min(matrix.shape) - 1)
    topics = normalize(TruncatedSVD(components, random_state=0).fit_transform(matrix))
    return _View(
        normalize(sp.hstack([matrix, weight * sp.csr_matrix(topics)], format="csr", dtype=np.float32))
    )


def _author_keys(authors: str) -> set[str]:
    """Each author of a record as surname and first initial ("Reimer, E. J." and "E J Reimer" alike)."""
    keys = set()
    for name in authors.split(";"):
        name = name.strip().lower()
        if "," in name:
            surname, _, given = name.partition(",")
        elif name:
            *given_names, surname = name.split()
            given = " ".join(given_names)
        else:
            continue
        initials = re.sub(r"[^\w ]", " ", given).split()
        surname = re.sub(r"[^\w]", "", surname)
        keys.add(f"{surname} {initials[0][0] if initials else ''}")
    return keys


def _with_authors(texts: list[str], path: Path, weight: float) -> _View:
    """lib.ranking's features with the record's authors beside them (each in two or more records, weighted by
    idf, the block scaled to unit length) at `weight`, each row scaled to unit length again: the same groups
    often publish several reports of the trials a review includes."""
    import csv
    import io

    from sklearn.preprocessing import normalize

    from lib.ranking_simulation import labelled_csv_decode

    rows = list(csv.DictReader(io.StringIO(labelled_csv_decode(path.read_bytes()), newline="")))
    keys = [_author_keys(row.get("authors") or "") for row in rows]
    frequency: dict[str, int] = {}
    for record_keys in keys:
        for key in record_keys:
            frequency[key] = frequency.get(key, 0) + 1
    column_of = {key: column for column, key in enumerate(k for k, n in frequency.items() if n >= 2)}
    cells = [
        (row, column_of[key], key)
        for row, record_keys in enumerate(keys)
        for key in record_keys
        if key in column_of
    ]
    values = [np.log((1 + len(texts)) / (1 + frequency[key])) + 1 for _, _, key in cells]
    authors = sp.csr_matrix(
        (values, ([row for row, _, _ in cells], [column for _, column, _ in cells])),
        shape=(len(texts), max(1, len(column_of))),
        dtype=np.float32,
    )
    matrix = ranking.features_fit(texts).matrix
    return _View(normalize(sp.hstack([matrix, weight * normalize(authors)], format="csr", dtype=np.float32)))


def _meaning(texts: list[str]) -> np.ndarray:
    """Each text as the mean of WordLlama's pretrained token vectors (256 dimensions, bundled with the package
    on PyPI, so no download), scaled to unit length; an empty text is all zeros. Only these candidates need it:
    `pip install wordllama==0.4.0.post1`."""
    from importlib.resources import files

    from safetensors.numpy import load_file
    from sklearn.preprocessing import normalize
    from tokenizers import Tokenizer

    package = files("wordllama")  # its loader looks for the tokenizer in the wrong folder and goes online
    tokenizer = Tokenizer.from_file(str(package / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    tokenizer.no_truncation()
    table = load_file(str(package / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
    table = table.astype(np.float32)
    vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    for row, encoding in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
        if encoding.ids:
            vectors[row] = table[np.minimum(encoding.ids, len(table) - 1)].mean(axis=0)
    return normalize(vectors)


def _with_meaning(texts: list[str], weight: str) -> _View | _WithTitles:
    """ "0": the meaning vectors alone; "switch": the words, with the meaning vectors as the view `stuck_switch`
    turns to; a number: both side by side, the meaning at that weight."""
    from sklearn.preprocessing import normalize

    meaning = sp.csr_matrix(_meaning(texts))
    if weight == "0":
        return _View(meaning)
    matrix = ranking.features_fit(texts).matrix
    if weight == "switch":  # the field keeps the second round's name
        return _WithTitles(matrix, meaning)
    return _View(normalize(sp.hstack([matrix, float(weight) * meaning], format="csr", dtype=np.float32)))


@dataclass(frozen=True)
class Candidate:
    vectors: str
    scorer: Scorer


CANDIDATES = {
    "current": Candidate("current", ranking.rank_scores),
    "elas_u4-like": Candidate("bigrams", svm(c=0.11, balanced=False, ratio=9.8)),
    "lr-balanced": Candidate("words", lr()),
    "lr-balanced-c10": Candidate("words", lr(c=10)),
    "lr-balanced-bigrams": Candidate("bigrams", lr()),
    "lr-balanced-bigrams-min2": Candidate("bigrams-min2", lr()),
    "lr-balanced-min2": Candidate("words-min2", lr()),
    "lr-balanced-stop": Candidate("words-stop", lr()),
    "lr-balanced-plain-tf": Candidate("words-plain-tf", lr()),
    "lr-unbalanced": Candidate("words", lr(balanced=False)),
    "svm-balanced": Candidate("words", svm()),
    "svm-balanced-bigrams": Candidate("bigrams", svm()),
    "svm-ratio": Candidate("words", svm(c=0.11, balanced=False, ratio=9.8)),
    "svm-ratio-bigrams": Candidate("bigrams", svm(c=0.11, balanced=False, ratio=9.8)),
    "ens-svm-lr-bigrams": Candidate("bigrams", rank_mean(svm(c=0.11, balanced=False, ratio=9.8), lr())),
    "ens-svm-nb-bigrams": Candidate(
        "bigrams", rank_mean(svm(c=0.11, balanced=False, ratio=9.8), nb("complement"))
    ),
    "nb-complement-bigrams": Candidate("bigrams", nb("complement")),
    "nb-complement": Candidate("words", nb("complement")),
    "nb-multinomial": Candidate("words", nb("multinomial")),
    "nb-multinomial-double": Candidate("words", nb("multinomial", double=True)),
    "sgd-huber": Candidate("words", sgd_modified_huber()),
    "lr+nb": Candidate("words", rank_mean(lr(), nb("complement"))),
    "lr+svm": Candidate("words", rank_mean(lr(), svm())),
    "lr+svm-bigrams": Candidate("bigrams", rank_mean(lr(), svm())),
    "lr+svm+nb": Candidate("words", rank_mean(lr(), svm(), nb("complement"))),
    "lr-balanced-random-start": Candidate("words", random_start(lr())),
    "elas_u4-like-random-start": Candidate("bigrams", random_start(svm(c=0.11, balanced=False, ratio=9.8))),
    "lr-ratio": Candidate("words", lr_ratio()),
    "lr-ratio-bigrams": Candidate("bigrams", lr_ratio()),
    "lr-bmi": Candidate("words", presumed_irrelevant(lr())),
    "elas_u4-like-bmi": Candidate("bigrams", presumed_irrelevant(svm(c=0.11, balanced=False, ratio=9.8))),
    "elas_u4-like+lr": Candidate("bigrams", rank_mean(svm(c=0.11, balanced=False, ratio=9.8), lr())),
    "svm-ratio-c1-bigrams": Candidate("bigrams", svm(c=1.0, balanced=False, ratio=9.8)),
    # On lib.ranking's features: words and pairs, the terms of one record as one column of that record.
    "elas_u4": Candidate("current", svm(c=0.11, balanced=False, ratio=9.8)),
    "lr-balanced-own": Candidate("current", lr()),
    "elas_u4+lr-balanced": Candidate("current", rank_mean(svm(c=0.11, balanced=False, ratio=9.8), lr())),
    "elas_u4+lr-ratio": Candidate("current", rank_mean(svm(c=0.11, balanced=False, ratio=9.8), lr_ratio())),
    "lr-ratio-own": Candidate("current", lr_ratio()),
    "elas_u4-bmi": Candidate("current", presumed_irrelevant(svm(c=0.11, balanced=False, ratio=9.8))),
    "elas_u4-bmi-fill": Candidate(
        "current", presumed_irrelevant_fill(svm(c=0.11, balanced=False, ratio=9.8))
    ),
    "elas_u4-bmi-fill-30": Candidate(
        "current", presumed_irrelevant_fill(svm(c=0.11, balanced=False, ratio=9.8), irrelevant=30)
    ),
    "elas_u4+elas_u4-bmi": Candidate(
        "current",
        rank_mean(
            svm(c=0.11, balanced=False, ratio=9.8),
            presumed_irrelevant(svm(c=0.11, balanced=False, ratio=9.8)),
        ),
    ),
    # elas_u4 and elas_u4-bmi-fill-30 with scikit-learn's tolerance loosened from 1e-4 to 1e-2, as lib.ranking
    # trains them.
    "elas_u4-tol0.01": Candidate("current", svm(c=0.11, balanced=False, ratio=9.8, tol=0.01)),
    "elas_u4-tol0.01-bmi-fill-30": Candidate(
        "current", presumed_irrelevant_fill(svm(c=0.11, balanced=False, ratio=9.8, tol=0.01), irrelevant=30)
    ),
    # The second round (docs/ranking.md): the title view all the time, and a switch to it every other training
    # once the reviewer is stuck (this many irrelevant decisions in a row).
    "elas_u4-title-view": Candidate("titles", title_view(svm(c=0.11, balanced=False, ratio=9.8))),
    "elas_u4-stuck-50": Candidate("titles", stuck_switch(svm(c=0.11, balanced=False, ratio=9.8), 50)),
    "elas_u4-stuck-100": Candidate("titles", stuck_switch(svm(c=0.11, balanced=False, ratio=9.8), 100)),
    # The third round: latent topics beside the words.
    "elas_u4-topics-100-0.5": Candidate("topics-100-0.5", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-topics-100-0.25": Candidate("topics-100-0.25", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    # The fourth round: the authors beside the words; pretrained meaning vectors (WordLlama) alone, beside the
    # words, and as the view switched to when stuck.
    "elas_u4-authors-0.15": Candidate("authors-0.15", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-authors-0.25": Candidate("authors-0.25", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-authors-0.5": Candidate("authors-0.5", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-meaning-only": Candidate("meaning-0", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-meaning-0.5": Candidate("meaning-0.5", svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3)),
    "elas_u4-stuck-meaning-50": Candidate(
        "meaning-switch", stuck_switch(svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3), 50)
    ),
    "elas_u4-stuck-meaning-100": Candidate(
        "meaning-switch", stuck_switch(svm(c=0.11, balanced=False, ratio=9.8, tol=1e-3), 100)
    ),
}


def _features(
    texts: list[str], titles: list[str], vectors: str, path: Path
) -> Features | _WithTitles | _View:
    if vectors.startswith("authors-"):  # authors-WEIGHT
        return _with_authors(texts, path, float(vectors.removeprefix("authors-")))
    if vectors.startswith("meaning-"):  # meaning-WEIGHT
        return _with_meaning(texts, vectors.removeprefix("meaning-"))
    if vectors == "current":
        return ranking.features_fit(texts)
    if vectors == "titles":
        return _with_titles(texts, titles)
    if vectors.startswith("topics-"):  # topics-COMPONENTS-WEIGHT
        _, components, weight = vectors.split("-")
        return _with_topics(texts, int(components), float(weight))
    matrix = sp.csr_matrix(TfidfVectorizer(dtype=np.float32, **VECTORS[vectors]).fit_transform(texts))
    # counts and idf only matter to features_dump, which the candidates do not use.
    return Features(
        matrix=matrix, vocabulary_size=matrix.shape[1], counts=np.empty(0), idf=np.empty(0), own=np.empty(0)
    )


def exploration_cadence(labelled: int, labelled_at_last_training: int) -> bool:
    new_decisions = labelled - labelled_at_last_training
    return new_decisions >= (1 if labelled <= 200 else max(1, int(labelled * 0.02)))


def evaluate(name: str, seeds: list[int], set_names: list[str], *, every_decision: bool = False) -> dict:
    candidate = CANDIDATES[name]
    results = {}
    for case in cases(set_names):
        features = _features(case.labelled.texts, case.labelled.titles, candidate.vectors, case.path)
        relevant, records = case.relevant_rows, len(case.labelled.labels)
        runs = []
        for seed in seeds:
            started = time.perf_counter()
            simulation = simulate(
                features,
                case.labelled.labels,
                seed=seed,
                stop_after_all_relevant=True,
                scorer=candidate.scorer,
                retrain_due=None if every_decision else exploration_cadence,
            )
            runs.append(
                {
                    "wss95": wss(simulation.order, relevant, 0.95, records=records),
                    "wss100": wss(simulation.order, relevant, 1.0, records=records),
                    "rrf10": rrf(simulation.order, relevant, 10, records=records),
                    "seconds": time.perf_counter() - started,
                }
            )
        results[f"{case.name}/{case.label_column.removeprefix('label_')}"] = runs
        wss95 = statistics.fmean(run["wss95"] for run in runs)
        print(f"{name:<28} {case.name:<24} {case.label_column:<25} WSS@95 {100 * wss95:5.1f}", flush=True)
    return results


def asreview_results(seeds: list[int]) -> dict:
    """ASReview's cached runs (bench/ranking.py), as the same per-set figures."""
    results = {}
    for case in cases([]):
        runs = []
        for seed in seeds:
            path = WORK_DIR / "asreview" / f"{case.name}-{case.label_column}-seed{seed}.json"
            if not path.exists():
                break
            order, records = json.loads(path.read_text())["order"], len(case.labelled.labels)
            runs.append(
                {
                    "wss95": wss(order, case.relevant_rows, 0.95, records=records),
                    "wss100": wss(order, case.relevant_rows, 1.0, records=records),
                    "rrf10": rrf(order, case.relevant_rows, 10, records=records),
                }
            )
        else:
            results[f"{case.name}/{case.label_column.removeprefix('label_')}"] = runs
    return results


def summary(all_results: dict[str, dict]) -> str:
    reference = all_results.get("ASReview elas_u4", {})
    lines = [
        f"{'candidate':<28} {'WSS@95':>7} {'WSS@100':>8} {'RRF@10':>7} {'sets behind':>11} {'worst gap':>9}"
    ]
    for name, results in all_results.items():
        if not any(results.values()):  # ASReview's runs not cached yet (bench/ranking.py fills the cache)
            continue
        cells = {key: statistics.fmean(run["wss95"] for run in runs) for key, runs in results.items() if runs}
        everything = [run for runs in results.values() for run in runs]
        gaps = [
            cells[key] - statistics.fmean(run["wss95"] for run in reference[key])
            for key in cells
            if key in reference
        ]
        behind = sum(gap < -1e-9 for gap in gaps)
        lines.append(
            f"{name:<28} {100 * statistics.fmean(cells.values()):7.1f} "
            f"{100 * statistics.fmean(run['wss100'] for run in everything):8.1f} "
            f"{statistics.fmean(run['rrf10'] for run in everything):7.1f} "
            f"{behind if gaps else '-':>11} {100 * min(gaps) if gaps else 0:9.1f}"
        )
    return "\n".join(lines)


def per_set(all_results: dict[str, dict]) -> str:
    """WSS@95 (mean over seeds) per set and candidate, in percent."""
    names = list(all_results)
    keys = sorted({key for results in all_results.values() for key in results})
    lines = [f"{'set':<42}" + "".join(f"{name[:14]:>15}" for name in names)]
    for key in keys:
        cells = []
        for name in names:
            runs = all_results[name].get(key) or []
            cells.append(
                f"{100 * statistics.fmean(run['wss95'] for run in runs):15.1f}" if runs else f"{'':>15}"
            )
        lines.append(f"{key:<42}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ranking_models")
    parser.add_argument("names", nargs="*", help=f"candidates (default: all): {', '.join(CANDIDATES)}")
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS))
    parser.add_argument("--sets", nargs="*", default=[])
    parser.add_argument("--table", action="store_true", help="print the kept figures without running")
    parser.add_argument("--every-decision", action="store_true", help="retrain after every decision")
    parser.add_argument("--per-set", action="store_true", help="also print WSS@95 per set")
    arguments = parser.parse_args(argv)
    store = WORK_DIR / "candidates"
    store.mkdir(parents=True, exist_ok=True)
    all_results = {"ASReview elas_u4": asreview_results(arguments.seeds)}
    for name in arguments.names or list(CANDIDATES):
        path = store / f"{name}{'-every-decision' if arguments.every_decision else ''}.json"
        if not arguments.table:
            results = evaluate(name, arguments.seeds, arguments.sets, every_decision=arguments.every_decision)
            path.write_text(json.dumps(results))
        if path.exists():
            all_results[path.stem] = json.loads(path.read_text())
    if arguments.per_set:
        print(per_set(all_results))
    print(summary(all_results))


if __name__ == "__main__":
    main(sys.argv[1:])
