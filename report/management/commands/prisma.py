import json

from django.core.management.base import BaseCommand, CommandError

from report.selectors import prisma_svg, review_prisma
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Print the review's PRISMA 2020 flow (PRISMA-ScR wording for scoping reviews), counted from its data: "
        "as JSON (every box's count; any boxes that do not add up under errors) or as an SVG diagram."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=("json", "svg"), default="json")

    def handle(self, *args, slug, format, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        flow = review_prisma(review=review)
        if format == "json":
            self.stdout.write(json.dumps(flow.as_json(), ensure_ascii=False, indent=1))
        else:
            self.stdout.write(prisma_svg(review=review, flow=flow), ending="")
        for error in flow.errors:
            self.stderr.write(f"Does not add up: {error.message}")
