"""Import and deduplicate five exports end to end on PostgreSQL, at 20,000 and 100,000 records.

Each size runs in a fresh database and a fresh process, so the peak memory reported is that import's;
warm (the five files in one process) and cold (each file in a process of its own).
Targets (issues: import, team-scale screening): 20,000 records <= 10 s, 100,000 <= 60 s, peak memory
<= 1 GB, cold as well as warm.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SIZES = (20_000, 100_000)
TARGET_SECONDS = {20_000: 10, 100_000: 60}
TARGET_PEAK_MB = 1024
ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "tandem_bench"


def _fresh_database(name: str = BENCH_DB) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("REDIS_URL", None)  # the job runs in this process, as import_records does
    env["TANDEM_VAR_DIR"] = str(PROJECT_ROOT / "var" / "bench")
    return env


def run_isolated(
    module: str,
    *arguments: str,
    database: str = BENCH_DB,
    child_env: dict[str, str] | None = None,
    flag: str = "--child",
) -> dict:
    """Run ``python -m module --child ...`` against a fresh, migrated database; return its last JSON line.

    A process of its own, so that its peak memory is the benchmark's alone. ``child_env`` is laid over the
    environment the database was migrated with (DEBUG off as deployed, say).
    """
    env = _environment(_fresh_database(database))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_ROOT, env=env, check=True
    )
    output = subprocess.run(
        [sys.executable, "-m", module, flag, *arguments],
        cwd=PROJECT_ROOT,
        env={**env, **(child_env or {})},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(total: int) -> dict:
    """Warm: the five files one after another in one process, as one worker importing them in turn."""
    files, studies = _exports_on_disk(total)
    result = run_isolated("bench.import_speed", *(f"{database}={path}" for database, path in files))
    return {**result, "studies": studies}


def measure_cold(total: int) -> dict:
    """Cold: each file in a freshly started process, as five `import_records` runs or a worker restarted
    between files get it; nothing is carried from one file to the next but the database."""
    files, studies = _exports_on_disk(total)
    env = _environment(_fresh_database())
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_ROOT, env=env, check=True
    )
    per_file = []
    for database, path in files:
        process_started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, "-m", "bench.import_speed", "--child-file", f"{database}={path}"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        row["process_seconds"] = round(time.perf_counter() - process_started, 2)
        per_file.append(row)
    return {
        "records": sum(row["records"] for row in per_file),
        "studies": studies,
        "seconds": round(sum(row["seconds"] for row in per_file), 2),
        "process_seconds": round(sum(row["process_seconds"] for row in per_file), 2),
        "peak_mb": max(row["peak_mb"] for row in per_file),
        "files": per_file,
    }


def _exports_on_disk(total: int) -> tuple[list[tuple[str, Path]], int]:
    """The five exports written to files, so that the importing process holds only what an upload gives it
    (a file on disk), not the benchmark's generated data; [(database, path)] and the number of studies."""
    from bench.synthetic_exports import make_exports

    exports, studies = make_exports(total)
    folder = PROJECT_ROOT / "var" / "bench" / "exports" / str(total)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for database, filename, content in exports:
        (folder / filename).write_bytes(content)
        files.append((database, folder / filename))
    return files, studies


def _import_one(owner, review, database: str, path: Path) -> dict:
    """One export through the job the Import page runs, uploaded from its file as an upload is."""
    from django.core.files import File

    from reviews.models import ImportBatch
    from reviews.services.imports import import_batch_create, import_batch_run

    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_batch_create(
            actor=owner,
            review=review,
            uploaded=File(handle, name=path.name),
            source_name=database,
            enqueue=False,
        )
    batch = import_batch_run(batch_id=batch.pk)
    if batch.status != ImportBatch.Status.DONE:
        raise SystemExit(f"{path} failed: {batch.error}")
    return {
        "file": path.name,
        "records": batch.records_count,
        "auto_merged": batch.auto_merged,
        "possible_duplicates": batch.possible_duplicates,
        "seconds": round(time.perf_counter() - started, 2),
        "timings": batch.timings,
    }


def _bench_review():
    from django.contrib.auth import get_user_model

    from reviews.models import Review
    from reviews.services import review_create

    owner, _ = get_user_model().objects.get_or_create(username="bench")
    review = Review.objects.filter(slug="bench").first() or review_create(
        actor=owner, owner=owner, slug="bench", title="Benchmark"
    )
    return owner, review


def _peak_mb() -> int:
    """This process's peak resident memory. Linux's VmHWM, not getrusage: a process started by one that
    held more (the benchmark with its generated exports) inherits that figure in ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _worker_setup() -> None:
    """Django set up and the task modules loaded, as a Celery worker has them before its first job arrives
    (it imports them when it starts); the job's seconds then count the job, not Python importing code."""
    import django

    django.setup()
    import reviews.tasks  # noqa: F401


def _child_file(argument: str) -> None:
    """One file (DATABASE=PATH) into the benchmark review (made by the first file), in this fresh process."""
    _worker_setup()
    database, path = argument.split("=", 1)
    owner, review = _bench_review()
    print(json.dumps({**_import_one(owner, review, database, Path(path)), "peak_mb": _peak_mb()}))


def _child(arguments: list[str]) -> None:
    """The files (DATABASE=PATH each) one after another in this process, then the pages at that size."""
    _worker_setup()
    owner, review = _bench_review()
    started = time.perf_counter()
    per_file = []
    for argument in arguments:
        database, path = argument.split("=", 1)
        per_file.append(_import_one(owner, review, database, Path(path)))
    seconds = time.perf_counter() - started
    summary = {
        "records": sum(row["records"] for row in per_file),
        "seconds": round(seconds, 2),
        "peak_mb": _peak_mb(),
        "files": per_file,
        "pages": _page_timings(owner, review.slug),
    }
    print(json.dumps(summary))


PAGES = {
    "Records, first page": "/r/{slug}/records/",
    "Records, search “quality”": "/r/{slug}/records/?q=quality",
    "Records, DOI search": "/r/{slug}/records/?q=10.1",
    "Records, from Embase": "/r/{slug}/records/?source=Embase",
    "Records, page 200": "/r/{slug}/records/?page=200",
    "Possible duplicates": "/r/{slug}/duplicates/",
}


def _page_timings(owner, slug: str) -> dict[str, float]:
    """Median server time of the pages a person opens at this size (5 requests each, after one warm-up)."""
    import statistics

    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    timings = {}
    for label, path in PAGES.items():
        url = path.format(slug=slug)
        client.get(url)
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        timings[label] = round(statistics.median(samples) * 1000)
    return timings


def run() -> tuple[str, str]:
    rows = [
        "| Records (5 files) | Processes | Made-up studies | Merged automatically | Possible pairs | Seconds "
        "| Per file: parse / deduplicate / write | Target | Peak memory |"
    ]
    rows.append("|---:|---|---:|---:|---:|---:|---|---|---:|")
    details, pages = [], []
    for total in SIZES:
        for mode, result in (("warm", measure(total)), ("cold", measure_cold(total))):
            rows.append(_result_row(total, mode, result))
            if "pages" in result:
                pages.append((total, result["pages"]))
            details.append(
                f"{total:,}, {mode}: "
                + "; ".join(
                    f"{row['file']} {row['records']:,} records in {row['seconds']} s"
                    for row in result["files"]
                )
                + (
                    f" (each process {result['process_seconds'] - result['seconds']:.1f} s longer in all: "
                    "starting Python and Django before the job)"
                    if mode == "cold"
                    else ""
                )
            )
            print(rows[-1], flush=True)
    body = (
        "Five made-up exports of real size (MEDLINE nbib, Embase and PsycINFO Ovid RIS, CINAHL EBSCO RIS, "
        "Scopus CSV; abstracts of about 1,500 characters and the other fields those exports carry; "
        "`bench/synthetic_exports.py`) imported into one review through the same job the Import page runs: "
        "read, parse, deduplicate against everything already imported, write with COPY, in one transaction "
        "per file. Warm: the five files one after another in one process (one worker importing them in turn). "
        "Cold: each file in a freshly started process, as `import_records` runs or a restarted worker get it; "
        "seconds are the jobs' own, from upload to done. Each size and mode in a fresh database.\n\n"
        + "\n".join(rows)
        + "\n\nPer file: \n\n"
        + "\n".join(f"- {line}" for line in details)
        + "\n\nPages at that size (median server time of 5 requests, ms; target: fast at 100,000 records):\n\n"
        + _pages_table(pages)
    )
    return "Import and deduplication speed", body


def _result_row(total: int, mode: str, result: dict) -> str:
    merged = sum(row["auto_merged"] for row in result["files"])
    pairs = sum(row["possible_duplicates"] for row in result["files"])
    phases = {
        phase: round(sum(row["timings"].get(phase, 0) for row in result["files"]), 1)
        for phase in ("parse", "deduplicate", "write")
    }
    ok = (
        "met"
        if result["seconds"] <= TARGET_SECONDS[total] and result["peak_mb"] <= TARGET_PEAK_MB
        else "MISSED"
    )
    processes = "one" if mode == "warm" else "one per file"
    return (
        f"| {result['records']:,} | {processes} | {result['studies']:,} | {merged:,} | {pairs:,} | "
        f"{result['seconds']} | {phases['parse']} / {phases['deduplicate']} / {phases['write']} | "
        f"≤ {TARGET_SECONDS[total]} s, ≤ 1 GB: {ok} | {result['peak_mb']} MB |"
    )


def _pages_table(pages: list[tuple[int, dict]]) -> str:
    labels = list(PAGES)
    rows = ["| Records | " + " | ".join(labels) + " |", "|---:|" + "---:|" * len(labels)]
    for total, timings in pages:
        rows.append(f"| {total:,} | " + " | ".join(str(timings[label]) for label in labels) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "--child-file":
        _child_file(sys.argv[2])
