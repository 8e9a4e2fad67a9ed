from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from report.refi_qda import qdpx_write
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Write the review's qualitative coding as a REFI-QDA project (.qdpx) that NVivo, ATLAS.ti, MAXQDA "
        "and QualCoder import: every coder's excerpts and the reconciled set, or the final set only."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", required=True, help="the .qdpx file to write")
        parser.add_argument(
            "--reconciled-only",
            action="store_true",
            help="only the final set (the excerpts the synthesis counts), no coder's own excerpts",
        )

    def handle(self, *args, slug, output, reconciled_only, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        path = Path(output)
        partial = path.with_name(path.name + ".part")
        # Written beside the target and renamed at the end, so a failed export leaves no half file.
        try:
            with partial.open("wb") as out:
                summary = qdpx_write(out, review=review, reconciled_only=reconciled_only)
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Wrote {path}: {summary.sources} studies, {summary.selections} coded passages, "
            f"{summary.notes} quotes not found in their text (kept as notes), {summary.codes} codes, "
            f"{summary.users} users."
        )
