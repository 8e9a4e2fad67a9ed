import json

from django.core.management.base import BaseCommand, CommandError

from lib.agreement import Agreement
from reviews.models import Review
from screening.models import Stage
from screening.selectors import screening_agreement, screening_agreement_combined, screening_stage_counts

COUNT_ROWS = (
    ("records", "Records"),
    ("to_screen", "To screen"),
    ("awaiting_second", "Awaiting second reviewer"),
    ("conflicts", "Conflicts"),
    ("included", "Included"),
    ("excluded", "Excluded"),
    ("not_retrievable", "Not retrievable"),
    ("set_aside", "Set aside (stopped)"),
)


class Command(BaseCommand):
    help = "Show where screening stands in a review: counts per stage and agreement between reviewers."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, slug, json: bool, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        status = {stage: _stage_status(review, stage) for stage in Stage.values}
        if json:
            self.stdout.write(_json_text(status))
        else:
            self.stdout.write(_table(review, status))


def _json_text(status: dict) -> str:
    return json.dumps(status, indent=2)


def _stage_status(review: Review, stage: str) -> dict:
    combined = screening_agreement_combined(review=review, stage=stage)
    return {
        **screening_stage_counts(review=review, stage=stage),
        "double_screened": combined.pairs,
        **_statistics(combined),
        "pairs": [
            {"reviewers": list(names), "records": result.pairs, **_statistics(result)}
            for names, result in screening_agreement(review=review, stage=stage)
        ],
    }


def _statistics(result: Agreement) -> dict:
    return {
        "agreed": result.agreed,
        "percent_agreement": result.percent,
        "kappa": result.kappa,
        "ac1": result.ac1,
    }


def _show(value) -> str:
    return "—" if value is None else str(value)


def _agreement_text(statistics: dict) -> str:
    return (
        f"{_show(statistics['percent_agreement'])}% agreed, Cohen's kappa {_show(statistics['kappa'])}, "
        f"Gwet's AC1 {_show(statistics['ac1'])}"
    )


def _table(review: Review, status: dict) -> str:
    stages = list(status)
    labels = [Stage(stage).label for stage in stages]
    width = 26
    lines = [f"{review.title} ({review.slug})", "", " " * width + "".join(f"{label:>20}" for label in labels)]
    for key, label in COUNT_ROWS:
        lines.append(f"{label:<{width}}" + "".join(f"{status[stage][key]:>20}" for stage in stages))
    lines.append("")
    for stage, label in zip(stages, labels, strict=True):
        stage_status = status[stage]
        if not stage_status["double_screened"]:
            lines.append(f"{label} agreement: no record has two decisions yet.")
            continue
        lines.append(
            f"{label} agreement over {stage_status['double_screened']} records with two decisions: "
            + _agreement_text(stage_status)
        )
        for pair in stage_status["pairs"]:
            lines.append(
                f"  {' and '.join(pair['reviewers'])}: {pair['records']} records, " + _agreement_text(pair)
            )
    return "\n".join(lines)
