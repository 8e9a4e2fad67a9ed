import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lib.ranking import features_fit
from lib.ranking_simulation import labelled_csv_decode, labelled_csv_read, rrf, simulate, wss


class Command(BaseCommand):
    help = (
        "Simulate title/abstract screening with the relevance ranking on a labelled CSV (record_id, title, "
        "abstract, optional keywords, a label column): writes the order screened and reports WSS@95, WSS@100 "
        "and RRF@10."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="labelled CSV")
        parser.add_argument("--label-column", required=True, help="column holding 1 (relevant) or 0")
        parser.add_argument("--seed", type=int, default=0, help="chooses the priors and seeds the model")
        parser.add_argument(
            "--prior-included", type=int, default=1, help="relevant records known at the start"
        )
        parser.add_argument(
            "--prior-excluded", type=int, default=1, help="irrelevant records known at the start"
        )
        parser.add_argument(
            "--stop-after-all-relevant",
            action="store_true",
            help="stop once the last relevant record is found",
        )
        parser.add_argument(
            "--order-output", type=Path, required=True, help="record ids in the order screened"
        )
        parser.add_argument("--json", action="store_true", help="end with the figures as one JSON line")

    def handle(self, *args, file: Path, label_column: str, order_output: Path, **options):
        started = time.perf_counter()
        try:
            labelled = labelled_csv_read(labelled_csv_decode(file.read_bytes()), label_column=label_column)
            simulation = simulate(
                features_fit(labelled.texts),
                labelled.labels,
                seed=options["seed"],
                prior_included=options["prior_included"],
                prior_excluded=options["prior_excluded"],
                stop_after_all_relevant=options["stop_after_all_relevant"],
            )
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        order_output.write_text("".join(f"{labelled.record_ids[row]}\n" for row in simulation.order))
        relevant_rows = {row for row, label in enumerate(labelled.labels) if label}
        figures = _figures(simulation.order, relevant_rows, records=len(labelled.labels))
        figures |= {"trainings": simulation.trainings, "seconds": round(seconds, 3)}
        self.stdout.write(_summary(figures))
        if options["json"]:
            self.stdout.write(json.dumps(figures))


def _figures(order: list[int], relevant: set[int], *, records: int) -> dict:
    return {
        "wss95": round(wss(order, relevant, 0.95, records=records), 4),
        "wss100": round(wss(order, relevant, 1.0, records=records), 4),
        "rrf10": round(rrf(order, relevant, 10, records=records), 2),
        "records": records,
        "relevant": len(relevant),
        "screened": len(order),
    }


def _summary(figures: dict) -> str:
    return (
        f"{figures['records']} records, {figures['relevant']} relevant, {figures['screened']} screened "
        f"in {figures['seconds']:.1f} s ({figures['trainings']} trainings): "
        f"WSS@95 {100 * figures['wss95']:.1f}%, WSS@100 {100 * figures['wss100']:.1f}%, "
        f"RRF@10 {figures['rrf10']:.1f}%"
    )
