import csv
import json

from django.core.management.base import BaseCommand, CommandError

from coding.services.frameworks import coding_setup
from coding.synthesis import DENOMINATORS, domain_rows_json, domain_table
from reviews.models import Review

COLUMNS = ("framework", "domain", "valence", "group", "n", "percent", "denominator")


class Command(BaseCommand):
    help = (
        "Print the synthesis's domain table (coded items per framework domain, valence and group, with "
        "percentages) from the review's final set of excerpts."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--denominator",
            choices=tuple(DENOMINATORS),
            default="valence",
            help="percent of all items of that valence (the default), of that valence and group, or of the domain",
        )

    def handle(self, *args, slug, format, denominator, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        coding_setup(review=review)
        rows = domain_rows_json(domain_table(review=review, denominator=denominator))
        if format == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "percent": "" if row["percent"] is None else row["percent"]})
