from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from extraction import exports
from lib import spreadsheet
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Export a review's extraction data: the reconciled characteristics-of-included-studies table by "
        "default, or with --reviewer that reviewer's raw answers (one row per study)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=spreadsheet.FORMATS, required=True)
        parser.add_argument("--output", help="file to write (default: standard output; XLSX needs a file)")
        parser.add_argument("--reviewer", help="export this reviewer's raw answers instead")
        parser.add_argument("--include-archived", action="store_true", help="add archived fields, flagged")

    def handle(self, *args, slug, format, output, reviewer, include_archived, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        if reviewer:
            user = get_user_model().objects.filter(username=reviewer, memberships__review=review).first()
            if user is None:
                raise CommandError(f"{reviewer!r} is not a member of this review.")
            table = exports.raw_table(review=review, reviewer=user, include_archived=include_archived)
        else:
            table = exports.reconciled_table(review=review, include_archived=include_archived)
        if format == "xlsx" and not output:
            raise CommandError("An XLSX export needs --output FILE.")
        if output:
            with open(output, "wb") as handle:
                handle.write(spreadsheet.table_bytes(table, format))
        else:
            self.stdout.write(spreadsheet.table_csv(table), ending="")
