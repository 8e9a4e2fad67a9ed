"""The stopping aid for title/abstract screening (reads only): includes found against records screened, the
records screened since the last include, and the hypergeometric stopping test (``lib.stopping``).

The lead (or an owner who does not screen) sees the team's: records in the order anyone first decided them,
a record counting as relevant when anyone included it (or marked it maybe) or it settled as included. A
reviewer sees their own: their decisions in order, relevant when they included it. Neither view needs
anything the person may not see.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from lib.stopping import StoppingTest, stopping_test
from reviews.models import Review
from screening.models import Choice, Decision, RankingSettings, RecordStage, Stage

CHART_POINTS = 120
CACHE_SECONDS = 30
RELEVANT = (Choice.INCLUDE, Choice.MAYBE)


def _team_sequence(review: Review) -> list[bool]:
    decisions = (
        Decision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
        .order_by("created_at", "pk")
        .values_list("record_id", "choice")
    )
    order: dict[int, bool] = {}
    for record_id, choice in decisions.iterator(chunk_size=5000):
        order[record_id] = order.get(record_id, False) or choice in RELEVANT
    included = set(
        RecordStage.objects.filter(
            review=review, stage=Stage.TITLE_ABSTRACT, status=RecordStage.Status.INCLUDED
        ).values_list("record_id", flat=True)
    )
    return [relevant or record_id in included for record_id, relevant in order.items()]


def _own_sequence(review: Review, reviewer: AbstractBaseUser) -> list[bool]:
    choices = (
        Decision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer)
        .order_by("created_at", "pk")
        .values_list("choice", flat=True)
    )
    return [choice in RELEVANT for choice in choices]


def _chart(sequence: list[bool], total: int) -> dict:
    """Points of the includes-found curve on a 0–100 box, at most CHART_POINTS of them."""
    found, points = 0, [(0.0, 0.0)]
    step = max(1, len(sequence) // CHART_POINTS)
    final = sum(sequence) or 1
    for index, relevant in enumerate(sequence, start=1):
        found += relevant
        if index % step == 0 or index == len(sequence):
            points.append((round(100 * index / max(total, 1), 2), round(100 * found / final, 2)))
    return {
        "points": " ".join(f"{x},{100 - y}" for x, y in points),
        "found": found,
        "screened": len(sequence),
    }


def _target(review: Review) -> float:
    settings = RankingSettings.objects.filter(review=review).first()
    return settings.recall_target if settings else 0.95


def _total(review: Review) -> int:
    return RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, is_active=True).count()


def screening_stopping_test(*, review: Review) -> StoppingTest:
    """The team's stopping test as it stands now (not cached): what stopping screening records."""
    return stopping_test(_team_sequence(review), _total(review), target=_target(review))


def screening_stopping(
    *, review: Review, reviewer: AbstractBaseUser | None = None, target: float | None = None
) -> dict:
    """The aid's figures; ``reviewer`` None for the team's view; ``target``: the recall target, when the
    caller has read the ranking settings."""
    target = _target(review) if target is None else target  # in the key: a new recall target shows at once
    key = f"tandem:stopping:{review.pk}:{target}:{reviewer.pk if reviewer else 'team'}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    total = _total(review)
    sequence = _own_sequence(review, reviewer) if reviewer is not None else _team_sequence(review)
    test: StoppingTest = stopping_test(sequence, total, target=target)
    result = {
        "test": test,
        "chart": _chart(sequence, total),
        "target_percent": round(100 * target),
        "is_team": reviewer is None,
    }
    # Figures at most CACHE_SECONDS old: at 100,000 records they take a few hundred milliseconds to count.
    # Nothing is kept before the first decision, so the aid appears with it rather than half a minute later.
    if sequence:
        cache.set(key, result, CACHE_SECONDS)
    return result
