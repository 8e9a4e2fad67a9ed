"""The pages that count a review's records, at 10,000 and 100,000 study records on PostgreSQL, DEBUG off.

Targets (issue 17): the overview (for an owner, a lead and a reviewer), the Import page and the Records page
with each of its filters <= 100 ms server time at 100,000 records with ten pairs of reviewers; the decisions
CSV <= 2 s to its last byte.

The review is written through the services' bulk paths (``bulk_insert``: COPY on PostgreSQL) the way an
import and a team's screening leave it: five import batches; study records with abstracts of about 1,500
characters and the fields real exports carry, each with its source record and its raw fields, a quarter of
them merged from two databases (with the merge and the absorbed record kept, as the deduplication leaves
them), a few removed and some possible duplicates to check; title/abstract rows for every record, half of
them decided by one of ten pairs of reviewers, the disagreements kept as conflict votes and most of them
resolved by the lead; the included records at full text, half of those decided. The requests then go
through the real views and templates with Django's test client, with DEBUG off as deployed, so the figures
are server time without the network.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SIZES = (10_000, 100_000)
SLUG = "bench"
PAIRS = 10
REQUESTS = 9  # timed, after one warm-up request
EXPORT_REQUESTS = 3
TARGET_PAGE_MS = 100
TARGET_EXPORT_SECONDS = 2
NOT_TARGETS = ("Report", "overview, owner, ranking on", "stopping test counted afresh")
# A database of its own: the other benchmarks drop and create theirs as they start.
BENCH_DB = "tandem_bench_pages"
DATABASES = ("MEDLINE (Ovid)", "Embase (Ovid)", "CINAHL (EBSCO)", "PsycINFO (Ovid)", "Scopus")
FULLTEXT_REASONS = ["Wrong population", "Wrong concept", "Wrong context", "Not primary research"]
MERGED_SHARE = 0.25
REMOVED_SHARE = 0.003
# A real team agrees on most records: the second reviewer differs from the first on one in ten.
DISAGREE_SHARE = 0.1
RESOLVED_SHARE = 0.6


# --- The review -------------------------------------------------------------------------------------


def _row(model, values: dict) -> dict:
    """A full row for ``bulk_insert``: the given values, every other column at its default."""
    row = {}
    for field in model._meta.concrete_fields:
        if field.attname in values:
            row[field.attname] = values[field.attname]
        elif not field.primary_key:
            row[field.attname] = field.get_default()
    return row


def _people():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    owner = User.objects.create(username="olive")  # owns the review, does not screen
    lead = User.objects.create(username="leo")
    reviewers = [User.objects.create(username=f"rev{number:02d}") for number in range(1, 2 * PAIRS + 1)]
    return owner, lead, reviewers


def _batches(review, owner, sources_per_batch: list[int], merged_per_batch: list[int]) -> list:
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reviews.models import ImportBatch

    batches = []
    for database, count, merged in zip(DATABASES, sources_per_batch, merged_per_batch, strict=True):
        # The pages read the rows, never the file: a stand-in is stored.
        content = f"{database}: {count} records\n".encode()
        batch = ImportBatch(
            review=review,
            source_name=database,
            original_filename=f"{database.split()[0].lower()}.ris",
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            format="ris",
            encoding="utf-8",
            status=ImportBatch.Status.DONE,
            attempts=1,
            records_count=count,
            auto_merged=merged,
            seconds=12.5,
            timings={"read": 0.5, "parse": 6.0, "deduplicate": 4.0, "write": 2.0},
            created_by=owner,
            finished_at=timezone.now(),
        )
        batch.file.save(batch.original_filename, ContentFile(content), save=False)
        batch.save()
        batches.append(batch)
    return batches


def _records_write(review, owner, size: int, rng: random.Random) -> dict:
    """Study records with their source records, merges, removals and possible duplicates."""
    from django.utils import timezone

    from bench.backup_speed import _abstracts, _bibliographic, _raw, _study
    from reviews.models import DuplicatePair, Merge, Record, SourceRecord
    from reviews.services.bulk import bulk_insert
    from reviews.services.record_writer import _allocate_ids

    abstracts = _abstracts(rng)
    now = timezone.now()
    is_merged = [rng.random() < MERGED_SHARE for _ in range(size)]
    extra = sum(is_merged)
    record_ids = _allocate_ids(Record, size + extra)
    source_ids = _allocate_ids(SourceRecord, size + extra)
    plan = []  # (study index, batch index, record id, home record id, source id)
    absorbed = iter(record_ids[size:])
    extra_sources = iter(source_ids[size:])
    for index in range(size):
        first = index % len(DATABASES)
        plan.append((index, first, record_ids[index], record_ids[index], source_ids[index]))
        if is_merged[index]:
            second = (first + 1 + rng.randrange(len(DATABASES) - 1)) % len(DATABASES)
            plan.append((index, second, record_ids[index], next(absorbed), next(extra_sources)))
    per_batch = [0] * len(DATABASES)
    merged_per_batch = [0] * len(DATABASES)
    for _, batch_index, record_id, home_id, _ in plan:
        per_batch[batch_index] += 1
        merged_per_batch[batch_index] += record_id != home_id
    batches = _batches(review, owner, per_batch, merged_per_batch)
    removed = set(rng.sample(record_ids[:size], int(size * REMOVED_SHARE)))
    studies = {}
    records, sources, merges, positions = [], [], [], [0] * len(DATABASES)
    for index, batch_index, record_id, home_id, source_id in plan:
        if index not in studies:
            studies = {index: _study(index + 1, rng, abstracts)}
        fields = _bibliographic(studies[index])
        batch = batches[batch_index]
        positions[batch_index] += 1
        position = positions[batch_index]
        records.append(
            _row(
                Record,
                {
                    "id": home_id,
                    "review_id": review.pk,
                    "merged_into_id": None if home_id == record_id else record_id,
                    "is_removed": home_id in removed,
                    "removed_reason": "Retracted" if home_id in removed else "",
                    "search_text": " ".join(
                        [fields["title"], *fields["authors"], fields["doi"], fields["pmid"]]
                    ).lower(),
                    "created_at": now,
                    **fields,
                },
            )
        )
        sources.append(
            _row(
                SourceRecord,
                {
                    "id": source_id,
                    "review_id": review.pk,
                    "batch_id": batch.pk,
                    "position": position,
                    "line": position * 20,
                    "record_id": record_id,
                    "home_record_id": home_id,
                    "source_record_id": str(600_000_000 + source_id),
                    "raw": _raw(studies[index], batch.source_name, position),
                    **fields,
                },
            )
        )
        if home_id != record_id:
            merges.append(
                _row(
                    Merge,
                    {
                        "review_id": review.pk,
                        "target_id": record_id,
                        "kind": Merge.Kind.AUTOMATIC,
                        "batch_id": batch.pk,
                        "moves": [{"source": source_id, "from_record": home_id}],
                        "reasons": ["same DOI"],
                        "created_at": now,
                    },
                )
            )
        if len(records) >= 10_000:
            bulk_insert(Record, records)
            bulk_insert(SourceRecord, sources)
            records, sources = [], []
    bulk_insert(Record, records)
    bulk_insert(SourceRecord, sources)
    bulk_insert(Merge, merges)
    # Possible duplicates: one record in 400 has an open pair with the next; one in 1,000 a decided one.
    pairs = []
    for index in range(0, size - 1, 400):
        pairs.append((source_ids[index], source_ids[index + 1], DuplicatePair.Status.OPEN))
    for index in range(201, size - 1, 1000):
        pairs.append((source_ids[index], source_ids[index + 1], DuplicatePair.Status.DIFFERENT))
    DuplicatePair.objects.bulk_create(
        DuplicatePair(
            review=review,
            source_a_id=a,
            source_b_id=b,
            score=0.8,
            reasons=["similar title", "same year"],
            status=status,
        )
        for a, b, status in pairs
    )
    return {
        "record_ids": record_ids[:size],
        "removed": removed,
        "sources": len(plan),
        "merged": extra,
        "possible": sum(1 for *_, status in pairs if status == DuplicatePair.Status.OPEN),
    }


def _choices(rng: random.Random, stage: str) -> list[tuple[str, str]]:
    """Two reviewers' (choice, reason) on one record: the second agrees with the first most of the time."""
    if stage == "title_abstract":
        options, weights = ["include", "maybe", "exclude"], [12, 6, 82]
        first = rng.choices(options, weights)[0]
        second = rng.choice([o for o in options if o != first]) if rng.random() < DISAGREE_SHARE else first
        return [(first, ""), (second, "")]
    first = rng.choices(["include", "exclude"], [40, 60])[0]
    reason = rng.choice(FULLTEXT_REASONS)
    pair = [(first, reason if first == "exclude" else "")]
    if rng.random() < DISAGREE_SHARE:
        second = "exclude" if first == "include" else "include"
        pair.append((second, rng.choice(FULLTEXT_REASONS) if second == "exclude" else ""))
    else:
        pair.append(pair[0])
    return pair


def _stage_write(review, lead, reviewers, record_ids, *, stage: str, decided: set[int], rng, inactive=()):
    """The stage's rows for these records; the ``decided`` ones decided by their pair. Returns the included."""
    from django.utils import timezone

    from screening.models import ConflictVote, Decision, RecordStage
    from screening.rules import order_key, stage_outcome

    now = timezone.now()
    stages, decisions, votes, included = [], [], [], []
    for number, record_id in enumerate(record_ids):
        status, count, resolved_by, reason = "open", 0, None, ""
        if record_id in decided:
            pair = reviewers[2 * (number % PAIRS) : 2 * (number % PAIRS) + 2]
            choices = _choices(rng, stage)
            outcome = stage_outcome(stage, choices)
            status, reason, count = outcome.status, outcome.reason, 2
            for reviewer, (choice, why) in zip(pair, choices, strict=True):
                decision = {
                    "review_id": review.pk,
                    "record_id": record_id,
                    "stage": stage,
                    "reviewer_id": reviewer.pk,
                    "choice": choice,
                    "reason": why,
                    "created_at": now,
                    "updated_at": now,
                }
                if stage == "full_text" and choice == "include":
                    decision["without_full_text"] = "Read at the publisher's site"
                decisions.append(_row(Decision, decision))
                if status == "conflict":
                    votes.append(
                        _row(
                            ConflictVote,
                            {
                                "review_id": review.pk,
                                "record_id": record_id,
                                "stage": stage,
                                "reviewer_id": reviewer.pk,
                                "choice": choice,
                                "created_at": now,
                            },
                        )
                    )
            if status == "conflict" and rng.random() < RESOLVED_SHARE:
                status = rng.choices(["included", "excluded"], [1, 2])[0]
                reason = rng.choice(FULLTEXT_REASONS) if stage == "full_text" and status == "excluded" else ""
                resolved_by = lead.pk
        elif record_id not in inactive and rng.random() < 0.01:
            # Awaiting the second reviewer.
            count = 1
            decisions.append(
                _row(
                    Decision,
                    {
                        "review_id": review.pk,
                        "record_id": record_id,
                        "stage": stage,
                        "reviewer_id": reviewers[2 * (number % PAIRS)].pk,
                        "choice": "exclude",
                        "reason": FULLTEXT_REASONS[0] if stage == "full_text" else "",
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            )
        if status == "included" and record_id not in inactive:
            included.append(record_id)
        stages.append(
            _row(
                RecordStage,
                {
                    "review_id": review.pk,
                    "record_id": record_id,
                    "stage": stage,
                    "status": status,
                    "order_key": order_key(review.pk, record_id),
                    "decision_count": count,
                    "is_active": record_id not in inactive,
                    "exclusion_reason": reason,
                    "resolved_by_id": resolved_by,
                    "settled_at": now if status in RecordStage.SETTLED else None,
                },
            )
        )
    from reviews.services.bulk import bulk_insert

    bulk_insert(RecordStage, stages)
    bulk_insert(Decision, decisions)
    bulk_insert(ConflictVote, votes)
    return included


def _screening_write(review, lead, reviewers, written: dict, rng: random.Random) -> dict:
    from screening.models import Decision, RecordStage
    from screening.rules import order_key

    record_ids = sorted(written["record_ids"], key=lambda record_id: order_key(review.pk, record_id))
    decided = set(record_ids[: len(record_ids) // 2]) - written["removed"]
    included = _stage_write(
        review,
        lead,
        reviewers,
        record_ids,
        stage="title_abstract",
        decided=decided,
        rng=rng,
        inactive=written["removed"],
    )
    _stage_write(review, lead, reviewers, included, stage="full_text", decided=set(included[::2]), rng=rng)
    return {
        "decisions": Decision.objects.filter(review=review).count(),
        "conflicts": RecordStage.objects.filter(review=review, status="conflict").count(),
        "full_text": len(included),
    }


def _populate(size: int) -> dict:
    from django.db import connection, transaction

    from reviews.models import Role
    from reviews.services import membership_add, review_create

    rng = random.Random(17)
    owner, lead, reviewers = _people()
    review = review_create(
        actor=owner,
        owner=owner,
        slug=SLUG,
        title="Barriers and facilitators: benchmark",
        fulltext_exclusion_reasons=FULLTEXT_REASONS,
    )
    membership_add(actor=owner, review=review, user=lead, roles={Role.LEAD})
    for reviewer in reviewers:
        membership_add(actor=owner, review=review, user=reviewer, roles={Role.REVIEWER})
    with transaction.atomic():
        written = _records_write(review, owner, size, rng)
        screened = _screening_write(review, lead, reviewers, written, rng)
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps a live database in: statistics and visibility maps current.
        cursor.execute("VACUUM ANALYZE")
    return {
        "records": size,
        "sources": written["sources"],
        "merged": written["merged"],
        "removed": len(written["removed"]),
        "possible": written["possible"],
        **screened,
    }


# --- The requests -----------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _page(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return {
        "median": round(statistics.median(samples), 1),
        "max": round(max(samples), 1),
        "queries": len(captured.captured_queries),
    }


def _download(client, url: str) -> dict:
    samples, size, rows = [], 0, 0
    for _ in range(EXPORT_REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        content = b"".join(response.streaming_content if response.streaming else [response.content])
        samples.append(time.perf_counter() - started)
        size, rows = len(content), content.count(b"\n") - 1
    return {"seconds": round(statistics.median(samples), 2), "mb": round(size / 1e6, 1), "rows": rows}


def _pages(people: dict, query: str) -> dict:
    base = f"/r/{SLUG}"
    owner, lead, reviewer = (_client(people[name]) for name in ("owner", "lead", "reviewer"))
    pages = {
        "overview, owner": (owner, f"{base}/"),
        "overview, lead": (lead, f"{base}/"),
        "overview, reviewer": (reviewer, f"{base}/"),
        "Import": (owner, f"{base}/imports/"),
        "Records": (owner, f"{base}/records/"),
        "Records, page 100": (owner, f"{base}/records/?page=100"),
        f"Records, search “{query}”": (owner, f"{base}/records/?q={query}"),
        "Records, from Embase": (owner, f"{base}/records/?source=Embase+%28Ovid%29"),
        "Records, merged": (owner, f"{base}/records/?status=merged"),
        "Records, possible duplicate": (owner, f"{base}/records/?status=possible"),
        "Records, removed": (owner, f"{base}/records/?status=removed"),
        "Report": (lead, f"{base}/report/"),
    }
    results = {label: _page(client, url) for label, (client, url) in pages.items()}
    results["decisions CSV, lead"] = _download(lead, f"{base}/screening/decisions.csv")
    results["decisions CSV, reviewer"] = _download(reviewer, f"{base}/screening/decisions.csv")
    results.update(_ranking_on(owner))
    return results


def _ranking_on(owner_client) -> dict:
    """With relevance ranking on, the overview adds the stopping aid, whose figures are kept 30 s: the
    overview as most requests find it, and the stopping test counted afresh, as every half minute."""
    from reviews.models import Review
    from screening.models import RankingSettings
    from screening.stopping import screening_stopping_test

    review = Review.objects.get(slug=SLUG)
    # Written directly, not through the service, which would start retraining twenty reviewers' models on a
    # job thread of this process while it measures.
    RankingSettings.objects.update_or_create(review=review, defaults={"is_enabled": True})
    return {
        "overview, owner, ranking on": _page(owner_client, f"/r/{SLUG}/"),
        "stopping test counted afresh": _call(lambda: screening_stopping_test(review=review)),
    }


def _call(function) -> dict:
    """A function's time as _page reports a page's: median and slowest of REQUESTS calls, and its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        function()
    return {
        "median": round(statistics.median(samples), 1),
        "max": round(max(samples), 1),
        "queries": len(captured.captured_queries),
    }


def _child(size: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    summary = _populate(size)
    summary["populate_seconds"] = round(time.perf_counter() - started, 1)
    users = get_user_model().objects.in_bulk(["olive", "leo", "rev01"], field_name="username")
    people = {"owner": users["olive"], "lead": users["leo"], "reviewer": users["rev01"]}
    summary["load"] = round(os.getloadavg()[0], 1)
    summary["pages"] = _pages(people, query="adherence")
    print(json.dumps(summary))


def measure(size: int) -> dict:
    """A fresh database and a process of its own per size, DEBUG off as deployed."""
    from bench.import_speed import run_isolated

    deployed = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(PROJECT_ROOT / "var" / "bench" / "static"),
    }
    return run_isolated("bench.page_speed", str(size), database=BENCH_DB, child_env=deployed)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def run() -> tuple[str, str]:
    results = {size: measure(size) for size in SIZES}
    labels = list(results[SIZES[0]]["pages"])
    header = "| Page | " + " | ".join(f"{size:,} records: median (max), queries" for size in SIZES)
    rows = [header + " | Target at 100,000 |", "|---|" + "---:|" * len(SIZES) + "---|"]
    for label in labels:
        cells, last = [], None
        for size in SIZES:
            figures = results[size]["pages"][label]
            if "seconds" in figures:
                cells.append(f"{figures['seconds']} s ({figures['rows']:,} rows, {figures['mb']} MB)")
                last = ("export", figures["seconds"])
            else:
                cells.append(f"{figures['median']} ms ({figures['max']}), {figures['queries']}")
                last = ("page", figures["median"])
        if label in NOT_TARGETS:
            target = "(not a target)"
        elif last[0] == "export":
            target = (
                f"≤ {TARGET_EXPORT_SECONDS} s to the last byte: {_verdict(last[1], TARGET_EXPORT_SECONDS)}"
            )
        else:
            target = f"≤ {TARGET_PAGE_MS} ms: {_verdict(last[1], TARGET_PAGE_MS)}"
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    sizes = "; ".join(
        f"{size:,}: {r['sources']:,} source records ({r['merged']:,} merged as duplicates), {r['removed']:,} "
        f"removed, {r['possible']:,} possible duplicates, {r['decisions']:,} decisions, {r['conflicts']:,} "
        f"open conflicts, {r['full_text']:,} records at full text; written in {r['populate_seconds']} s; "
        f"load average {r['load']} when the requests began"
        for size, r in results.items()
    )
    body = (
        "One review per size in a fresh database, written through the services' bulk paths as an import and "
        f"a team's screening leave it (`bench/page_speed.py`): {PAIRS} pairs of reviewers, half the records "
        "decided, abstracts of about 1,500 characters. Requests through Django's test client with DEBUG off, "
        f"so server time without the network: the median of {REQUESTS} requests after one warm-up (the "
        f"slowest in brackets), and the queries of one more. The downloads: median of {EXPORT_REQUESTS}, "
        f"to the last byte. The owner does not screen; the reviewer is one of the pairs. Last, relevance ranking "
        "is turned on: the owner's overview then shows the stopping aid, whose figures are kept 30 s (the "
        "overview as most requests find it), and the stopping test counted afresh is what one request in "
        f"half a minute pays.\n\n{sizes}.\n\n" + "\n".join(rows)
    )
    print("\n".join(rows))
    return "Page speed at 10,000 and 100,000 records", body


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]))
