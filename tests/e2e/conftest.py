"""Real-browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

* One browser for the whole session; every test gets a fresh context and page (``page``), and can open
  more isolated contexts with ``new_page()`` (two reviewers side by side, each with their own cookies).
* No browser is ever downloaded: the tests use ``/usr/bin/chromium`` and skip when it is missing.
* A failing test leaves a full-page screenshot and the page's HTML in ``var/e2e-artifacts/``.
* Every page a test visits is checked with axe-core (see ``AxeWatch``), and anything the Content Security
  Policy refuses (an inline style, say) fails the test too: the page silently lost it.
* ``live_server`` makes the tests transactional: data made in the test is committed, so the server's
  thread sees it, and the database is flushed afterwards.

Accessibility: every page these fixtures make is checked with axe-core (vendored in ``vendor/``, see its
README; nothing is fetched). Each context loads axe and ``axe_check.js`` before any page script, which
runs axe when a page of the app has loaded and again once an htmx swap has settled (a burst of swaps is
checked once, 150 ms after the last; markup the page already had when last checked is not checked again),
and reports to Python through the ``__tandemAxeReport`` binding. When the test body has passed, every
page still open is checked once more as it ends, and the test fails listing each violation of impact
"serious" or "critical", once per page URL and rule, with the rule's help text and the failing elements.
A test that already failed is not failed again for accessibility. Pages that are not HTML from the app
(about:blank, a PDF, a download) are skipped. A state that is left within a fraction of a second may be
missed: call ``assert_accessible(page)`` to check one right now.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

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
AXE_JS = E2E_DIR / "vendor" / "axe.min.js"
AXE_CHECK_JS = E2E_DIR / "axe_check.js"
# What axe_check.js defines on each page of the app: runs axe now, after any run in progress.
AXE_CHECK_NOW = "() => typeof window.__tandemAxeCheck === 'function' ? window.__tandemAxeCheck() : null"
AXE_TARGETS_SHOWN = 8


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After a test body that passed, check the pages still open, then fail on what axe found."""
    result = yield
    watch = item.stash.get(AXE_WATCH, None)
    if watch is not None:
        watch.check_open_pages()
        if watch.failed:
            pytest.fail(watch.failure_message(), pytrace=False)
    return result


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
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``new_page()`` gives a page in a fresh browser context: its own cookies, so its own login.

    ``new_page(viewport={"width": 390, "height": 844}, has_touch=True)`` gives a phone-sized one with a
    touch screen instead of a mouse: CSS then matches ``(hover: none) and (pointer: coarse)``.
    """
    contexts = []
    pages: list[Page] = []
    watch = request.node.stash.setdefault(AXE_WATCH, AxeWatch())

    def make(*, viewport: dict[str, int] | None = None, has_touch: bool = False) -> Page:
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, has_touch=has_touch, locale="en-GB"
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        watch.attach(context)
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


def open_as(new_page, live_server, user, path: str, *, viewport: dict[str, int] | None = None) -> Page:
    """A fresh page, logged in as ``user`` (whose password is the factories' ``TEST_PASSWORD``), at ``path``."""
    from tests.factories import TEST_PASSWORD

    page = new_page(viewport=viewport)
    login(page, live_server, user.get_username(), TEST_PASSWORD)
    page.goto(f"{live_server.url}{path}")
    return page


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


def assert_accessible(page: Page) -> None:
    """Check the page as it is now with axe; fail at once on a serious or critical violation."""
    result = page.evaluate(AXE_CHECK_NOW)
    if result is None:
        raise AssertionError(
            f"cannot check {page.url} with axe: not an HTML page of the app from the page/new_page fixtures"
        )
    watch = AxeWatch()
    watch.add(result)
    if watch.violations:
        raise AssertionError(watch.failure_message())


class AxeWatch:
    """The serious and critical axe violations on one test's pages, one entry per page URL and rule."""

    def __init__(self) -> None:
        self.contexts: list[BrowserContext] = []
        self.violations: dict[tuple[str, str], dict[str, Any]] = {}
        # What the Content Security Policy refused (an inline style or script, say): the page lost it.
        self.refused: set[tuple[str, str]] = set()

    def attach(self, context: BrowserContext) -> None:
        context.expose_binding("__tandemAxeReport", lambda source, result: self.add(result))
        context.add_init_script(path=AXE_JS)
        context.add_init_script(path=AXE_CHECK_JS)
        context.on("page", self._watch_console)
        self.contexts.append(context)

    def _watch_console(self, page: Page) -> None:
        def seen(message) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                where = message.location or {}
                source = f" (from {where.get('url', '?')}:{where.get('lineNumber', '?')})"
                self.refused.add((page.url, message.text[:160] + source))

        page.on("console", seen)

    @property
    def failed(self) -> bool:
        return bool(self.violations or self.refused)

    def add(self, result: dict[str, Any] | None) -> None:
        for violation in (result or {}).get("violations", []):
            seen = self.violations.setdefault((result["url"], violation["id"]), {**violation, "targets": []})
            seen["targets"].extend(target for target in violation["targets"] if target not in seen["targets"])

    def check_open_pages(self) -> None:
        for context in self.contexts:
            for page in context.pages:
                self.add(_check_final_state(page))

    def failure_message(self) -> str:
        lines = []
        if self.refused:
            lines.append("The Content Security Policy refused something a page needed:")
            lines += [f"- {url}: {text}" for url, text in sorted(self.refused)]
        if not self.violations:
            return "\n".join(lines)
        lines.append("axe-core found serious or critical accessibility violations (once per page and rule):")
        for (url, rule), violation in sorted(self.violations.items()):
            targets = violation["targets"]
            shown = "; ".join(targets[:AXE_TARGETS_SHOWN])
            more = f" and {len(targets) - AXE_TARGETS_SHOWN} more" if len(targets) > AXE_TARGETS_SHOWN else ""
            lines += [
                f"- {url}: {rule} ({violation['impact']}): {violation['help']}",
                f"    {violation['helpUrl']}",
                f"    on {shown}{more}",
            ]
        return "\n".join(lines)


AXE_WATCH = pytest.StashKey[AxeWatch]()


def _check_final_state(page: Page) -> dict[str, Any] | None:
    if page.is_closed():
        return None
    try:
        return page.evaluate(AXE_CHECK_NOW)
    except PlaywrightError:  # caught mid-navigation: check the page it arrives at
        page.wait_for_load_state()
        return page.evaluate(AXE_CHECK_NOW)


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
