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


PASSAGE = "Time pressure was the main barrier for nurses."
TRAINING = "Training in pain assessment helped nurses feel confident."


def coding_progress(*, review, rows, sees_all: bool) -> dict:
    """The overview's coding figures summed over a row per study, as the overview once counted them."""
    from coding.selectors import coding_settings_of

    settings = coding_settings_of(review)
    return {
        "is_dual": settings.is_dual if settings else True,
        "studies": len(rows),
        "coded": sum(1 for row in rows if row.done_count) if sees_all else None,
        "reconciled": sum(1 for row in rows if row.is_reconciled),
        "with_final": sum(1 for row in rows if row.final_excerpts),
        "final_excerpts": sum(row.final_excerpts for row in rows),
    }


def test_the_overview_counts_coding_as_the_rows_of_every_study_would(
    review, owner, lead, reviewer, second_reviewer
):
    """The figures counted by the database equal those summed over a row per study, for a lead and for a
    blinded reviewer: a study reconciled, one coded by both and finished by one, one untouched."""
    from coding.selectors import coding_overview, coding_study_rows
    from coding.services.excerpts import coding_mark_done
    from coding.services.reconcile import (
        coding_reconciliation_finish,
        coding_reconciliation_open,
        coding_unit_reconcile,
    )
    from tests.coding.helpers import code_excerpt, text_read

    studies = coded_studies(review, owner, [reviewer, second_reviewer], count=4)
    for study in studies[:2]:
        text_read(review, study, owner)
    bob = code_excerpt(review, studies[0], reviewer, passage=TRAINING, domains=("Skills",))
    carol = code_excerpt(review, studies[0], second_reviewer, passage=TRAINING, domains=("Knowledge",))
    for coder in (reviewer, second_reviewer):
        coding_mark_done(review=review, record=studies[0], coder=coder)
    coding_reconciliation_open(review=review, record=studies[0], lead=lead)
    coding_unit_reconcile(
        review=review, record=studies[0], lead=lead, excerpt_ids=[bob.pk, carol.pk], action="merge"
    )
    coding_reconciliation_finish(review=review, record=studies[0], lead=lead)
    code_excerpt(review, studies[1], reviewer, passage=PASSAGE, domains=("Knowledge",))
    code_excerpt(review, studies[1], second_reviewer, passage=PASSAGE, domains=("Knowledge",))
    coding_mark_done(review=review, record=studies[1], coder=reviewer)

    for viewer, sees_all in ((lead, True), (reviewer, False)):
        rows = coding_study_rows(review=review, viewer=viewer, sees_all=sees_all)
        progress, shown, more = coding_overview(review=review, viewer=viewer, sees_all=sees_all, shown=3)
        assert progress == coding_progress(review=review, rows=rows, sees_all=sees_all)
        assert progress["reconciled"] == 1 and progress["studies"] == 4
        # The three shown: those not reconciled first, in record order; the reconciled one is left over.
        assert [row.record.pk for row in shown] == [study.pk for study in studies[1:]] and more == 1
