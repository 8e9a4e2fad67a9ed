"""The coding pages: what each person sees and may do, through the test client."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from coding.models import Excerpt, StudyText
from coding.services.excerpts import coding_mark_done
from coding.services.texts import study_text_read
from tests.coding.helpers import (
    code_excerpt,
    coded_studies,
    csv_bytes,
    domain,
    group,
    pdf_upload,
    span,
    text_read,
    valence,
)

HTMX = {"HX-Request": "true"}
SECRET_QUOTE = "Bob-only typed quote 7f3a"
SECRET_NOTE = "bob's private note 2c9e"


@pytest.fixture
def studies(review, owner, reviewer, second_reviewer):
    return coded_studies(review, owner, [reviewer, second_reviewer], count=2)


@pytest.fixture
def study(review, owner, studies):
    text_read(review, studies[0], owner)
    return studies[0]


def _url(name, review, *args, **query) -> str:
    url = reverse(f"coding:{name}", args=[review.slug, *args])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_every_coding_page_opens_for_each_member(
    review, study, owner, lead, reviewer, second_reviewer, client_for
):
    pages = [
        _url("studies", review),
        _url("study", review, study.pk),
        _url("codebook", review),
        _url("synthesis", review),
        _url("synthesis", review, tab="themes"),
        _url("synthesis", review, tab="matrix"),
    ]
    for person in (owner, lead, reviewer, second_reviewer):
        client = client_for(person)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (person, url)
            assert "<html" in response.content.decode()
    assert client_for(owner).get(_url("settings", review)).status_code == 200
    assert client_for(reviewer).get(_url("settings", review)).status_code == 403


def test_opening_a_study_queues_the_reading_of_its_pdf(review, studies, owner, reviewer, client_for):
    record = studies[1]
    pdf_upload(review, record, owner, ["A page with enough words to count as a text layer for sure."])
    body = client_for(reviewer).get(_url("study", review, record.pk)).content.decode()
    assert "Reading the text of the PDF" in body
    assert StudyText.objects.get(record=record).status == StudyText.Status.PENDING
    study_text_read(record_id=record.pk)
    progress = client_for(reviewer).get(_url("text_progress", review, record.pk), headers=HTMX)
    assert progress.status_code == 286 and "study-text-read" in progress["HX-Trigger"]
    body = client_for(reviewer).get(_url("study", review, record.pk)).content.decode()
    assert 'class="page-text" data-start="0" data-page="1"' in body


def test_a_coder_selects_a_passage_codes_it_and_sees_it_highlighted(review, study, reviewer, client_for):
    client = client_for(reviewer)
    start, end = span(study, "Time pressure was the main barrier for nurses.")
    panel = client.get(
        _url("excerpt_new", review, study.pk, start=start, end=end), headers=HTMX
    ).content.decode()
    assert "<html" not in panel and 'id="coding-panel"' in panel
    assert "Time pressure was the main barrier for nurses." in panel
    response = client.post(
        _url("excerpt_new", review, study.pk),
        {
            "start": start,
            "end": end,
            "valence": valence(review, "Barrier").pk,
            "group": group(review, "HCP").pk,
            "domains": [domain(review, "Environmental Context and Resources").pk],
            "new_code": "Time pressure",
            "new_code_theme": "Resources",
        },
        headers=HTMX,
    )
    body = response.content.decode()
    # The emptied panel, and out of band only what changed: the page under the passage, the list's new line.
    assert response.status_code == 200 and 'id="workspace"' not in body and "<html" not in body
    assert 'id="coding-panel"' in body and "excerpt-saved" in response["HX-Trigger"]
    excerpt = Excerpt.objects.get(record=study)
    assert (excerpt.start, excerpt.end, excerpt.coder) == (start, end, reviewer)
    assert [code.name for code in excerpt.codes.all()] == ["Time pressure"]
    assert excerpt.codes.get().parent.name == "Resources"
    assert f'data-excerpt="{excerpt.pk}">Time pressure was the main barrier for nurses.</mark>' in body
    # Coloured by theme on request.
    themed = client.get(_url("study", review, study.pk, by="theme"), headers=HTMX).content.decode()
    assert 'class="excerpt theme-' in themed


def test_the_panel_refuses_a_passage_outside_the_text_and_keeps_what_was_typed(
    review, study, reviewer, client_for
):
    response = client_for(reviewer).post(
        _url("excerpt_new", review, study.pk), {"start": 5, "end": 999999, "note": "kept"}, headers=HTMX
    )
    body = response.content.decode()
    assert "not in the study" in body and "kept" in body
    assert not Excerpt.objects.exists()


def test_a_coder_edits_and_deletes_only_their_own_excerpts(
    review, study, reviewer, second_reviewer, client_for
):
    excerpt = code_excerpt(
        review, study, reviewer, passage="Training in pain assessment helped nurses feel confident."
    )
    other = client_for(second_reviewer)
    assert other.get(_url("excerpt", review, study.pk, excerpt.pk), headers=HTMX).status_code == 404
    assert other.post(_url("excerpt_delete", review, study.pk, excerpt.pk)).status_code == 404
    mine = client_for(reviewer)
    mine.post(
        _url("excerpt", review, study.pk, excerpt.pk),
        {"start": excerpt.start, "end": excerpt.end, "valence": valence(review, "Facilitator").pk},
        headers=HTMX,
    )
    excerpt.refresh_from_db()
    assert excerpt.valence.name == "Facilitator"
    mine.post(_url("excerpt_delete", review, study.pk, excerpt.pk), headers=HTMX)
    assert not Excerpt.objects.filter(pk=excerpt.pk).exists()


def test_the_lead_may_not_code_when_the_review_does_not_let_leads_screen(review, study, lead, client_for):
    response = client_for(lead).post(_url("excerpt_new", review, study.pk), {"quote": "anything"})
    assert response.status_code == 403


def _bobs_pending_work(review, study, reviewer):
    code_excerpt(
        review, study, reviewer, passage="Time pressure was the main barrier for nurses.", note=SECRET_NOTE
    )
    code_excerpt(review, study, reviewer, quote=SECRET_QUOTE, page=2)


@pytest.fixture
def swept_study(review_with_records, owner, reviewer, second_reviewer):
    """The sweep's record (the review's first) included and read, so its coding pages are real ones."""
    review = review_with_records
    coded_studies(review, owner, [reviewer, second_reviewer], count=1)
    first = review.records.filter(merged_into__isnull=True).order_by("pk").first()
    text_read(review, first, owner)
    return first


def test_carol_sees_nothing_of_bobs_coding_anywhere(
    review_with_records, swept_study, reviewer, second_reviewer, client_for
):
    """The blinding sweep for coding: every URL of the project, page and htmx, as the other coder."""
    from tests.url_sweep import SWEEP_ARGUMENTS, review_urls

    review, study = review_with_records, swept_study
    _bobs_pending_work(review, study, reviewer)
    assert SWEEP_ARGUMENTS["record_id"](review) == study.pk
    client = client_for(second_reviewer)
    extra = [
        _url("study", review, study.pk),
        _url("synthesis", review, tab="themes"),
        _url("synthesis", review, tab="matrix"),
        _url("synthesis", review, coder="bob"),
        reverse("coding:synthesis_export", args=[review.slug, "themes", "csv"]),
        reverse("coding:synthesis_export", args=[review.slug, "domains", "csv"]) + "?coder=bob",
    ]
    swept = 0
    for headers in ({}, HTMX):
        for url in [each.url for each in review_urls(review) if each.name != "logout"] + extra:
            response = client.get(url, headers=headers)
            body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
                errors="replace"
            )
            assert SECRET_QUOTE not in body and SECRET_NOTE not in body, url
            assert "Time pressure was the main barrier for nurses.</mark>" not in body, url
            assert "bob: coding" not in body and "coding.excerpt_add" not in body, url
            swept += 1
    assert swept > 40
    pane = client.get(_url("study", review, study.pk)).content.decode()
    assert "<mark" not in pane and 'Excerpts <span class="muted">(0)</span>' in pane


def test_the_lead_sees_both_coders_and_reconciles_through_the_pages(
    review, study, lead, reviewer, second_reviewer, client_for
):
    passage = "Time pressure was the main barrier for nurses."
    for person in (reviewer, second_reviewer):
        code_excerpt(review, study, person, passage=passage, domains=("Environmental Context and Resources",))
        coding_mark_done(review=review, record=study, coder=person)
    client = client_for(lead)
    listing = client.get(_url("studies", review)).content.decode()
    assert "bob: done" in listing and "carol: done" in listing
    assert "Agreement between coders" in listing
    client.post(_url("reconcile_open", review, study.pk))
    page = client.get(_url("reconcile", review, study.pk)).content.decode()
    assert "1</strong> unit still to reconcile" in page
    ids = ",".join(
        str(pk) for pk in Excerpt.objects.filter(record=study).order_by("pk").values_list("pk", flat=True)
    )
    first = Excerpt.objects.filter(record=study).order_by("pk").first()
    fragment = client.post(
        _url("unit", review, study.pk), {"excerpts": ids, "choice": f"accept:{first.pk}"}, headers=HTMX
    ).content.decode()
    assert "<html" not in fragment and "Reconciled" in fragment
    client.post(_url("reconcile_finish", review, study.pk))
    final = Excerpt.objects.get(record=study, coder__isnull=True)
    assert final.is_final and final.quote == passage
    table = client.get(_url("synthesis", review)).content.decode()
    assert "1</strong> coded item from 1 excerpt" in table


def test_a_reviewer_cannot_reconcile(review, study, reviewer, client_for):
    assert client_for(reviewer).get(_url("reconcile", review, study.pk)).status_code == 403
    assert client_for(reviewer).post(_url("reconcile_open", review, study.pk)).status_code == 403


def test_the_synthesis_downloads_every_table(review, study, owner, client_for):
    rows = [
        {
            "study": study.pk,
            "quote": "=HYPERLINK(1) staff shortages",
            "valence": "barrier",
            "group": "hcp",
            "domains": "Environmental Context and Resources; knowledge",
            "theme": "Resources",
            "codes": "Staffing",
        }
    ]
    client = client_for(owner)
    response = client.post(_url("import", review), {"file": SimpleUploadedFile("coded.csv", csv_bytes(rows))})
    assert response.status_code == 302
    for table in ("domains", "themes", "matrix"):
        csv_response = client.get(reverse("coding:synthesis_export", args=[review.slug, table, "csv"]))
        assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
        xlsx = client.get(reverse("coding:synthesis_export", args=[review.slug, table, "xlsx"]))
        assert load_workbook(io.BytesIO(xlsx.content)).active.max_row >= 2
    themes = client.get(
        reverse("coding:synthesis_export", args=[review.slug, "themes", "csv"])
    ).content.decode()
    assert "'=HYPERLINK(1)" in themes or "“=HYPERLINK(1)" in themes
    domains = client.get(
        reverse("coding:synthesis_export", args=[review.slug, "domains", "csv"])
    ).content.decode()
    # One barrier excerpt mapped to two domains: two items, half of the barrier items each.
    assert "TDF,Environmental Context and Resources,1,50.0" in domains


def test_an_import_with_bad_lines_lists_them_all_on_the_page_and_writes_nothing(
    review, study, owner, client_for
):
    rows = [
        {"study": study.pk, "quote": "fine", "valence": "Barrier", "group": "HCP", "domains": "Knowledge"},
        {"study": "999999", "quote": "", "valence": "Sideways", "group": "HCP", "domains": "Nope"},
    ]
    response = client_for(owner).post(
        _url("import", review), {"file": SimpleUploadedFile("bad.csv", csv_bytes(rows))}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported from bad.csv" in body
    for message in (
        "line 3: study “999999”",
        "line 3: the quote is empty",
        "valence “Sideways”",
        "domain “Nope”",
    ):
        assert message in body
    assert not Excerpt.objects.exists()


def test_owners_add_frameworks_and_labels_from_the_settings_page(review, study, owner, lead, client_for):
    client = client_for(owner)
    client.post(
        _url("framework_add", review),
        {"name": "COM-B", "domains": "Capability: can do it\nOpportunity\nMotivation"},
    )
    client.post(_url("label_save", review), {"kind": "group", "name": "Carer"})
    page = client.get(_url("settings", review)).content.decode()
    assert "COM-B" in page and "3 domains" in page and 'value="Carer"' in page
    assert (
        client_for(lead).post(_url("framework_add", review), {"name": "X", "domains": "A"}).status_code == 403
    )


def test_a_save_over_htmx_sends_only_what_changed(review, study, reviewer, client_for):
    """The panel emptied; out of band the page under the passage, the count, and the new line before the
    line that follows it in the text; an edit puts its line back in place, a delete takes it out."""
    client = client_for(reviewer)
    later = code_excerpt(
        review, study, reviewer, passage="Patients said the waiting room had no space to talk."
    )
    start, end = span(study, "Time pressure was the main barrier for nurses.")
    body = client.post(
        _url("excerpt_new", review, study.pk),
        {"start": start, "end": end, "valence": valence(review, "Barrier").pk},
        headers=HTMX,
    ).content.decode()
    saved = Excerpt.objects.exclude(pk=later.pk).get(record=study)
    assert 'id="coding-panel"' in body and "Select a passage in the text to code it." in body
    assert '<div id="coding-message" hx-swap-oob="true"><p class="message success" role="status">' in body
    assert 'id="page-text-2" hx-swap-oob="true"' in body and 'id="page-text-1"' not in body
    assert f'data-excerpt="{saved.pk}">Time pressure was the main barrier for nurses.</mark>' in body
    assert 'Excerpts <span class="muted">(2)</span>' in body
    assert f'<ol hx-swap-oob="beforebegin:#excerpt-item-{later.pk}">' in body
    assert f'id="excerpt-item-{saved.pk}"' in body and f'id="excerpt-item-{later.pk}"' not in body

    body = client.post(
        _url("excerpt", review, study.pk, saved.pk),
        {"start": start, "end": end, "valence": valence(review, "Facilitator").pk},
        headers=HTMX,
    ).content.decode()
    assert f'<li id="excerpt-item-{saved.pk}" hx-swap-oob="delete"></li>' in body
    assert f'<ol hx-swap-oob="beforebegin:#excerpt-item-{later.pk}">' in body and "Facilitator" in body

    body = client.post(_url("excerpt_delete", review, study.pk, later.pk), headers=HTMX).content.decode()
    assert f'<li id="excerpt-item-{later.pk}" hx-swap-oob="delete"></li>' in body
    assert 'Excerpts <span class="muted">(1)</span>' in body and "<ol hx-swap-oob" not in body
    assert "Excerpt deleted." in body
    # The last one gone: the whole list again, with its "None yet."
    body = client.post(_url("excerpt_delete", review, study.pk, saved.pk), headers=HTMX).content.decode()
    assert 'id="excerpt-list" aria-labelledby="excerpts-heading" hx-swap-oob="true"' in body
    assert "None yet." in body and 'Excerpts <span class="muted">(0)</span>' in body


def test_the_study_list_counts_each_coders_excerpts_and_the_reconciled_ones_apart(
    review, study, lead, reviewer, second_reviewer, client_for
):
    from coding.selectors import coding_study_rows
    from coding.services.reconcile import coding_reconciliation_open, coding_unit_reconcile

    passage = "Time pressure was the main barrier for nurses."
    bobs = code_excerpt(review, study, reviewer, passage=passage)
    code_excerpt(review, study, reviewer, passage="Training in pain assessment helped nurses feel confident.")
    carols = code_excerpt(review, study, second_reviewer, passage=passage)
    for coder in (reviewer, second_reviewer):
        coding_mark_done(review=review, record=study, coder=coder)
    coding_reconciliation_open(review=review, record=study, lead=lead)
    coding_unit_reconcile(
        review=review, record=study, lead=lead, excerpt_ids=[bobs.pk, carols.pk], action="merge"
    )

    body = client_for(lead).get(_url("studies", review)).content.decode()
    # Two by bob, one by carol and the one the lead made of their pair: not "4" run together.
    assert "<li>2 by bob</li>" in body and "<li>1 by carol</li>" in body and "<li>1 reconciled</li>" in body
    lead_row = next(
        row for row in coding_study_rows(review=review, viewer=lead, sees_all=True) if row.record == study
    )
    assert [(each.coder.username, n) for each, n in lead_row.coder_excerpts] == [("bob", 2), ("carol", 1)]
    assert (lead_row.excerpts, lead_row.reconciled_excerpts, lead_row.final_excerpts) == (3, 1, 1)
    # A blinded coder's row tells nothing of the other coder.
    carol_rows = coding_study_rows(review=review, viewer=second_reviewer, sees_all=False)
    carol_row = next(row for row in carol_rows if row.record == study)
    assert (carol_row.coder_excerpts, carol_row.reconciled_excerpts, carol_row.excerpts) == ([], 0, 0)
