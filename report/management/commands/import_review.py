from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from report.backup import ArchiveError, review_archive_restore
from reviews.errors import ReviewRuleError


class Command(BaseCommand):
    help = (
        "Restore a review archive (from export_review or the settings page) as a new review; people the site "
        "does not know are created without a usable password."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to read")
        parser.add_argument("--slug", required=True, help="the short name of the new review")

    def handle(self, *args, file, slug, **options):
        try:
            result = review_archive_restore(source=file, slug=slug, archive_name=Path(file).name)
        except (ArchiveError, ReviewRuleError, OSError) as error:
            raise CommandError(f"{error} Nothing was written.") from error
        review = result.review
        records = result.counts.get("reviews.record", 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored “{review.title}” as /r/{review.slug}/: {records} study records, "
                f"{sum(result.counts.values())} rows and {result.files} files."
            )
        )
        if result.users_created:
            self.stdout.write(
                f"Created {len(result.users_created)} people who had no account here (no usable password; "
                f"set one with `manage.py changepassword USERNAME`): {', '.join(result.users_created)}"
            )
