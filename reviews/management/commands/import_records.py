import json

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reviews.models import ImportBatch, Review
from reviews.parsers import FORMATS
from reviews.services.imports import ImportRefused, import_batch_create, import_batch_run


class _ImportFailed(Exception):
    pass


class Command(BaseCommand):
    help = "Import a search export into a review now (the same job the Import page runs), then deduplicate."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument(
            "--source", required=True, help="the database the records came from, e.g. MEDLINE"
        )
        parser.add_argument("--format", choices=FORMATS, default="", help="override format detection")
        parser.add_argument(
            "--json", action="store_true", help="end with one line of JSON describing the batch"
        )

    def handle(self, *args, slug, file, source, format, json: bool, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        try:
            batch = self._import(review, file, source, format)
        except (ImportRefused, OSError) as error:
            raise CommandError(str(error)) from error
        summary = {
            "batch": batch.pk,
            "format": batch.format,
            "records": batch.records_count,
            "auto_merged": batch.auto_merged,
            "possible_duplicates": batch.possible_duplicates,
            "seconds": batch.seconds,
        }
        if json:
            self.stdout.write(_json_line(summary))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {batch.records_count} records from {file} ({batch.format}) as batch {batch.pk}: "
                    f"{batch.auto_merged} merged as duplicates, {batch.possible_duplicates} possible duplicates "
                    f"to check, in {batch.seconds} s."
                )
            )

    def _import(self, review: Review, path: str, source: str, format: str) -> ImportBatch:
        with open(path, "rb") as handle:
            upload = File(handle, name=path.rsplit("/", 1)[-1])
            try:
                # One outer transaction: a file that fails leaves no batch, no file and no records behind.
                with transaction.atomic():
                    batch = import_batch_create(
                        actor=None,
                        review=review,
                        uploaded=upload,
                        source_name=source,
                        requested_format=format,
                        enqueue=False,
                    )
                    batch = import_batch_run(batch_id=batch.pk)
                    if batch.status != ImportBatch.Status.DONE:
                        raise _ImportFailed(batch)
            except _ImportFailed as failure:
                failed = failure.args[0]
                failed.file.storage.delete(failed.file.name)
                raise CommandError(failed.error) from None
        return batch


def _json_line(summary: dict) -> str:
    return json.dumps(summary)
