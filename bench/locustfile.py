"""A team screening at once, the way the browser does it: run by ``python -m bench.load``, not on its own.

Each user logs in as a reviewer of its own (rev01, rev02, ... in the order the users start), opens the
screening page (the "next record" address, which redirects to the record it leases), reads for a second,
decides with htmx (the CSRF token from the page's ``hx-headers``, ``HX-Request``), and goes on with the
record the response names in ``HX-Push-Url``. A refused decision (the record already has every decision it
needs) is a success under a name of its own; the reviewer then asks for the next record, as the panel's
"Next record" button does.

The measured window starts once every user has logged in and opened its first record (the log-ins, a
second of password hashing each, are not what is measured) and lasts ``TANDEM_LOAD_SECONDS``; then the users
stop, each after its request in flight, and the figures go to ``TANDEM_LOAD_OUT`` (JSON). Every accepted
decision is appended to ``TANDEM_LOAD_DECISIONS`` for the integrity check.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, constant, events, task

SLUG = os.environ.get("TANDEM_LOAD_SLUG", "bench")
PASSWORD = os.environ.get("TANDEM_LOAD_PASSWORD", "")
USERS = int(os.environ.get("TANDEM_LOAD_USERS", "1"))
SECONDS = float(os.environ.get("TANDEM_LOAD_SECONDS", "60"))
OUT = os.environ.get("TANDEM_LOAD_OUT", "load.json")
DECISIONS = os.environ.get("TANDEM_LOAD_DECISIONS", "decisions.txt")

SCREEN_URL = f"/r/{SLUG}/screen/title-abstract/"
RECORD_URL = re.compile(rf"^/r/{re.escape(SLUG)}/screen/title-abstract/\d+/$")
DECIDE_ACTION = re.compile(r'hx-post="(/r/[^"]+/decide/)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFUSED = "already has every decision it needs"
CHOICES = ("include", "exclude", "maybe")
PERCENTILES = (0.5, 0.95, 0.99)

_reviewers = itertools.count(1)
_ready = itertools.count(1)
_window: dict = {}
# Why reviewers had no record to decide and asked for the next one (rather than take it from HX-Push-Url),
# from the log-ins on.
_asked_again: dict[str, int] = {}


def _ask_again(reason: str) -> None:
    _asked_again[reason] = _asked_again.get(reason, 0) + 1


class Reviewer(FastHttpUser):
    wait_time = constant(1)
    # As long as gunicorn lets a request run: a hundred log-ins at once queue for the workers a while.
    network_timeout = connection_timeout = 120.0

    def on_start(self) -> None:
        self.username = f"rev{next(_reviewers):02d}"
        self.decide_url: str | None = None
        self.csrf_token = ""
        try:
            self._log_in()
        finally:
            if next(_ready) == USERS:
                _window_open(self.environment)

    def _log_in(self) -> None:
        # The screening link sends someone logged out to the log-in page, which brings them back to it.
        page = self.client.get(f"/accounts/login/?next={SCREEN_URL}", name="login page")
        token = CSRF_FIELD.search(page.text or "")
        form = {
            "username": self.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "next": SCREEN_URL,
        }
        with self.client.post(
            "/accounts/login/", data=form, name="login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or response.headers.get("Location") != SCREEN_URL:
                response.failure(f"{self.username} not logged in ({response.status_code})")
                return
        self._next()

    def _next(self) -> None:
        with self.client.get(SCREEN_URL, name="next", catch_response=True) as response:
            html = response.text or ""
            if response.status_code != 200:
                response.failure(f"next: {response.status_code}")
                return
            token = CSRF_HEADER.search(html)
            if token:
                self.csrf_token = token.group(1)
            action = DECIDE_ACTION.search(html)
            # No decide form: the record has all it needs, or nothing is left; the reviewer asks again.
            self.decide_url = action.group(1) if action else None
            if action is None:
                _ask_again("the page had no decision form")

    @task
    def screen(self) -> None:
        if self.decide_url is None:
            self._next()
            return
        choice = random.choice(CHOICES)
        record_url = self.decide_url.removesuffix("decide/")
        host = self.environment.host
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": host + record_url,
            "HX-Target": "screen-panel",
            "X-CSRFToken": self.csrf_token,
            "Origin": host,
            "Referer": host + record_url,
        }
        form = {"csrfmiddlewaretoken": self.csrf_token, "choice": choice, "note": ""}
        with self.client.post(
            self.decide_url, data=form, headers=headers, name="decide", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"decide: {response.status_code}")
                self.decide_url = None
                _ask_again("the decision failed")
                return
            if REFUSED in (response.text or ""):
                response.request_meta["name"] = "decide (refused)"
                response.success()
                self.decide_url = None
                _ask_again("the decision was refused")
                return
            _accepted(self.username, record_url, choice)
            pushed = response.headers.get("HX-Push-Url", "")
            self.decide_url = pushed + "decide/" if RECORD_URL.match(pushed) else None
            if self.decide_url is None:
                _ask_again(f"HX-Push-Url named no record ({pushed or 'none'})")
            if not pushed:
                response.failure("decide: no HX-Push-Url")


def _accepted(username: str, record_url: str, choice: str) -> None:
    record_id = record_url.rstrip("/").rsplit("/", 1)[1]
    with open(DECISIONS, "a") as decisions:
        decisions.write(f"{username} {record_id} {choice}\n")


def _summary(environment) -> dict:
    stats = environment.stats
    entries = {}
    for (name, method), entry in stats.entries.items():
        entries[name] = {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            **{f"p{round(p * 100)}": entry.get_response_time_percentile(p) for p in PERCENTILES},
        }
    errors = [
        {"name": error.name, "error": str(error.error), "occurrences": error.occurrences}
        for error in stats.errors.values()
    ]
    return {"entries": entries, "errors": errors}


def _window_open(environment) -> None:
    """Every user is logged in and has a record: measure from here, for SECONDS, then stop."""
    _window["before"] = _summary(environment)
    environment.stats.reset_all()
    _window["start"] = time.time()
    _window["load_start"] = os.getloadavg()[0]

    def close() -> None:
        gevent.sleep(SECONDS)
        _window["end"] = time.time()
        _window["load_end"] = os.getloadavg()[0]
        environment.runner.quit()

    gevent.spawn(close)


@events.quitting.add_listener
def _write(environment, **_kwargs) -> None:
    _window["stopped"] = time.time()
    _window["during"] = _summary(environment)
    _window["asked_again"] = _asked_again
    with open(OUT, "w") as out:
        json.dump(_window, out, indent=1)
