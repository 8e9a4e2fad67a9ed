import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from report.backup import ArchiveError, review_archive_export
from reviews.models import Review


class Command(BaseCommand):
    help = "Write everything of a review (settings, people, records, files, every stage, history) to one archive."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", required=True, help="the archive to write (a .zip)")

    def handle(self, *args, slug, output, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        target = Path(output)
        # Written beside the target and renamed when complete: a failed export leaves no half archive.
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                summary = review_archive_export(review=review, output=stream)
            os.replace(partial, target)
        except ArchiveError as error:
            raise CommandError(str(error)) from error
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        records = summary.counts.get("reviews.record", 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {target}: review “{review.title}”, {records} study records, "
                f"{sum(summary.counts.values())} rows in {len(summary.counts)} tables and {summary.files} files."
            )
        )
