"""Run one ASReview simulation with given priors and seed; print the labelling order as JSON.

Run by the python of the throwaway virtualenv that holds ASReview (bench/ranking.py makes it), not by the
project's: it imports nothing of Tandem. It does what `asreview simulate DATASET --prior-idx ... --seed N`
does (asreview/simulation/cli.py), with the default model, and reports the order instead of a project file.

    python bench/asreview_simulate.py DATASET.csv SEED PRIOR_ROW [PRIOR_ROW ...]
"""

import json
import sys
import time

import numpy as np
from asreview import load_dataset
from asreview.learner import ActiveLearningCycle
from asreview.models.models import get_ai_config
from asreview.models.queriers import TopDown
from asreview.models.stoppers import IsFittable, LastRelevant
from asreview.simulation.simulate import Simulate


def main(dataset: str, seed: int, prior_rows: list[int]) -> None:
    started = time.perf_counter()
    np.random.seed(seed)
    with load_dataset(dataset, dataset_id="dataset") as db:
        model = get_ai_config()
        cycles = [
            ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
            ActiveLearningCycle.from_meta(model["value"]),
        ]
        simulation = Simulate(
            db.input.get_df(), db.input["included"], cycles, stopper=LastRelevant(), print_progress=False
        )
        simulation.label(prior_rows)
        simulation.review()
        order = [int(row) for row in simulation._results["record_id"].tolist()]
        relevant = [int(row) for row in np.flatnonzero(np.asarray(db.input["included"]) == 1)]
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"model": model["name"], "order": order, "relevant": relevant, "seconds": round(seconds, 3)}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(row) for row in sys.argv[3:]])
