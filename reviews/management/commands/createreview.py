from django.core.management.base import BaseCommand, CommandError

from reviews import services
from reviews.errors import ReviewRuleError
from reviews.models import Review


class Command(BaseCommand):
    help = "Create a review owned by USERNAME (the user is created, without a usable password, if missing)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--title", required=True)
        parser.add_argument("--owner", required=True, metavar="USERNAME")
        parser.add_argument("--type", dest="review_type", choices=Review.ReviewType.values, default="scoping")

    def handle(self, *args, slug, title, owner, review_type, **options):
        user, created = services.user_get_or_create_without_password(username=owner)
        try:
            review = services.review_create(
                actor=None, owner=user, slug=slug, title=title, review_type=review_type
            )
        except ReviewRuleError as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(
                f"Created user {owner} (no password yet: set one with `manage.py changepassword {owner}`)."
            )
        self.stdout.write(self.style.SUCCESS(f"Created review {review.slug} owned by {owner}."))
