"""Relevance ranking of title/abstract queues, live: per reviewer, blind-safe, on and off."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from reviews.models import Record
from screening.models import RankingFeatures, RecordStage, ReviewerRanking, Stage
from screening.selectors import screening_next, screening_order
from screening.services.ranking import ranking_retrain, ranking_settings_update
from tests.celery_worker import needs_redis
from tests.reviews.importing import import_file
from tests.screening.helpers import decide

DIABETES = "Insulin titration in type 2 diabetes: barriers reported by nurses in primary care"
ASTRONOMY = "Spectral survey of dwarf galaxies with a radio telescope array"


def _ris(titles: list[str]) -> bytes:
    return "\n".join(
        f"TY  - JOUR\nTI  - {title} ({number})\nAB  - {title}. More words about {title.split()[0].lower()}.\n"
        f"AU  - Author{number}, A\nPY  - 2020\nER  - \n"
        for number, title in enumerate(titles, start=1)
    ).encode()


@pytest.fixture
def mixed(review, owner):
    """Ten records on diabetes and ten on astronomy, interleaved so the random order mixes them."""
    titles = [DIABETES if number % 2 else ASTRONOMY for number in range(20)]
    import_file(review, owner, "mixed.ris", _ris(titles), source="MEDLINE")
    records = list(Record.objects.filter(review=review).order_by("pk"))
    return {
        "diabetes": [r for r in records if r.title.startswith("Insulin")],
        "astronomy": [r for r in records if r.title.startswith("Spectral")],
    }


@pytest.fixture
def ranking_on(review, owner):
    return ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.95)


def _next(review, reviewer):
    return screening_next(review=review, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT).record


def test_a_reviewer_who_has_not_decided_both_ways_keeps_the_random_order(review, mixed, ranking_on, reviewer):
    random_first = _next(review, reviewer)
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["diabetes"][1], reviewer, "include")
    assert ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk) is None
    assert not ReviewerRanking.objects.exists()
    assert screening_order(review=review, reviewer=reviewer)["mode"] == "random"
    order = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).order_by("order_key")
    assert _next(review, reviewer) == next(
        row.record for row in order if row.record_id not in {mixed["diabetes"][0].pk, mixed["diabetes"][1].pk}
    )
    assert random_first is not None


def test_once_both_ways_the_likely_includes_come_first(review, mixed, ranking_on, reviewer):
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    queue = ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    diabetes = {record.pk for record in mixed["diabetes"][1:]}
    assert set(queue.record_ids[: len(diabetes)]) == diabetes
    assert _next(review, reviewer).pk in diabetes
    assert screening_order(review=review, reviewer=reviewer)["mode"] == "ranked"
    assert (queue.own_relevant, queue.own_irrelevant) == (1, 1)


def test_another_reviewers_pending_votes_never_change_my_order(
    review, mixed, ranking_on, reviewer, second_reviewer
):
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    before = ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk).record_ids
    # carol votes the other way on many records bob has not decided: pending, not settled.
    for record in mixed["diabetes"][2:8]:
        decide(review, record, second_reviewer, "exclude")
    for record in mixed["astronomy"][2:8]:
        decide(review, record, second_reviewer, "include")
    after = ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk).record_ids
    assert after == before


def test_settled_records_are_learnt_from(review, mixed, ranking_on, reviewer, second_reviewer):
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    queue = ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    assert queue.settled == 0
    # A record both decided settles; its outcome is everyone's to see, and the model's to learn from.
    decide(review, mixed["diabetes"][0], second_reviewer, "include")
    assert ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk).settled == 1


def test_a_decision_retrains_in_the_background(
    review, mixed, ranking_on, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(review, mixed["diabetes"][0], reviewer, "include")
    assert not ReviewerRanking.objects.exists()  # one way only so far
    with django_capture_on_commit_callbacks(execute=True):
        decide(review, mixed["astronomy"][0], reviewer, "exclude")
    assert ReviewerRanking.objects.get(reviewer=reviewer).record_ids


def test_turning_ranking_off_brings_back_the_random_order(review, mixed, ranking_on, owner, reviewer):
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    ranking_settings_update(review=review, actor=owner, is_enabled=False, recall_target=0.95)
    assert not ReviewerRanking.objects.exists()
    assert screening_order(review=review, reviewer=reviewer)["mode"] == "random"
    assert not screening_order(review=review, reviewer=reviewer)["ranking_on"]
    assert ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk) is None


def test_an_import_makes_the_features_stale_and_the_next_retraining_reads_the_new_records(
    review, mixed, ranking_on, owner, reviewer
):
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    assert RankingFeatures.objects.get(review=review).records == 20
    import_file(
        review, owner, "more.ris", _ris([DIABETES.replace("nurses", "pharmacists")] * 3), source="Embase"
    )
    assert RankingFeatures.objects.get(review=review).is_stale
    queue = ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    assert RankingFeatures.objects.get(review=review).records == 23
    new = set(
        Record.objects.filter(review=review, title__contains="pharmacists").values_list("pk", flat=True)
    )
    assert new <= set(queue.record_ids[:12])


def test_the_screening_page_says_which_order_is_in_use(review, mixed, ranking_on, reviewer, client_for):
    url = reverse("screening:next", args=[review.slug, "title-abstract"])
    page = client_for(reviewer).get(url, follow=True).content.decode()
    assert "Random order until you have included and excluded at least one record" in page
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    ranking_retrain(review_id=review.pk, reviewer_id=reviewer.pk)
    page = client_for(reviewer).get(url, follow=True).content.decode()
    assert "Ordered by relevance: your model learnt from your 2 decisions and 0 settled records" in page


def test_only_the_owner_turns_ranking_on(review, owner, lead, client_for):
    url = reverse("report:ranking_settings", args=[review.slug])
    assert client_for(lead).post(url, {"is_enabled": "on", "recall_target": "95"}).status_code == 403
    client_for(owner).post(url, {"is_enabled": "on", "recall_target": "90"})
    settings = review.ranking_settings
    settings.refresh_from_db()
    assert settings.is_enabled and settings.recall_target == 0.9
    client_for(owner).post(url, {"recall_target": "20"})
    settings.refresh_from_db()
    assert settings.is_enabled  # refused: the target is out of range, nothing changed


def test_the_overview_shows_the_stopping_aid(
    review, mixed, ranking_on, lead, reviewer, second_reviewer, client_for
):
    for record in mixed["diabetes"][:3] + mixed["astronomy"][:5]:
        choice = "include" if record in mixed["diabetes"] else "exclude"
        decide(review, record, reviewer, choice)
        decide(review, record, second_reviewer, choice)
    page = client_for(lead).get(reverse("report:overview", args=[review.slug])).content.decode()
    assert "When to stop" in page and "8 of 20" in page and "Stopping test (recall ≥ 95%)" in page
    assert "<dt>Records anyone included or marked maybe</dt><dd>3</dd>" in page
    mine = client_for(reviewer).get(reverse("report:overview", args=[review.slug])).content.decode()
    assert "When to stop (your screening)" in mine
    assert "<dt>Records you included or marked maybe</dt><dd>3</dd>" in mine


def test_the_stopping_aid_says_plainly_when_no_sample_gives_a_sign_yet(
    review, mixed, ranking_on, lead, reviewer, second_reviewer, client_for
):
    for record in mixed["diabetes"][:3]:  # nothing but includes: no run of excludes to test
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")
    page = client_for(lead).get(reverse("report:overview", args=[review.slug])).content.decode()
    assert "Not yet: the records screened so far give no sign that recall has reached 95% (p = 1.0;" in page
    assert "among the last 0 records" not in page


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retrains_after_a_decision(review, mixed, owner, reviewer, celery_on_redis):
    ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.95)
    decide(review, mixed["diabetes"][0], reviewer, "include")
    decide(review, mixed["astronomy"][0], reviewer, "exclude")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ReviewerRanking.objects.filter(reviewer=reviewer).exists():
        time.sleep(0.2)
    assert ReviewerRanking.objects.get(reviewer=reviewer).record_ids[0] in {r.pk for r in mixed["diabetes"]}
