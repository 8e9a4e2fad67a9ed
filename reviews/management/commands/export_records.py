import sys

from django.core.management.base import BaseCommand, CommandError

from reviews.exports import active_records, records_csv_lines, records_ris
from reviews.models import Review


class Command(BaseCommand):
    help = "Export a review's records: CSV has one row per imported source record, RIS one entry per study."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["csv", "ris"], required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, slug, format, output, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        handle = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            if format == "csv":
                for line in records_csv_lines(review):
                    handle.write(line)
            else:
                handle.write(records_ris(active_records(review).iterator(chunk_size=2000)))
        finally:
            if output:
                handle.close()
