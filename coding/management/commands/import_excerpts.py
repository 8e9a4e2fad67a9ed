from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coding.services.excerpt_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ExcerptImportInvalid,
    excerpts_import,
)
from reviews.models import Review

# A file with thousands of bad lines should still give a readable message.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import coded excerpts from a CSV file: columns "
        + ", ".join(REQUIRED_COLUMNS)
        + " and optionally "
        + ", ".join(OPTIONAL_COLUMNS)
        + ". Every line is checked first; one bad line and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")

    def handle(self, *args, slug, file, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            result = excerpts_import(review=review, actor=None, data=path.read_bytes(), filename=path.name)
        except ExcerptImportInvalid as invalid:
            lines = [
                f"{path.name}, line {line}: {message}" for line, message in invalid.errors[:ERRORS_SHOWN]
            ]
            more = len(invalid.errors) - ERRORS_SHOWN
            if more > 0:
                lines.append(f"... and {more} more.")
            raise CommandError(f"Nothing was imported from {path.name}:\n" + "\n".join(lines)) from None
        self.stdout.write(
            f"{result.excerpts} excerpts imported from {path.name} into {result.studies} studies "
            f"({result.anchored} found in the studies' text; {result.codes_created} new codebook entries)."
        )
