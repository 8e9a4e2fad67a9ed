"""Uploads: a body larger than its view accepts is refused from its Content-Length before it is read;
half-received uploads a killed process left behind are swept; a failed import's file is kept for a while,
then removed, and its owner may delete it at once."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import ImportBatch
from reviews.services.imports import import_failed_files_sweep
from reviews.uploads import UPLOAD_TEMP_MAX_AGE_SECONDS, upload_temp_sweep
from tests.reviews.importing import import_file

MB = 1024 * 1024


def _post_claiming(client, url: str, length: int):
    """A multipart POST whose Content-Length says ``length`` while only a few bytes are there: a view
    that read the body would fail on the missing rest, so an answer proves the body was left unread."""
    return client.generic(
        "POST",
        url,
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
    )


def test_an_upload_larger_than_the_import_limit_is_refused_before_its_body_is_read(
    review, owner, client_for, settings
):
    settings.IMPORT_MAX_BYTES = 200 * MB
    response = _post_claiming(
        client_for(owner), reverse("reviews:import_upload", args=[review.slug]), 300 * MB
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "This upload is 300.0 MB; this form accepts at most 200 MB at a time." in page
    assert not ImportBatch.objects.exists()


def test_a_full_text_larger_than_its_limit_is_refused_the_same_way(
    review_with_records, reviewer, client_for, settings
):
    settings.FULLTEXT_MAX_BYTES = 50 * MB
    record = review_with_records.records.first()
    url = reverse("screening:fulltext_upload", args=[review_with_records.slug, record.pk])
    response = _post_claiming(client_for(reviewer), url, 60 * MB)
    assert response.status_code == 413
    assert "at most 50 MB" in response.content.decode()


def test_a_limit_below_a_forms_size_is_kept_too(review, owner, client_for, settings):
    settings.IMPORT_MAX_BYTES = 1 * MB
    response = _post_claiming(client_for(owner), reverse("reviews:import_upload", args=[review.slug]), 3 * MB)
    assert response.status_code == 413
    assert "This upload is 3.0 MB; this form accepts at most 1 MB at a time." in response.content.decode()


def test_a_view_that_takes_no_files_takes_no_more_than_a_form(review, reviewer, client_for):
    url = reverse("reviews:imports", args=[review.slug])
    assert _post_claiming(client_for(reviewer), url, 40 * MB).status_code == 413


def test_an_upload_within_the_limit_is_read_as_usual(review, owner, client_for, settings):
    settings.IMPORT_MAX_BYTES = 200 * MB
    # Claims 2 MB, well within the limit: the view reads the body (here too short, so Django refuses it).
    with pytest.raises(AssertionError, match="Cannot read more than the available bytes"):
        _post_claiming(client_for(owner), reverse("reviews:import_upload", args=[review.slug]), 2 * MB)


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_before_the_rest_of_a_large_upload_is_sent(live_server, review, owner, client):
    client.force_login(owner)
    session = client.cookies["sessionid"].value
    path = reverse("reviews:import_upload", args=[review.slug])
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: sessionid={session}\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {1024 * MB}\r\n\r\n"
            ).encode()
            + b"x" * (64 * 1024)  # a GB announced, 64 KB sent: the answer must not wait for the rest
        )
        started = time.monotonic()
        answer = connection.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


# --- Half-received uploads -----------------------------------------------------------------------------


def test_uploads_are_spooled_under_the_apps_own_folder(settings):
    assert Path(settings.FILE_UPLOAD_TEMP_DIR).is_dir()
    assert Path(settings.FILE_UPLOAD_TEMP_DIR) != Path("/tmp")


def test_half_received_uploads_no_request_is_writing_are_swept(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    left_behind = tmp_path / "tmpa1b2c3.upload.ris"  # as Django names them
    left_behind.write_bytes(b"TY  - JOUR\n" * 1000)
    hour_ago = time.time() - UPLOAD_TEMP_MAX_AGE_SECONDS - 60
    os.utime(left_behind, (hour_ago, hour_ago))
    arriving = tmp_path / "tmpd4e5f6.upload.ris"  # a live request writes it as its chunks come
    arriving.write_bytes(b"TY  - JOUR\n")
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("not an upload")
    os.utime(unrelated, (hour_ago, hour_ago))
    assert upload_temp_sweep() == 1
    assert not left_behind.exists() and arriving.exists() and unrelated.exists()


def test_a_large_request_sweeps_what_a_killed_process_left_behind(
    review, owner, client_for, settings, tmp_path
):
    from config import middleware

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    settings.IMPORT_MAX_BYTES = 200 * MB
    left_behind = tmp_path / "tmpa1b2c3.upload.ris"
    left_behind.write_bytes(b"x")
    hour_ago = time.time() - UPLOAD_TEMP_MAX_AGE_SECONDS - 60
    os.utime(left_behind, (hour_ago, hour_ago))
    middleware.RequestSizeMiddleware.SWEEP_EVERY_SECONDS = 0
    try:
        _post_claiming(client_for(owner), reverse("reviews:import_upload", args=[review.slug]), 300 * MB)
    finally:
        middleware.RequestSizeMiddleware.SWEEP_EVERY_SECONDS = 600
    assert not left_behind.exists()


# --- A failed import's file ---------------------------------------------------------------------------


def test_a_failed_imports_file_is_kept_for_a_while_then_removed_and_its_row_stays(
    review, owner, client_for, settings
):
    settings.FAILED_IMPORT_KEEP_DAYS = 14
    batch = import_file(review, owner, "cut.ris", b"TY  - JOUR\nTI  - A title with no end\n")
    assert batch.status == ImportBatch.Status.FAILED
    stored = batch.file.name
    assert batch.file.storage.exists(stored)
    until = (batch.finished_at + dt.timedelta(days=14)).date().isoformat()
    page = client_for(owner).get(reverse("reviews:imports", args=[review.slug])).content.decode()
    assert (
        f"The uploaded file is kept until {until} for checking, then removed (Delete removes it now)." in page
    )

    assert import_failed_files_sweep(now=timezone.now() + dt.timedelta(days=13)) == 0
    assert batch.file.storage.exists(stored)
    assert import_failed_files_sweep(now=timezone.now() + dt.timedelta(days=15)) == 1
    batch.refresh_from_db()
    assert not batch.file and not batch.file.storage.exists(stored)
    assert batch.status == ImportBatch.Status.FAILED and batch.error
    page = client_for(owner).get(reverse("reviews:imports", args=[review.slug])).content.decode()
    assert "The uploaded file has been removed; this row and its error stay." in page


def test_the_owner_deletes_a_failed_import_and_its_file_at_once(
    review, owner, client_for, django_capture_on_commit_callbacks
):
    batch = import_file(review, owner, "cut.ris", b"TY  - JOUR\nTI  - A title with no end\n")
    stored, storage = batch.file.name, batch.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).post(reverse("reviews:import_delete", args=[review.slug, batch.pk]))
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()
    assert not storage.exists(stored)


@pytest.mark.django_db
def test_the_sweep_command_says_what_it_removed(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert out.getvalue().strip() == "Removed 0 half-received uploads and 0 failed import files."
