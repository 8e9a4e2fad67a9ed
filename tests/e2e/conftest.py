"""Real-browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

* One browser for the whole session; every test gets a fresh context and page (``page``), and can open
  more isolated contexts with ``new_page()`` (two reviewers side by side, each with their own cookies).
* No browser is ever downloaded: the tests use ``/usr/bin/chromium`` and skip when it is missing.
* A failing test leaves a full-page screenshot and the page's HTML in ``var/e2e-artifacts/``.
* ``live_server`` makes the tests transactional: data made in the test is committed, so the server's
  thread sees it, and the database is flushed afterwards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"Debian chromium not installed at {CHROMIUM}: apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Modest, so that a broken test fails in seconds rather than hanging for Playwright's default 30 s.
TIMEOUT_MS = 10_000
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = E2E_DIR.parents[1] / "var" / "e2e-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything in tests/e2e ``e2e``, and skip it all up front when there is no chromium."""
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING) if not CHROMIUM.exists() else None
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item (``item.rep_setup``, ``rep_call``) for the page fixture."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    # Playwright's sync API runs an asyncio event loop in this (the main) thread for as long as it is
    # started. Django sees that running loop and refuses ORM calls from the test ("You cannot call this
    # from an async context"), although the test code is plain synchronous code. So allow it, for exactly
    # the span in which Playwright runs, and put things back afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        expect.set_options(timeout=TIMEOUT_MS)
        yield playwright
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
    """``new_page()`` gives a page in a fresh browser context: its own cookies, so its own login."""
    contexts = []
    pages: list[Page] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make

    if _failed(request.node):
        for number, page in enumerate(pages, start=1):
            _save_artifacts(request.node, page, suffix="" if number == 1 else f"-page{number}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """The test's first page; later ``new_page()`` calls give the other people's pages."""
    return new_page()


def login(page: Page, live_server, username: str, password: str) -> None:
    """Log in through the real form and wait for the page it leads to."""
    login_path = "/accounts/login/"
    page.goto(f"{live_server.url}{login_path}")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in", exact=True).click()
    if urlsplit(page.url).path == login_path:
        alerts = page.get_by_role("alert").all_inner_texts()
        raise AssertionError(
            f"logging in as {username!r} failed: {' '.join(alerts) or 'still on the login page'}"
        )


def _failed(item: pytest.Item) -> bool:
    return any(getattr(getattr(item, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


def _save_artifacts(item: pytest.Item, page: Page, suffix: str) -> None:
    if page.is_closed():
        return
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS_DIR / (re.sub(r"[^\w.-]+", "_", item.name) + suffix)
    saved = []
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        saved.append(f"{stem}.png")
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        saved.append(f"{stem}.html")
    except Exception as error:  # the browser may be what broke; say so rather than hide the test's failure
        saved.append(f"(could not save everything: {error})")
    reporter = item.config.pluginmanager.get_plugin("terminalreporter")
    message = f"e2e artifacts for {item.nodeid} ({page.url}): {', '.join(saved)}"
    if reporter is not None:
        reporter.write_line(message)
    else:
        print(message)
