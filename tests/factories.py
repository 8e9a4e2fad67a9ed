from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


def review_with_team(
    *, slug: str = "tdf-review", title: str = "TDF barriers review", team: dict | None = None
):
    """A review made through the real services, with people in the given roles."""
    from reviews import services
    from reviews.models import Role

    team = team or {}
    owner = team.get("owner") or UserFactory(username="alice")
    review = services.review_create(
        actor=owner,
        owner=owner,
        slug=slug,
        title=title,
        owner_roles=(Role.OWNER,),
        fulltext_exclusion_reasons=["Wrong population", "Wrong study design"],
    )
    for role, users in team.items():
        if role == "owner":
            continue
        for user in users if isinstance(users, list | tuple) else [users]:
            services.membership_add(actor=owner, review=review, user=user, roles={role})
    return review
