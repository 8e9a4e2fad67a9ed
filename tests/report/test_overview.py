"""The overview lists a few studies' coding progress, those still open first, and sends to the Coding page
for the rest."""

from __future__ import annotations

from report import selectors as report_selectors
from tests.coding.helpers import coded_studies


def test_the_overview_lists_a_few_studies_and_says_how_many_more(
    review, owner, lead, reviewer, second_reviewer, client_for, monkeypatch
):
    coded_studies(review, owner, [reviewer, second_reviewer], count=4)
    monkeypatch.setattr(report_selectors, "OVERVIEW_CODING_ROWS", 3)
    body = client_for(lead).get(f"/r/{review.slug}/").content.decode()
    table = body[
        body.index('class="table coding-progress"') : body.index("</table>", body.index("coding-progress"))
    ]
    assert table.count("<tr>") == 1 + 3  # the header and three studies
    assert "1 more study on the" in body and f'href="/r/{review.slug}/coding/"' in body
