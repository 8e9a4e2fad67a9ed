"""Import, records and possible duplicates in a real browser: upload exports, find, unmerge and decide."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from reviews.models import DuplicatePair, ImportBatch, Merge, Record, SourceRecord
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.reviews.importing import FIXTURES, import_file

IMPORT_SCREENSHOT = "/tmp/e2e-import.png"
RECORDS_SCREENSHOT = "/tmp/e2e-records.png"
DUPLICATES_SCREENSHOT = "/tmp/e2e-duplicates.png"
SHARED_TITLE = re.compile(r"^Barriers to physical activity in adults with diabetes")
# Not an export at all: a covering letter someone saved with the wrong extension.
LETTER = b"Dear colleague,\nplease find the results of our searches attached.\nBest wishes, Jane\n"


def _batch_cell(page: Page, filename: str, column: str) -> Locator:
    """The cell under ``column`` in the Import page's row for ``filename``."""
    table = page.get_by_role("table", name="Imported files")
    headers = [text.strip() for text in table.get_by_role("columnheader").all_inner_texts()]
    # The file name is the row's header cell, so the data cells start at the second column.
    index = headers.index(column) - 1
    row = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(filename)}"))
    )
    expect(row).to_have_count(1)
    return row.get_by_role("cell").nth(index)


def _upload(page: Page, path_or_file, database: str) -> None:
    """Fill "File 1" of the upload form and submit it; wait for the Import page it redirects to."""
    first = page.get_by_role("group", name="File 1", exact=True)
    first.get_by_label("Export file", exact=True).set_input_files(path_or_file)
    first.get_by_label("Database", exact=True).fill(database)
    with page.expect_navigation():
        page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import search results", level=1)).to_be_visible()


def _mark_page(page: Page) -> None:
    """Wait for htmx and set a marker that a full page load would wipe."""
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__e2eNoReload = 'still here'; }")


def _assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__e2eNoReload") == "still here"


def _records_table_rows(page: Page) -> Locator:
    """The Records table's rows that show a record (each has a link to it)."""
    return page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("link"))


def test_an_owner_imports_two_databases_and_is_told_about_repeats_and_bad_files(live_server, page):
    alice = UserFactory(username="alice")
    review = review_with_team(team={"owner": alice})

    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/")
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Import", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/r/{review.slug}/imports/")
    expect(page.get_by_role("heading", name="Import search results", level=1)).to_be_visible()
    expect(page.get_by_text("No files imported yet.")).to_be_visible()

    # Embase first: the eager job has run by the time the page comes back.
    _upload(page, FIXTURES / "three.ris", "Embase")
    expect(page.get_by_role("status")).to_contain_text("three.ris is being imported.")
    expect(_batch_cell(page, "three.ris", "Database")).to_have_text("Embase")
    expect(_batch_cell(page, "three.ris", "Format")).to_contain_text("RIS", ignore_case=True)
    expect(_batch_cell(page, "three.ris", "Records")).to_have_text("3")
    expect(_batch_cell(page, "three.ris", "Merged")).to_have_text("0")
    expect(_batch_cell(page, "three.ris", "Status")).to_contain_text("Imported")

    # Then PubMed, whose first record is the same study as Embase's first: merged automatically.
    _upload(page, FIXTURES / "two.nbib", "PubMed")
    expect(page.get_by_role("status")).to_contain_text("two.nbib is being imported.")
    expect(_batch_cell(page, "two.nbib", "Database")).to_have_text("PubMed")
    expect(_batch_cell(page, "two.nbib", "Records")).to_have_text("2")
    expect(_batch_cell(page, "two.nbib", "Merged")).to_have_text("1")
    expect(_batch_cell(page, "two.nbib", "Status")).to_contain_text("Imported")
    totals = page.get_by_role("region", name="Import totals")
    expect(totals).to_contain_text("5 records imported")
    expect(totals).to_contain_text("1 merged as duplicates")
    expect(totals).to_contain_text("4 study records")
    expect(page.get_by_text("By database: Embase 3 · PubMed 2")).to_be_visible()
    page.screenshot(path=IMPORT_SCREENSHOT, full_page=True)
    embase = ImportBatch.objects.get(review=review, original_filename="three.ris")
    assert (embase.status, embase.records_count, embase.created_by) == (ImportBatch.Status.DONE, 3, alice)

    # The same file again is refused, and the message names the batch it repeats.
    _upload(page, FIXTURES / "three.ris", "Embase")
    refusal = (
        f"three.ris is the same file as batch {embase.pk} (“three.ris”, Embase, "
        f"imported {embase.created_at:%Y-%m-%d %H:%M} UTC); it was not imported again."
    )
    expect(page.get_by_role("status")).to_have_text(refusal)
    expect(page.get_by_role("rowheader", name=re.compile(r"^three\.ris"))).to_have_count(1)
    assert ImportBatch.objects.filter(review=review).count() == 2

    # A letter saved as .ris is accepted for upload, then fails with a reason naming the file.
    _upload(
        page,
        {"name": "notes.ris", "mimeType": "application/x-research-info-systems", "buffer": LETTER},
        "Scopus",
    )
    expect(page.get_by_role("status")).to_contain_text("notes.ris is being imported.")
    status = _batch_cell(page, "notes.ris", "Status")
    expect(status).to_contain_text("Failed")
    failed = ImportBatch.objects.get(review=review, original_filename="notes.ris")
    assert failed.status == ImportBatch.Status.FAILED and "notes.ris" in failed.error
    expect(status.get_by_role("alert")).to_have_text(failed.error)
    expect(_batch_cell(page, "notes.ris", "Records")).to_have_text("—")
    # Nothing of it was counted.
    expect(totals).to_contain_text("5 records imported")
    expect(totals).to_contain_text("4 study records")


def test_records_are_searched_and_filtered_in_place_and_an_automatic_merge_is_undone(live_server, page):
    alice = UserFactory(username="alice")
    review = review_with_team(team={"owner": alice})
    import_file(review, alice, "three.ris", source="Embase")
    import_file(review, alice, "two.nbib", source="PubMed")

    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/")
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Records", exact=True).click()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible()
    expect(page.get_by_text("4 records.", exact=True)).to_be_visible()
    expect(_records_table_rows(page)).to_have_count(4)
    page.screenshot(path=RECORDS_SCREENSHOT, full_page=True)
    _mark_page(page)

    # The search box asks the server (after a pause in typing) and swaps only the results.
    search = page.get_by_role("searchbox", name="Search by title, author, DOI or PMID")
    with page.expect_response(re.compile(r"/records/\?q=physical(%20|\+)activity")) as response_info:
        search.fill("physical activity")
    assert response_info.value.request.headers.get("hx-request") == "true"
    expect(page.get_by_text("1 record matching “physical activity”.", exact=True)).to_be_visible()
    expect(_records_table_rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name=SHARED_TITLE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/records/\?q=physical(%20|\+)activity"))
    _assert_not_reloaded(page)

    # Clear the search, then keep only what came from PubMed: the merged study and the pharmacy paper.
    with page.expect_response(re.compile(r"/records/\?q=&")):
        search.fill("")
    expect(page.get_by_text("4 records.", exact=True)).to_be_visible()
    with page.expect_response(re.compile(r"/records/\?.*source=PubMed")):
        page.get_by_role("combobox", name="Database", exact=True).select_option(label="PubMed")
    expect(page.get_by_text("2 records.", exact=True)).to_be_visible()
    expect(_records_table_rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile("hospital pharmacy"))).to_be_visible()
    _assert_not_reloaded(page)

    # The merged record shows both sources and how they were merged.
    page.get_by_role("link", name=SHARED_TITLE).click()
    expect(page.get_by_role("heading", name=SHARED_TITLE, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Source records (2)", level=2)).to_be_visible()
    summaries = page.locator("details.source > summary")
    expect(summaries).to_have_count(2)
    expect(summaries.nth(0)).to_contain_text("Embase · three.ris, record 1")
    expect(summaries.nth(1)).to_contain_text("PubMed · two.nbib, record 1")
    history = page.get_by_role("list").filter(has_text="Automatic merge")
    expect(history).to_contain_text("Automatic merge of 1 source record when two.nbib was imported")

    # The owner undoes it: the record keeps its own source only.
    with page.expect_navigation():
        page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_role("status")).to_contain_text("Merge undone")
    expect(page.get_by_role("heading", name="Source records (1)", level=2)).to_be_visible()
    expect(summaries).to_have_count(1)
    expect(summaries.first).to_contain_text("Embase · three.ris")
    expect(page.get_by_role("button", name="Undo this merge")).to_have_count(0)
    expect(history).to_contain_text("Undone")
    merge = Merge.objects.get(review=review)
    assert merge.undone_by == alice

    page.get_by_role("link", name="← Records").click()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible()
    expect(page.get_by_text("5 records.", exact=True)).to_be_visible()
    expect(_records_table_rows(page)).to_have_count(5)
    expect(page.get_by_role("link", name=SHARED_TITLE)).to_have_count(2)


def test_a_lead_decides_a_possible_duplicate_in_place(live_server, page):
    alice = UserFactory(username="alice")
    lena = UserFactory(username="lena")
    review = review_with_team(team={"owner": alice, "lead": lena})
    import_file(review, alice, "three.ris", source="Embase")
    import_file(review, alice, "two.nbib", source="PubMed")
    nurses = SourceRecord.objects.get(review=review, title__startswith="Facilitators of nurse-led care")
    pharmacy = SourceRecord.objects.get(review=review, title__startswith="Something entirely different")
    assert nurses.pk < pharmacy.pk and nurses.record_id != pharmacy.record_id
    pair = DuplicatePair.objects.create(
        review=review, source_a=nurses, source_b=pharmacy, score=0.5, reasons=["test"]
    )

    login(page, live_server, "lena", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/")
    nav = page.get_by_role("navigation", name="Review")
    nav.get_by_role("link", name="Possible duplicates", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/r/{review.slug}/duplicates/")
    expect(page.get_by_role("heading", name="Possible duplicates", level=1)).to_be_visible()
    expect(page.get_by_text("1 pair of records to check")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Possible duplicates")
    expect(tabs.get_by_role("link", name="To check (1)")).to_have_attribute("aria-current", "page")

    # The two records side by side: one column per source, their titles on the "Title" row.
    card = page.get_by_role("region", name=f"Possible duplicate pair {pair.pk}")
    headers = card.get_by_role("columnheader")
    expect(headers).to_have_count(3)
    expect(headers.nth(1)).to_contain_text("Embase #2, three.ris")
    expect(headers.nth(2)).to_contain_text("PubMed #2, two.nbib")
    title_row = card.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^Title")))
    expect(title_row.get_by_role("cell")).to_have_text(
        [nurses.title, "Something entirely different about hospital pharmacy."]
    )
    expect(card).to_contain_text("Why offered: test (score 0.50)")
    page.screenshot(path=DUPLICATES_SCREENSHOT, full_page=True)
    _mark_page(page)

    with page.expect_response(re.compile(rf"/duplicates/{pair.pk}/$")) as response_info:
        card.get_by_role("button", name="Same study", exact=True).click()
    response = response_info.value
    assert response.status == 200
    assert response.request.headers.get("hx-request") == "true"

    # The card was swapped for the decision; the page itself was not reloaded.
    expect(card).to_contain_text("Same study.")
    expect(card.get_by_role("link", name="Open the record")).to_be_visible()
    expect(card.get_by_role("button")).to_have_text(["Undo"])
    expect(tabs.get_by_role("link", name="To check (0)")).to_be_visible()  # the count follows
    _assert_not_reloaded(page)
    expect(page).to_have_url(f"{live_server.url}/r/{review.slug}/duplicates/")

    pair.refresh_from_db()
    nurses.refresh_from_db()
    pharmacy.refresh_from_db()
    assert (pair.status, pair.decided_by) == (DuplicatePair.Status.SAME, lena)
    assert nurses.record_id == pharmacy.record_id
    manual = Merge.objects.get(review=review, kind=Merge.Kind.MANUAL)
    assert (manual.target_id, manual.created_by) == (nurses.record_id, lena)
    absorbed = Record.objects.filter(review=review, merged_into_id=nurses.record_id)
    assert absorbed.count() == 1
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 3

    # Once decided, the queue is empty on the next visit; the decision is under Decided, with its undo.
    page.reload()
    expect(page.get_by_text("No possible duplicates to check.")).to_be_visible()
    tabs.get_by_role("link", name="Decided").click()
    expect(page).to_have_url(f"{live_server.url}/r/{review.slug}/duplicates/?show=decided")
    expect(card).to_contain_text("Same study.")
    expect(card).to_contain_text("lena")
    page.screenshot(path="/tmp/e2e-duplicates-decided.png", full_page=True)
    card.get_by_role("button", name="Undo").click()
    expect(card.get_by_role("button", name="Same study", exact=True)).to_be_visible()
    expect(tabs.get_by_role("link", name="To check (1)")).to_be_visible()
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 4


def test_a_lead_goes_through_possible_duplicates_with_the_keyboard(live_server, page):
    alice = UserFactory(username="alice")
    review = review_with_team(team={"owner": alice})
    import_file(review, alice, "three.ris", source="Embase")
    sources = list(SourceRecord.objects.filter(review=review).order_by("pk"))
    DuplicatePair.objects.filter(review=review).delete()  # only the two pairs below
    first = DuplicatePair.objects.create(
        review=review, source_a=sources[0], source_b=sources[1], score=0.9, reasons=["test"]
    )
    second = DuplicatePair.objects.create(
        review=review, source_a=sources[1], source_b=sources[2], score=0.8, reasons=["test"]
    )

    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/duplicates/")
    expect(page.get_by_text("2 pairs of records to check")).to_be_visible()
    first_card = page.get_by_role("region", name=f"Possible duplicate pair {first.pk}")
    second_card = page.get_by_role("region", name=f"Possible duplicate pair {second.pk}")
    expect(first_card).to_have_class(re.compile(r"\bcurrent\b"))  # the best-scored pair comes first
    _mark_page(page)

    page.keyboard.press("d")
    expect(first_card).to_contain_text("Different studies.")
    expect(second_card).to_have_class(re.compile(r"\bcurrent\b"))
    page.screenshot(path="/tmp/e2e-duplicates-keys.png", full_page=True)
    page.keyboard.press("s")
    expect(second_card).to_contain_text("Same study.")
    _assert_not_reloaded(page)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DuplicatePair.Status.DIFFERENT, DuplicatePair.Status.SAME)
    sources[1].refresh_from_db()
    sources[2].refresh_from_db()
    assert sources[1].record_id == sources[2].record_id


def test_a_reviewer_sees_the_imports_but_cannot_upload_or_check_duplicates(live_server, page):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    review = review_with_team(team={"owner": alice, "reviewer": bob})
    import_file(review, alice, "three.ris", source="Embase")
    import_file(review, alice, "two.nbib", source="PubMed")

    login(page, live_server, "bob", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/")
    nav = page.get_by_role("navigation", name="Review")
    expect(nav.get_by_role("link", name="Records", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Possible duplicates")).to_have_count(0)
    nav.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import search results", level=1)).to_be_visible()

    # Both batches, with their results...
    expect(_batch_cell(page, "three.ris", "Status")).to_contain_text("Imported")
    expect(_batch_cell(page, "two.nbib", "Merged")).to_have_text("1")
    expect(page.get_by_role("region", name="Import totals")).to_contain_text("4 study records")
    # ...but nothing to change them with.
    expect(page.get_by_role("heading", name="Upload exports")).to_have_count(0)
    expect(page.get_by_label("Export file")).to_have_count(0)
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Delete"))).to_have_count(0)

    # The duplicates page is closed to him even by its address.
    response = page.goto(f"{live_server.url}/r/{review.slug}/duplicates/")
    assert response is not None and response.status == 403


# --- The browser's Back button: htmx restores history with HX-Request set, and the page varies on it.


def _records_page_searched(live_server, page: Page) -> Locator:
    alice = UserFactory(username="alice")
    review = review_with_team(team={"owner": alice})
    import_file(review, alice, "three.ris", source="Embase")
    import_file(review, alice, "two.nbib", source="PubMed")
    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/records/")
    page.wait_for_function("() => window.htmx !== undefined")
    search = page.get_by_role("searchbox", name="Search by title, author, DOI or PMID")
    with page.expect_response(re.compile(r"/records/\?q=physical(%20|\+)activity")):
        search.fill("physical activity")
    expect(page.get_by_text("1 record matching “physical activity”.", exact=True)).to_be_visible()
    # htmx pushes the address just after the swap; wait for it, or "Back" has no entry to return to.
    expect(page).to_have_url(re.compile(r"q=physical(%20|\+)activity"))
    return search


def test_back_after_two_filters_restores_the_whole_records_page(live_server, page):
    search = _records_page_searched(live_server, page)
    with page.expect_response(re.compile(r"source=PubMed")):
        page.get_by_role("combobox", name="Database", exact=True).select_option(label="PubMed")
    expect(page.get_by_text("1 record matching “physical activity”.", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"source=PubMed"))

    # htmx keeps no history cache (historyCacheSize 0), so "Back" asks the server for the page again.
    with page.expect_response(lambda response: "hx-history-restore-request" in response.request.headers):
        page.go_back()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible(timeout=2_000)
    expect(search).to_have_value("physical activity")


def test_back_from_a_record_returns_to_the_whole_records_page(live_server, page):
    search = _records_page_searched(live_server, page)
    page.get_by_role("link", name=SHARED_TITLE).click()
    expect(page.get_by_role("heading", name=SHARED_TITLE, level=1)).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible(timeout=2_000)
    expect(search).to_have_value("physical activity")


def test_the_import_page_follows_a_job_running_in_the_background(live_server, page, settings, monkeypatch):
    """As on the embedded default: the job runs on a thread, the page shows its stage and count while it
    runs, then its result and the new totals, without being reloaded."""
    import threading

    import reviews.services.imports as imports

    settings.TANDEM_JOBS_IN_THREAD = True
    release = threading.Event()
    real_progress_set = imports.import_progress_set

    def progress_set_then_hold(batch_id, stage, done=0, total=0):
        real_progress_set(batch_id, stage, done, total)
        if stage == "writing" and done == 0:
            release.wait(15)  # hold the job mid-way, so the page can be seen following it

    monkeypatch.setattr(imports, "import_progress_set", progress_set_then_hold)
    alice = UserFactory(username="alice")
    review = review_with_team(team={"owner": alice})
    login(page, live_server, "alice", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/imports/")

    try:
        _upload(page, FIXTURES / "three.ris", "Embase")
        _mark_page(page)
        status = _batch_cell(page, "three.ris", "Status")
        expect(status).to_contain_text("Writing")
        expect(status).to_contain_text("0 of 3 records")
        expect(status.get_by_role("progressbar")).to_have_attribute("aria-valuemax", "3")
        expect(_batch_cell(page, "three.ris", "Records")).to_have_text("—")
        page.screenshot(path="/tmp/e2e-import-progress.png", full_page=True)
    finally:
        release.set()

    expect(status).to_contain_text("Imported")
    expect(_batch_cell(page, "three.ris", "Records")).to_have_text("3")
    totals = page.get_by_role("region", name="Import totals")
    expect(totals).to_contain_text("3 records imported")
    expect(page.get_by_text("By database: Embase 3")).to_be_visible()
    _assert_not_reloaded(page)
    assert ImportBatch.objects.get(review=review).status == ImportBatch.Status.DONE
