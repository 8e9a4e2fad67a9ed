"""make bench-load: a whole team screening at once, against gunicorn as deployed.

The review of ``bench/page_speed.py`` (100,000 records, half of them decided by ten pairs) in a database of
its own, with its team grown to 100 deciding reviewers (two decisions a record, as before). gunicorn serves
it as the Dockerfile does (3 sync workers, DEBUG off, PostgreSQL, Redis for the cache), and locust
(``bench/locustfile.py``, installed into a virtualenv of its own under ``var/bench/load/``) plays 50, then
100 reviewers doing what the browser does, with a second's thought before each decision. Nothing is reset
between the two runs but the reviewers handed out: the second starts where the first left the review.

Figures per run: client time per request (locust) and server time per request (gunicorn's access log),
decisions accepted per second (the rows the database gained in the measured window), refused decisions,
errors; afterwards the integrity of what was stored. A benchmark measures: nothing here fails on a figure.

python -m bench.load                 # 50 then 100 reviewers, 60 s each
python -m bench.load --users 5 --seconds 10 --records 2000 --keep-database   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

BENCH_DB = "tandem_bench_load"
RECORDS = 100_000
REVIEWERS = 100
TEAMS = (50, 100)
SECONDS = 60
SPAWN_RATE = 10
# A Redis database of its own for the cache (and any job queued), emptied before and after.
REDIS_DB = 14
WORKERS = 3  # as the Dockerfile's CMD and docker-compose.yml
LOCUST_VERSION = "2.47.0"
LOAD_DIR = PROJECT_ROOT / "var" / "bench" / "load"
LOCUST = LOAD_DIR / "venv" / "bin" / "locust"
SCREEN_PATH = re.compile(r"^/r/[^/]+/screen/title-abstract/(?:(\d+)/(decide/)?)?$")
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(D)s'
ACCESS_LINE = re.compile(r'^\[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+)$')
PERCENTILES = (50, 95, 99)


# --- Setting up --------------------------------------------------------------------------------------


def _locust() -> Path:
    """locust in a virtualenv of its own: never in the project's."""
    if LOCUST.exists():
        version = subprocess.run([LOCUST, "--version"], capture_output=True, text=True).stdout
        if LOCUST_VERSION in version:
            return LOCUST
    LOAD_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", LOAD_DIR / "venv"], check=True)
    pip = LOAD_DIR / "venv" / "bin" / "pip"
    subprocess.run(
        [pip, "install", "--quiet", "--disable-pip-version-check", f"locust=={LOCUST_VERSION}"], check=True
    )
    return LOCUST


def _environment(password: str) -> dict[str, str]:
    """The settings gunicorn runs with, deployed but for TLS: plain HTTP on localhost."""
    from bench.import_speed import ADMIN_URL
    from bench.import_speed import _environment as bench_environment

    env = bench_environment(ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        TANDEM_VAR_DIR=str(LOAD_DIR / "var"),
        STATIC_ROOT=str(LOAD_DIR / "static"),
        TANDEM_LOAD_PASSWORD=password,
    )
    return env


def _redis_flush() -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


def _database_create(env: dict[str, str], records: int) -> dict:
    """A fresh database with page_speed's review, its team grown to REVIEWERS; returns what was written."""
    from bench.import_speed import run_isolated

    return run_isolated("bench.load", str(records), database=BENCH_DB, child_env=env, flag="--populate")


def _team_complete(password: str) -> None:
    """rev01..rev100 reviewers of the benchmark review, each with the password the users log in with."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from bench.page_speed import SLUG
    from reviews.models import Review, Role
    from reviews.services import membership_add

    User = get_user_model()
    review = Review.objects.get(slug=SLUG)
    owner = User.objects.get(username="olive")
    existing = set(User.objects.filter(username__startswith="rev").values_list("username", flat=True))
    for number in range(1, REVIEWERS + 1):
        username = f"rev{number:02d}"
        if username not in existing:
            reviewer = User.objects.create(username=username)
            membership_add(actor=owner, review=review, user=reviewer, roles={Role.REVIEWER})
    # One hash for all: hashing a hundred passwords one by one would take longer than the rest of the set-up.
    User.objects.filter(username__startswith="rev").update(password=make_password(password))


def _populate_child(records: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.page_speed import _populate

    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    summary = _populate(records)
    _team_complete(os.environ["TANDEM_LOAD_PASSWORD"])
    summary["populate_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn_start(env: dict[str, str], port: int, access_log: Path) -> subprocess.Popen:
    access_log.unlink(missing_ok=True)
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "120",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
    ]
    errors = open(LOAD_DIR / "gunicorn.log", "w")  # noqa: SIM115 (the server keeps it open)
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=errors, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {LOAD_DIR / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within a minute")


def _gunicorn_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- Measuring ----------------------------------------------------------------------------------------


def _locust_run(locust: Path, env: dict[str, str], port: int, users: int, seconds: int) -> dict:
    prefix = LOAD_DIR / f"users{users}"
    out, decisions = Path(f"{prefix}.json"), Path(f"{prefix}-decisions.txt")
    out.unlink(missing_ok=True)
    decisions.write_text("")
    # The window closes itself after the log-ins; the run time only stops a run whose log-ins never end.
    cap = users / SPAWN_RATE + 120 + seconds
    locust_env = dict(
        env,
        TANDEM_LOAD_USERS=str(users),
        TANDEM_LOAD_SECONDS=str(seconds),
        TANDEM_LOAD_OUT=str(out),
        TANDEM_LOAD_DECISIONS=str(decisions),
    )
    started = time.time()
    subprocess.run(
        [
            str(locust),
            "-f",
            str(PROJECT_ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(SPAWN_RATE),
            "--host",
            f"http://127.0.0.1:{port}",
            "--run-time",
            f"{int(cap)}s",
            "--stop-timeout",
            "30",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=LOAD_DIR,
        env=locust_env,
        timeout=cap + 120,
    )
    result = json.loads(out.read_text())
    result.update(users=users, run_started=started, run_stopped=time.time())
    result["accepted_log"] = [line.split() for line in decisions.read_text().splitlines()]
    return result


def _server_times(access_log: Path, start: float, end: float) -> dict[str, list[float]]:
    """Server time (ms) per endpoint from gunicorn's access log, for requests logged within the window."""
    times: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        match = ACCESS_LINE.match(line)
        if not match:
            continue
        stamp, method, path, status, micros = match.groups()
        logged = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if not start <= logged < end + 1:  # the log's clock is in whole seconds
            continue
        screen = SCREEN_PATH.match(path.split("?")[0])
        if screen is None:
            name = "login" if path.startswith("/accounts/login/") else "other"
        elif screen.group(2):
            name = "decide (accepted or refused)"
        elif screen.group(1):
            name = "next: the record page"
        else:
            name = "next: the lease and redirect"
        times.setdefault(name, []).append(int(micros) / 1000)
        if status.startswith("5"):
            times.setdefault("5xx", []).append(int(micros) / 1000)
    return times


def _percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        return {f"p{p}": round(samples[0], 1) if samples else 0.0 for p in PERCENTILES}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {f"p{p}": round(cuts[p - 1], 1) for p in PERCENTILES}


def _database_figures(start: float, end: float, run_started: float) -> dict:
    import psycopg

    from bench.import_speed import ADMIN_URL

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB) as connection:
        in_window, in_run = connection.execute(
            "SELECT count(*) FILTER (WHERE created_at >= to_timestamp(%s) AND created_at < to_timestamp(%s)),"
            " count(*) FILTER (WHERE created_at >= to_timestamp(%s)) FROM screening_decision",
            [start, end, run_started],
        ).fetchone()
    return {"accepted_in_window": in_window, "created_in_run": in_run}


def _integrity(accepted: list[list[str]]) -> dict:
    """What the database holds after both runs, checked in SQL; each item is a count of violations."""
    import psycopg

    from bench.import_speed import ADMIN_URL
    from bench.page_speed import SLUG

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB) as connection:
        run = connection.execute
        duplicates = run(
            "SELECT count(*) FROM (SELECT 1 FROM screening_decision GROUP BY record_id, stage, reviewer_id"
            " HAVING count(*) > 1) AS twice"
        ).fetchone()[0]
        miscounted = run(
            "SELECT count(*) FROM screening_recordstage AS rs LEFT JOIN (SELECT record_id, stage, count(*) AS n"
            " FROM screening_decision GROUP BY record_id, stage) AS d USING (record_id, stage)"
            " WHERE rs.decision_count <> coalesce(d.n, 0)"
        ).fetchone()[0]
        overfull = run(
            "SELECT count(*) FROM (SELECT d.record_id FROM screening_decision AS d"
            " JOIN reviews_review AS r ON r.id = d.review_id WHERE d.stage = 'title_abstract'"
            " GROUP BY d.record_id, r.reviewers_per_record HAVING count(*) > r.reviewers_per_record) AS over"
        ).fetchone()[0]
        stored = {
            (username, str(record_id)): choice
            for username, record_id, choice in run(
                "SELECT u.username, d.record_id, d.choice FROM screening_decision AS d"
                " JOIN auth_user AS u ON u.id = d.reviewer_id JOIN reviews_review AS r ON r.id = d.review_id"
                " WHERE r.slug = %s AND d.stage = 'title_abstract' AND u.username LIKE 'rev%%'",
                [SLUG],
            )
        }
    last_choice = {(username, record_id): choice for username, record_id, choice in accepted}
    missing = sum(1 for pair in last_choice if pair not in stored)
    changed = sum(1 for pair, choice in last_choice.items() if pair in stored and stored[pair] != choice)
    return {
        "accepted decisions (distinct reviewer and record)": len(last_choice),
        "duplicate decisions (record, stage, reviewer)": duplicates,
        "stages whose decision count differs from their decisions": miscounted,
        "title/abstract records with more decisions than reviewers per record": overfull,
        "accepted decisions not stored": missing,
        "accepted decisions stored with another choice": changed,
    }


def _run_figures(result: dict, access_log: Path) -> dict:
    start, end = result["start"], result["end"]
    seconds = end - start
    during = result["during"]["entries"]
    server = _server_times(access_log, start, end)
    database = _database_figures(start, end, result["run_started"])
    accepted = during.get("decide", {}).get("requests", 0)
    refused = during.get("decide (refused)", {}).get("requests", 0)
    failures = sum(entry["failures"] for entry in during.values())
    before = result["before"]["entries"]
    return {
        "users": result["users"],
        "seconds": round(seconds, 1),
        "load_start": round(result["load_start"], 2),
        "load_end": round(result["load_end"], 2),
        "client": during,
        "server": {name: {"requests": len(times), **_percentiles(times)} for name, times in server.items()},
        "accepted_per_second": round(database["accepted_in_window"] / seconds, 1),
        "accepted_in_window": database["accepted_in_window"],
        "accepted_by_client": accepted,
        "refused": refused,
        "refused_share": round(100 * refused / (accepted + refused), 2) if accepted + refused else 0.0,
        "errors": failures + len(server.get("5xx", [])),
        "errors_before_window": sum(entry["failures"] for entry in before.values()),
        "error_messages": result["during"]["errors"] + result["before"]["errors"],
        "login": before.get("login", {}),
        "asked_again": result.get("asked_again", {}),
        "created_in_run": database["created_in_run"],
        "accepted_in_run": len({(username, record) for username, record, _ in result["accepted_log"]}),
    }


# --- Reporting ----------------------------------------------------------------------------------------


CLIENT_ROWS = ("next", "decide", "decide (refused)")
SERVER_ROWS = ("next: the lease and redirect", "next: the record page", "decide (accepted or refused)")


def _cells(figures: dict) -> str:
    return " / ".join(f"{figures.get(f'p{p}', 0):g}" for p in PERCENTILES)


def _table(runs: list[dict]) -> str:
    header = "| Requests | " + " | ".join(
        f"{run['users']} reviewers: count, p50 / p95 / p99 ms" for run in runs
    )
    rows = [header + " |", "|---|" + "---:|" * len(runs)]
    for name in CLIENT_ROWS:
        cells = []
        for run in runs:
            figures = run["client"].get(name, {})
            cells.append(f"{figures.get('requests', 0):,}, {_cells(figures)}" if figures else "none")
        rows.append(f"| client: {name} | " + " | ".join(cells) + " |")
    for name in SERVER_ROWS:
        cells = []
        for run in runs:
            figures = run["server"].get(name, {})
            cells.append(f"{figures.get('requests', 0):,}, {_cells(figures)}" if figures else "none")
        rows.append(f"| server: {name} | " + " | ".join(cells) + " |")
    summary = [
        ("decisions accepted per second (database)", lambda run: f"{run['accepted_per_second']}"),
        (
            "… per reviewer per minute",
            lambda run: f"{60 * run['accepted_per_second'] / run['users']:.1f}",
        ),
        (
            "refused decisions",
            lambda run: f"{run['refused']:,} ({run['refused_share']} % of decisions sent)",
        ),
        ("errors (failed requests, server errors)", lambda run: f"{run['errors']}"),
        (
            "log-ins before the window: count, p50 / p95 / p99 ms",
            lambda run: f"{run['login'].get('requests', 0)}, {_cells(run['login'])}",
        ),
        (
            "load average (1 min) at the window's start, end",
            lambda run: f"{run['load_start']}, {run['load_end']}",
        ),
    ]
    for label, cell in summary:
        rows.append(f"| {label} | " + " | ".join(cell(run) for run in runs) + " |")
    return "\n".join(rows)


def _integrity_text(integrity: dict) -> str:
    violations = {
        label: count for label, count in integrity.items() if not label.startswith("accepted decisions (")
    }
    found = {label: count for label, count in violations.items() if count}
    total = integrity["accepted decisions (distinct reviewer and record)"]
    if not found:
        return (
            f"Integrity afterwards: the {total:,} decisions the reviewers saw accepted are each stored once, "
            "with the choice they last sent; no record, stage and reviewer has two decisions; every stage's "
            "decision count equals its decisions; no title/abstract record has more decisions than the review "
            "asks for."
        )
    return "Integrity afterwards: VIOLATIONS: " + "; ".join(
        f"{label}: {count:,}" for label, count in found.items()
    )


def _report(
    populated: dict, runs: list[dict], integrity: dict, load_at_start: float, seconds: int
) -> tuple[str, str]:
    from bench.page_speed import PAIRS

    rows = _table(runs)
    first, last = runs[0], runs[-1]
    growth = (
        f"From {first['users']} to {last['users']} reviewers the decisions accepted per second went from "
        f"{first['accepted_per_second']} to {last['accepted_per_second']} "
        f"({'grew' if last['accepted_per_second'] > first['accepted_per_second'] else 'did not grow'}); "
        "a reviewer who never waited for the server would send a decision every second plus the request's "
        "own time (up to 60 a minute). "
        if len(runs) > 1
        else ""
    )
    cross_checks = "; ".join(
        f"{run['users']} reviewers: {run['created_in_run']:,} decision rows added during the run, "
        f"{run['accepted_in_run']:,} accepted as the client saw it"
        for run in runs
    )
    asked_again = "; ".join(
        f"{run['users']} reviewers: "
        + (", ".join(f"{count} × {reason}" for reason, count in run["asked_again"].items()) or "never")
        for run in runs
    )
    errors = [message for run in runs for message in run["error_messages"]]
    error_text = (
        " Errors: " + "; ".join(f"{e['name']}: {e['error']} ({e['occurrences']}×)" for e in errors[:8]) + "."
        if errors
        else ""
    )
    body = (
        f"A whole team screening at once (`make bench-load`, `bench/load.py` and `bench/locustfile.py`): "
        f"the review of the page-speed benchmark ({populated['records']:,} records, {populated['decisions']:,} "
        f"decisions by {PAIRS} pairs) with its team grown to {REVIEWERS} deciding reviewers, two decisions a "
        f"record. gunicorn as the Dockerfile runs it ({WORKERS} sync workers, DEBUG off, PostgreSQL, Redis "
        "as the cache), on this machine with locust beside it; locust's users do what the browser does: log "
        "in, open the screening page (the next record: a lease and a redirect), a second's thought, an htmx "
        "decision whose response is the next record's panel (its address in `HX-Push-Url`), and so on; a "
        "refused decision (the record already has every decision it needs) counts apart, and its reviewer "
        f"asks for the next record. {runs[0]['users']}, then {runs[-1]['users']} reviewers, each run "
        f"{seconds} s measured from the moment every user had logged in (spawned at {SPAWN_RATE} a second); "
        "nothing reset between the runs. Client time is locust's (it rounds above 100 ms); server time "
        "is gunicorn's for the request in its worker, so client minus server is mostly time spent waiting "
        "for a free worker. Decisions accepted per second are the rows the database gained in the window.\n\n"
        f"Load average (1 min) when the benchmark began: {load_at_start:.2f} on {os.cpu_count()} cores "
        "(other work may have been running; the figures are this machine's, at that moment).\n\n"
        + rows
        + f"\n\n{growth}{_integrity_text(integrity)} Cross-check: {cross_checks}.{error_text}\n\n"
        "Reviewers had no record to decide and asked for the next one (rather than take the one a decision's "
        f"response named), from their log-ins on: {asked_again}."
    )
    teams = " and ".join(str(run["users"]) for run in runs)
    return f"Load: a team of {teams} reviewers screening at once", body


# --- Main ---------------------------------------------------------------------------------------------


def main(users: list[int], seconds: int, records: int, keep_database: bool) -> None:
    from bench.machine import describe
    from bench.report import write_section

    load_at_start = os.getloadavg()[0]
    print(f"load average {load_at_start:.2f}; installing locust into {LOCUST.parent.parent}", flush=True)
    locust = _locust()
    password = secrets.token_urlsafe(16)
    env = _environment(password)
    server = None
    try:
        _redis_flush()
        print(f"populating {BENCH_DB} ({records:,} records, {REVIEWERS} reviewers)", flush=True)
        populated = _database_create(env, records)
        print(f"written in {populated['populate_seconds']} s", flush=True)
        port = _free_port()
        access_log = LOAD_DIR / "access.log"
        server = _gunicorn_start(env, port, access_log)
        runs, accepted = [], []
        for team in users:
            print(f"{team} reviewers for {seconds} s after their log-ins", flush=True)
            result = _locust_run(locust, env, port, team, seconds)
            accepted += result["accepted_log"]
            runs.append(_run_figures(result, access_log))
        _gunicorn_stop(server)
        server = None
        integrity = _integrity(accepted)
    finally:
        if server is not None:
            _gunicorn_stop(server)
        _redis_flush()
        if not keep_database:
            import psycopg

            from bench.import_speed import ADMIN_URL

            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    title, body = _report(populated, runs, integrity, load_at_start, seconds)
    print(_table(runs))
    print(_integrity_text(integrity))
    for run in runs:
        print(f"{run['users']} reviewers had no record to decide: {run['asked_again'] or 'never'}")
    (LOAD_DIR / "figures.json").write_text(json.dumps({"runs": runs, "integrity": integrity}, indent=1))
    if records != RECORDS:
        print(f"A look at {records:,} records: docs/performance.md left as it was.")
        return
    write_section("load", title, body, describe())
    print(f"Results written to {PROJECT_ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--populate"]:
        _populate_child(int(sys.argv[2]))
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--users", type=int, nargs="+", default=list(TEAMS), help="one run per team size")
        parser.add_argument("--seconds", type=int, default=SECONDS, help="measured seconds per run")
        parser.add_argument("--records", type=int, default=RECORDS, help="records in the review")
        parser.add_argument("--keep-database", action="store_true", help=f"leave {BENCH_DB} for a look")
        arguments = parser.parse_args()
        if max(arguments.users) > REVIEWERS:
            parser.error(f"at most {REVIEWERS} reviewers")
        main(arguments.users, arguments.seconds, arguments.records, arguments.keep_database)
