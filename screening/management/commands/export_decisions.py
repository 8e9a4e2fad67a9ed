import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviews.errors import ReviewRuleError
from reviews.models import Review
from screening.exports import decisions_csv_lines


class Command(BaseCommand):
    help = (
        "Export a review's screening decisions, one CSV row per decision. Everything by default; "
        "with --as-user, only what that member may see (a reviewer: settled records and their own decisions)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["csv"], required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--as-user", help="export what this member of the review may see")

    def handle(self, *args, slug, format, output, as_user, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        viewer = None
        if as_user:
            viewer = get_user_model().objects.filter(username=as_user).first()
            if viewer is None:
                raise CommandError(f"No user {as_user!r}.")
        try:
            lines = decisions_csv_lines(review, viewer)
        except ReviewRuleError as error:
            raise CommandError(str(error)) from error
        handle = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for line in lines:
                handle.write(line)
        finally:
            if output:
                handle.close()
