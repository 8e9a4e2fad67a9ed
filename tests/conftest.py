"""Personas every test can use: an owner, a lead, two reviewers and an outsider, in one review."""

from __future__ import annotations

import pytest

from tests.celery_worker import celery_on_redis  # noqa: F401  (a fixture: a real worker on Redis)
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def owner(db):
    return UserFactory(username="alice")


@pytest.fixture
def lead(db):
    return UserFactory(username="lena")


@pytest.fixture
def reviewer(db):
    return UserFactory(username="bob")


@pytest.fixture
def second_reviewer(db):
    return UserFactory(username="carol")


@pytest.fixture
def outsider(db):
    return UserFactory(username="dave")


@pytest.fixture
def review(owner, lead, reviewer, second_reviewer):
    return review_with_team(
        title="Secret TDF review",
        team={"owner": owner, "lead": lead, "reviewer": [reviewer, second_reviewer]},
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)`` gives a test client logged in as that user."""
    from django.test import Client

    def make(user):
        user_client = Client()
        user_client.force_login(user)
        return user_client

    return make


@pytest.fixture
def review_with_records(review, owner):
    """The review with two imported files, one automatic merge and one possible-duplicate pair."""
    from reviews.models import DuplicatePair, SourceRecord
    from tests.reviews.importing import import_file

    import_file(review, owner, "three.ris", source="Embase")
    import_file(review, owner, "two.nbib", source="PubMed")
    first, second = SourceRecord.objects.filter(review=review, record__merged_into__isnull=True).order_by(
        "pk"
    )[:2]
    DuplicatePair.objects.get_or_create(
        review=review, source_a=first, source_b=second, defaults={"score": 0.5}
    )
    return review


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Progress and import status live in the cache; no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
