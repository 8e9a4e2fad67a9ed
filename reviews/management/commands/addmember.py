from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviews import services
from reviews.errors import ReviewRuleError
from reviews.models import Membership, Review, Role


class Command(BaseCommand):
    help = "Give USERNAME a role in the review SLUG (adds them, or adds the role to their membership)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--create", action="store_true", help="create the user (no usable password) if missing"
        )

    def handle(self, *args, slug, username, role, create, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        user = self._user(username, create)
        membership = Membership.objects.filter(review=review, user=user).first()
        try:
            if membership is None:
                services.membership_add(actor=None, review=review, user=user, roles={role})
            elif not membership.has_role(role):
                services.membership_change_roles(
                    actor=None, membership=membership, roles=membership.roles | {role}
                )
        except ReviewRuleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{username} is {role} in {slug}."))

    def _user(self, username: str, create: bool):
        if create:
            user, created = services.user_get_or_create_without_password(username=username)
            if created:
                self.stdout.write(f"Created user {username} (no password yet).")
            return user
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; pass --create to make one.")
        return user
