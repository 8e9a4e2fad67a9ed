"""Remove files nothing needs any more: uploads a killed process left half-received, and the uploaded
files of imports that failed more than FAILED_IMPORT_KEEP_DAYS ago. Both also happen as the app runs
(uploads and imports sweep as they go); run this from cron on a quiet site."""

from django.core.management.base import BaseCommand

from reviews.services.imports import import_failed_files_sweep
from reviews.uploads import upload_temp_sweep


class Command(BaseCommand):
    help = "Remove half-received uploads and the files of imports that failed long ago."

    def handle(self, *args, **options) -> None:
        uploads = upload_temp_sweep()
        failed = import_failed_files_sweep()
        self.stdout.write(
            f"Removed {uploads} half-received upload{'s' if uploads != 1 else ''} and "
            f"{failed} failed import file{'s' if failed != 1 else ''}."
        )
