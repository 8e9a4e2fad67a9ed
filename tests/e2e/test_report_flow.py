"""The review report in a real browser: the lead checks the PRISMA diagram against the overview and takes
the SVG, the workbook and the RIS home.

The review (two databases with duplicates, a record removed by hand, both screening stages, a full text not
retrievable, exclusions with reasons) is the one whose flow tests/report/helpers.py works out by hand.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from reviews.models import Membership, Role
from reviews.services import membership_change_roles
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, UserFactory, review_with_team
from tests.report.helpers import HAND, build_flow_review

SHOTS = "/tmp/e2e-report-{}.png"


def _setup():
    alice, lena, bob, carol = (UserFactory(username=name) for name in ("alice", "lena", "bob", "carol"))
    review = review_with_team(
        slug="tdf-review",
        title="Pain in care homes",
        team={"owner": alice, "lead": lena, "reviewer": [bob, carol]},
    )
    membership_change_roles(
        actor=alice,
        membership=Membership.objects.get(review=review, user=alice),
        roles={Role.OWNER, Role.LEAD},
    )
    return build_flow_review(review, alice, lena, bob, carol)


def _figure(page: Page, label: str) -> int:
    """A number of the overview's Identification card, by its label."""
    row = page.locator(".figures div").filter(has=page.get_by_text(label, exact=True))
    return int(row.locator("dd").inner_text().replace(",", ""))


def test_the_lead_checks_the_diagram_and_downloads_it_with_the_workbook_and_the_records(
    live_server, page: Page
):
    review = _setup()
    login(page, live_server, "lena", TEST_PASSWORD)
    page.goto(f"{live_server.url}/r/{review.slug}/")
    imported = _figure(page, "records imported")
    merged = _figure(page, "duplicates merged")
    removed = _figure(page, "removed by hand")
    assert (imported, merged, removed) == (
        HAND["identified_total"],
        HAND["duplicates_removed"],
        HAND["removed_other"],
    )
    included = page.get_by_role("region", name="Full text screening").locator(".legend")
    expect(included).to_contain_text(f"{HAND['included_studies']} included")

    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", name="Review report")).to_be_visible()
    diagram = page.get_by_role("img", name=re.compile("PRISMA flow diagram"))
    expect(diagram).to_be_visible()
    text = " ".join(" ".join(diagram.locator("text").all_text_contents()).split())
    for phrase in (
        f"Total (n = {imported})",
        f"Duplicate records removed (n = {merged})",
        f"Records removed for other reasons (n = {removed})",
        f"Records screened (n = {HAND['screened']})",
        f"Records excluded (n = {HAND['excluded_screening']})",
        f"Reports not retrieved (n = {HAND['not_retrieved']})",
        "Wrong population (n = 2)",
    ):
        assert phrase in text, phrase
    expect(page.get_by_text("Two reviewers independently and blind", exact=False)).to_be_visible()
    page.screenshot(path=SHOTS.format("1-report"), full_page=True)

    with page.expect_download() as svg_download:
        page.get_by_role("link", name="SVG", exact=True).click()
    svg = Path(svg_download.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and f"Records screened (n = {HAND['screened']})" in svg

    with page.expect_download() as workbook_download:
        page.get_by_role("link", name="Download every table (XLSX)").click()
    workbook = load_workbook(io.BytesIO(Path(workbook_download.value.path()).read_bytes()))
    flow = {
        (row[0], row[1]): row[2] for row in workbook["PRISMA flow"].iter_rows(min_row=2, values_only=True)
    }
    assert flow[("Records screened", None)] == HAND["screened"]
    assert flow[("Reports excluded", "Wrong population")] == 2
    assert "Methods" in workbook.sheetnames

    with page.expect_download() as ris_download:
        page.get_by_role("listitem").filter(has_text="All records:").get_by_role("link", name="RIS").click()
    ris = Path(ris_download.value.path()).read_text(encoding="utf-8")
    assert ris.count("ER  -") == HAND["screened"]
