"""Backup and restore of a large review on PostgreSQL: export_review, then import_review into a new review.

Targets (issue: backup and restore): 100,000 records with 200 PDFs, each direction <= 60 s and <= 1 GB peak
memory. The review is written straight into the tables (the import, screening and coding benchmarks measure
how it gets there): five import batches holding the made-up exports of ``bench/synthetic_exports.py``,
100,000 study records with abstracts of about 1,500 characters, each with its source record carrying the
raw fields of an Ovid RIS export; title/abstract stage rows for every record, half of them decided by two
reviewers, every decision with its history entry; 200 records at full text with a five-page PDF made by
``lib.simple_pdf``. The two commands then run each in a process of its own, so that each peak (the
process's ``getrusage``) is its own.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RECORDS = 100_000
PDFS = 200
PDF_PAGES = 5
CHUNK = 10_000
TARGET_SECONDS = 60
TARGET_PEAK_MB = 1024
SLUG, RESTORED_SLUG = "bench", "bench-restored"


def _insert(model, rows: list[dict]) -> None:
    """COPY the rows, with the default of any column they leave out (fields added after this was written)."""
    from reviews.services.bulk import bulk_insert

    if not rows:
        return
    missing = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in rows[0] and not field.primary_key
    ]
    for row in rows:
        for field in missing:
            row[field.attname] = field.get_default()
    bulk_insert(model, rows)


def measure() -> dict:
    """Populate a fresh database in one process, then export, restore and check, each in a process of its own
    started from this small one: a process inherits the peak of the process that starts it."""
    from bench.import_speed import ADMIN_URL, BENCH_DB, _environment, run_isolated

    summary = run_isolated("bench.backup_speed")
    environment = _environment(ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB)
    archive = PROJECT_ROOT / "var" / "bench" / "backup-bench.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary["export"] = _direction(environment, "--export", archive)
        summary["archive_mb"] = round(archive.stat().st_size / 1024 / 1024)
        summary["import"] = _direction(environment, "--import", archive)
    finally:
        archive.unlink(missing_ok=True)
        summary.update(_direction(environment, "--check", archive))
    return summary


# --- The review -------------------------------------------------------------------------------------


def _abstracts(rng: random.Random, count: int = 2_000) -> list[str]:
    """A pool of abstracts of about 1,500 characters: structured, as journals ask for them."""
    from bench.synthetic_exports import structured_abstract

    return [structured_abstract(rng)[:1_600] for _ in range(count)]


def _study(number: int, rng: random.Random, abstracts: list[str]) -> dict:
    from bench.synthetic_exports import JOURNALS, SURNAMES, WORDS

    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
    authors = [f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMNPRST')}" for _ in range(rng.randint(1, 8))]
    journal, abbreviation = rng.choice(JOURNALS)
    first_page = rng.randint(1, 900)
    return {
        "title": f"{title} ({number})",
        "abstract": abstracts[number % len(abstracts)],
        "authors": authors,
        "year": rng.randint(1995, 2025),
        "journal": journal,
        "abbreviation": abbreviation,
        "volume": str(rng.randint(1, 80)),
        "issue": str(rng.randint(1, 12)),
        "pages": f"{first_page}-{first_page + rng.randint(4, 15)}",
        "doi": f"10.{rng.randint(1000, 9999)}/bench.{number:07d}",
        "pmid": str(20_000_000 + number),
        "keywords": sorted({rng.choice(WORDS) for _ in range(rng.randint(3, 8))}),
    }


def _bibliographic(study: dict) -> dict:
    return {
        "title": study["title"],
        "abstract": study["abstract"],
        "authors": study["authors"],
        "year": study["year"],
        "journal": study["journal"],
        "volume": study["volume"],
        "issue": study["issue"],
        "pages": study["pages"],
        "doi": study["doi"],
        "pmid": study["pmid"],
        "keywords": study["keywords"],
        "language": "English",
        "publication_type": "Journal Article",
        "urls": [f"https://doi.org/{study['doi']}"],
    }


def _raw(study: dict, database: str, position: int) -> dict[str, list[str]]:
    first, last = study["pages"].split("-")
    return {
        "TY": ["JOUR"],
        "DB": [database],
        "AN": [str(600_000_000 + position)],
        "T1": [study["title"]],
        "A1": study["authors"],
        "Y1": [f"{study['year']}//"],
        "JF": [study["journal"]],
        "JA": [study["abbreviation"]],
        "VL": [study["volume"]],
        "IS": [study["issue"]],
        "SP": [first],
        "EP": [last],
        "DO": [f"https://dx.doi.org/{study['doi']}"],
        "N2": [study["abstract"]],
        "KW": study["keywords"],
        "LA": ["English"],
        "UR": [f"https://ovidsp.ovid.com/?AN={600_000_000 + position}"],
    }


def _batches(review, owner) -> list:
    """The five made-up exports, stored as their import batches."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from bench.synthetic_exports import make_exports
    from reviews.models import ImportBatch

    files, _ = make_exports(RECORDS)
    share = RECORDS // len(files)
    batches = []
    for number, (database, filename, content) in enumerate(files):
        count = share if number < len(files) - 1 else RECORDS - share * (len(files) - 1)
        batch = ImportBatch(
            review=review,
            source_name=database,
            original_filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            format=filename.rsplit(".", 1)[-1],
            encoding="utf-8",
            status=ImportBatch.Status.DONE,
            attempts=1,
            records_count=count,
            seconds=12.5,
            timings={"read": 0.5, "parse": 6.0, "deduplicate": 4.0, "write": 2.0},
            created_by=owner,
            finished_at=timezone.now(),
        )
        batch.file.save(filename, ContentFile(content), save=False)
        batch.save()
        batches.append(batch)
    return batches


def _records_write(review, batches, rng: random.Random) -> list[int]:
    """Study records and their source records, a chunk at a time; returns the record ids."""
    from django.utils import timezone

    from reviews.models import Record, SourceRecord
    from reviews.services.record_writer import _allocate_ids

    abstracts = _abstracts(rng)
    now = timezone.now()
    record_ids = _allocate_ids(Record, RECORDS)
    source_ids = _allocate_ids(SourceRecord, RECORDS)
    per_batch = RECORDS // len(batches)
    for start in range(0, RECORDS, CHUNK):
        records, sources = [], []
        for index in range(start, min(start + CHUNK, RECORDS)):
            study = _study(index + 1, rng, abstracts)
            fields = _bibliographic(study)
            batch = batches[min(index // per_batch, len(batches) - 1)]
            position = index - batches.index(batch) * per_batch + 1
            records.append(
                {
                    "id": record_ids[index],
                    "review_id": review.pk,
                    "merged_into_id": None,
                    "is_removed": False,
                    "removed_reason": "",
                    "is_edited": False,
                    "search_text": f"{study['title']} {' '.join(study['authors'])} {study['doi']}".lower(),
                    "created_at": now,
                    **fields,
                }
            )
            sources.append(
                {
                    "id": source_ids[index],
                    "review_id": review.pk,
                    "batch_id": batch.pk,
                    "position": position,
                    "line": position * 20,
                    "record_id": record_ids[index],
                    "home_record_id": record_ids[index],
                    "source_record_id": str(600_000_000 + position),
                    "raw": _raw(study, batch.source_name, position),
                    **fields,
                }
            )
        _insert(Record, records)
        _insert(SourceRecord, sources)
    return record_ids


def _screening_write(review, record_ids: list[int], reviewers, rng: random.Random) -> int:
    """Title/abstract rows for every record, half decided by both reviewers, each decision in the history."""
    from django.utils import timezone

    from reviews.models import AuditEvent
    from reviews.services.record_writer import _allocate_ids
    from screening.models import Decision, RecordStage
    from screening.rules import order_key, stage_outcome

    now = timezone.now()
    decision_ids = iter(_allocate_ids(Decision, RECORDS))
    decided = 0
    for start in range(0, RECORDS, CHUNK):
        stages, decisions, events = [], [], []
        for index in range(start, min(start + CHUNK, RECORDS)):
            record_id, status, count = record_ids[index], "open", 0
            if index % 2 == 0:
                choices = [
                    rng.choices(["include", "maybe", "exclude"], weights=[1, 1, 8])[0] for _ in reviewers
                ]
                status = stage_outcome("title_abstract", [(choice, "") for choice in choices]).status
                count = len(reviewers)
                for reviewer, choice in zip(reviewers, choices, strict=True):
                    decision_id = next(decision_ids)
                    decisions.append(
                        {
                            "id": decision_id,
                            "review_id": review.pk,
                            "record_id": record_id,
                            "stage": "title_abstract",
                            "reviewer_id": reviewer.pk,
                            "choice": choice,
                            "reason": "",
                            "note": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    events.append(
                        {
                            "created_at": now,
                            "actor_id": reviewer.pk,
                            "actor_username": reviewer.username,
                            "review_id": review.pk,
                            "action": "screening.decide",
                            "object_type": "screening.decision",
                            "object_id": str(decision_id),
                            "before": None,
                            "after": {
                                "choice": choice,
                                "reason": "",
                                "note": "",
                                "record": record_id,
                                "stage": "title_abstract",
                            },
                        }
                    )
                    decided += 1
            stages.append(
                {
                    "review_id": review.pk,
                    "record_id": record_id,
                    "stage": "title_abstract",
                    "status": status,
                    "order_key": order_key(review.pk, record_id),
                    "decision_count": count,
                    "is_active": True,
                    "exclusion_reason": "",
                    "resolution_note": "",
                    "settled_at": now if status in ("included", "excluded") else None,
                }
            )
        _insert(RecordStage, stages)
        _insert(Decision, decisions)
        _insert(AuditEvent, events)
    return decided


def _full_texts_write(review, record_ids: list[int], owner, rng: random.Random) -> None:
    """200 records at full text, each with a PDF of a few pages."""
    import hashlib

    from django.core.files.base import ContentFile

    from bench.synthetic_exports import WORDS
    from lib.simple_pdf import text_pdf
    from screening.models import FullText, RecordStage
    from screening.rules import order_key

    for record_id in record_ids[:PDFS]:
        RecordStage.objects.create(
            review=review,
            record_id=record_id,
            stage="full_text",
            order_key=order_key(review.pk, record_id),
        )
        pages = [
            "\n".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(30))
            for _ in range(PDF_PAGES)
        ]
        content = text_pdf(pages)
        full_text = FullText(
            review=review,
            record_id=record_id,
            original_filename=f"study-{record_id}.pdf",
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            updated_by=owner,
        )
        full_text.file.save("study.pdf", ContentFile(content), save=False)
        full_text.save()


def _populate() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from reviews.models import Role
    from reviews.services import membership_add, review_create

    rng = random.Random(11)
    users = {name: get_user_model().objects.create(username=name) for name in ("alice", "bob", "carol")}
    review = review_create(
        actor=users["alice"],
        owner=users["alice"],
        slug=SLUG,
        title="Benchmark",
        owner_roles=(Role.OWNER, Role.LEAD),
    )
    for name in ("bob", "carol"):
        membership_add(actor=users["alice"], review=review, user=users[name], roles={Role.REVIEWER})
    with transaction.atomic():
        batches = _batches(review, users["alice"])
        record_ids = _records_write(review, batches, rng)
        decisions = _screening_write(review, record_ids, [users["bob"], users["carol"]], rng)
        _full_texts_write(review, record_ids, users["alice"], rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"records": RECORDS, "decisions": decisions, "pdfs": PDFS, "batches": len(batches)}


# --- The two directions, each in a process of its own ---------------------------------------------------


def _direction(environment: dict, argument: str, archive: Path) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.backup_speed", argument, str(archive)],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _command(name: str, *arguments: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    load = os.getloadavg()[0]
    started = time.perf_counter()
    call_command(name, *arguments, stdout=open(os.devnull, "w"))  # noqa: SIM115
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
                "peak_mb": round(usage.ru_maxrss / 1024),
                "load": round(load, 1),
            }
        )
    )


def _check() -> None:
    """The restored review's row counts against the original's; then the files of both are removed."""
    import django

    django.setup()
    from django.conf import settings

    from report.backup.tables import TABLES
    from reviews.models import Review

    reviews = {review.slug: review for review in Review.objects.filter(slug__in=(SLUG, RESTORED_SLUG))}
    result = {"same_counts": False, "rows": 0}
    if len(reviews) == 2:
        counts = {table.label: table.rows(reviews[SLUG]).count() for table in TABLES}
        restored = {table.label: table.rows(reviews[RESTORED_SLUG]).count() for table in TABLES}
        restored["reviews.auditevent"] -= 1  # the restore's own entry
        result = {"same_counts": counts == restored, "rows": sum(counts.values())}
    for folder in ("imports", "fulltexts"):
        for review in reviews.values():
            shutil.rmtree(Path(settings.MEDIA_ROOT) / folder / str(review.pk), ignore_errors=True)
    print(json.dumps(result))


def _child() -> None:
    import django

    django.setup()
    started = time.perf_counter()
    summary = _populate()
    summary["populate_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))


def run() -> tuple[str, str]:
    result = measure()
    rows = [
        "| Direction | Seconds | CPU seconds of the process | Peak memory | Target | Load average at start |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for label, key in (("Export (`export_review`)", "export"), ("Restore (`import_review`)", "import")):
        figures = result[key]
        met = figures["seconds"] <= TARGET_SECONDS and figures["peak_mb"] <= TARGET_PEAK_MB
        rows.append(
            f"| {label} | {figures['seconds']} | {figures['cpu_seconds']} | {figures['peak_mb']} MB | "
            f"≤ {TARGET_SECONDS} s, ≤ 1 GB: {'met' if met else 'MISSED'} | {figures['load']} |"
        )
    same = "the same" if result["same_counts"] else "NOT the same"
    body = (
        f"One review of {result['records']:,} study records, each with its source record and raw fields "
        f"(abstracts of about 1,500 characters), in {result['batches']} import batches with their files, "
        f"title/abstract rows for every record and {result['decisions']:,} decisions with their history entries, "
        f"and {result['pdfs']} records at full text with a {PDF_PAGES}-page PDF: {result['rows']:,} rows, written "
        "straight into the tables. `export_review` writes the archive, then `import_review` restores it as a new "
        "review, each in a process of its own. Peak memory is the process's; besides its own CPU time, a "
        "direction waits for PostgreSQL and for the cores, which other work may share (the load average says "
        f"how busy they were). The archive: {result['archive_mb']} MB; the restored review's row counts are "
        f"{same} as the original's.\n\n" + "\n".join(rows)
    )
    print("\n".join(rows))
    return "Backup and restore speed", body


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    elif len(sys.argv) == 3 and sys.argv[1] == "--export":
        _command("export_review", SLUG, "--output", sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--import":
        _command("import_review", sys.argv[2], "--slug", RESTORED_SLUG)
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        _check()
