"""Query budgets on the busy pages. Each page is measured on a small review and on a larger one: the count
must stay under its budget and must not grow with the number of records (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.models import Stage
from tests.extraction.helpers import extract, starter_form
from tests.screening.helpers import decide, records_to_screen


def _queries(client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def _measure(build, client, url_for, sizes=(2, 6), **kwargs) -> list[int]:
    """Build the review up to each size in turn and count the page's queries at each."""
    counts = []
    for size in sizes:
        build(size)
        counts.append(_queries(client, url_for(), **kwargs))
    return counts


def _new_records(review, owner, count: int, seen: set[int]) -> list:
    """``count`` more records imported into the review (the ones before stay as they were)."""
    records = [
        record
        for record in records_to_screen(review, owner, count=count, prefix=f"Batch{len(seen)}")
        if record.pk not in seen
    ]
    seen.update(record.pk for record in records)
    return records


@pytest.fixture
def conflicts_at_title(review, owner, reviewer, second_reviewer):
    seen: set[int] = set()

    def build(size: int) -> None:
        for record in _new_records(review, owner, size - len(seen), seen):
            decide(review, record, reviewer, "include")
            decide(review, record, second_reviewer, "exclude")

    return build


def test_the_screening_page_has_a_budget(review, owner, reviewer, client_for):
    client = client_for(reviewer)
    counts = _measure(
        lambda size: records_to_screen(review, owner, count=size * 3, prefix=f"S{size}"),
        client,
        lambda: reverse("screening:next", args=[review.slug, "title-abstract"]),
        follow=True,
    )
    assert counts[1] <= counts[0] <= 15, counts


def test_the_conflicts_page_has_a_budget(review, lead, client_for, conflicts_at_title):
    counts = _measure(
        conflicts_at_title,
        client_for(lead),
        lambda: reverse("screening:conflicts", args=[review.slug, "title-abstract"]),
    )
    assert counts[1] <= counts[0] <= 8, counts


def test_the_records_page_has_a_budget(review, owner, client_for):
    counts = _measure(
        lambda size: records_to_screen(review, owner, count=size * 5, prefix=f"R{size}"),
        client_for(owner),
        lambda: reverse("reviews:records", args=[review.slug]),
    )
    assert counts[1] <= counts[0] <= 9, counts


@pytest.mark.parametrize("who", ["lead", "reviewer"])
def test_the_overview_has_a_budget(review, owner, lead, reviewer, client_for, conflicts_at_title, who):
    person = {"lead": lead, "reviewer": reviewer}[who]
    counts = _measure(
        conflicts_at_title, client_for(person), lambda: reverse("report:overview", args=[review.slug])
    )
    assert counts[1] <= counts[0] <= 25, counts


def test_the_extraction_pages_have_a_budget(review, owner, lead, reviewer, second_reviewer, client_for):
    fields = starter_form(review, owner)
    seen: set[int] = set()
    studies = []

    def build(size: int) -> None:
        for study in _new_records(review, owner, size - len(seen), seen):
            for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
                for person in (reviewer, second_reviewer):
                    decide(review, study, person, "include", stage=stage)
            for person in (reviewer, second_reviewer):
                extract(review, study, person, fields, {"Number of participants": str(study.pk)}, submit=True)
            studies.append(study)

    client = client_for(lead)
    counts = _measure(build, client, lambda: reverse("extraction:studies", args=[review.slug]))
    assert counts[1] <= counts[0] <= 20, counts
    reconcile = [
        _queries(client, reverse("extraction:reconcile", args=[review.slug, study.pk]))
        for study in studies[:2]
    ]
    assert reconcile[0] == reconcile[1] <= 14, reconcile


@pytest.mark.parametrize("team", ["two", "four"])
def test_deciding_and_being_served_the_next_record_has_a_budget(
    review, owner, reviewer, client_for, team, django_user_model
):
    """One keypress of the screening loop: the decision is stored and the next record rendered, in one
    request; with a team larger than a record needs, the next record is leased too."""
    from reviews.models import Role
    from reviews.services import membership_add

    if team == "four":
        for name in ("dina", "emil"):
            user = django_user_model.objects.create_user(username=name)
            membership_add(actor=owner, review=review, user=user, roles={Role.REVIEWER})
    client = client_for(reviewer)
    counts = []
    for size in (3, 12):
        records_to_screen(review, owner, count=size, prefix=f"D{size}")
        record_id = int(
            client.get(reverse("screening:next", args=[review.slug, "title-abstract"]))["Location"]
            .rstrip("/")
            .rsplit("/", 1)[1]
        )
        url = reverse("screening:decide", args=[review.slug, "title-abstract", record_id])
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"choice": "exclude"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    # Session, user, membership, the team, the record with its stage row (locked), the decision and its
    # history, the stage row saved, the next record (and its lease) with its databases; the first request
    # also counts the reviewer's progress.
    # The count must not grow with the review.
    first, steady = {"two": (15, 12), "four": (16, 13)}[team]
    assert counts[1] <= steady and counts[0] <= first, counts


def test_the_reading_pane_and_saving_an_excerpt_have_a_budget(
    review, owner, reviewer, second_reviewer, client_for, settings, tmp_path
):
    """The reading pane and one save through its coding panel (answered with the panel and what changed):
    neither count may grow with the excerpts the study already has."""
    from tests.coding.helpers import (
        code,
        code_excerpt,
        coded_studies,
        domain,
        group,
        span,
        text_read,
        valence,
    )

    settings.MEDIA_ROOT = tmp_path
    study = coded_studies(review, owner, [reviewer, second_reviewer], count=1)[0]
    text_read(review, study, owner)
    passages = [
        "Time pressure was the main barrier for nurses.",
        "Training in pain assessment helped nurses feel confident.",
        "Patients said the waiting room had no space to talk.",
    ]
    client = client_for(reviewer)
    pane = reverse("coding:study", args=[review.slug, study.pk])
    new = reverse("coding:excerpt_new", args=[review.slug, study.pk])
    pane_counts, save_counts = [], []
    for size in (1, 6):
        for number in range(size):
            code_excerpt(
                review,
                study,
                reviewer,
                passage=passages[number % 3],
                domains=("Knowledge", "Skills"),
                new_code=f"Code {number % 4}",
                new_code_theme="Resources",
            )
        pane_counts.append(_queries(client, pane))
        start, end = span(study, passages[size % 3])
        data = {
            "start": start,
            "end": end,
            "valence": valence(review, "Barrier").pk,
            "group": group(review, "HCP").pk,
            "domains": [domain(review, "Environmental Context and Resources").pk],
            "codes": [code(review, "Code 0").pk],
        }
        with CaptureQueriesContext(connection) as captured:
            response = client.post(new, data, headers={"HX-Request": "true"})
        assert response.status_code == 200 and "excerpt-saved" in response["HX-Trigger"]
        save_counts.append(len(captured.captured_queries))
    # The pane: session, user, membership, the study, its PDF and text, the excerpts with their codes and
    # domains (read once for all), the viewer's place on the study. The save: those, the service's checks
    # and writes, then only the pages under the new excerpt, its line and the list's order (14 and 28 now).
    assert pane_counts[1] <= pane_counts[0] <= 16, pane_counts
    assert save_counts[1] <= save_counts[0] <= 30, save_counts
