"""A study's text: read once from its PDF's text layer by a background job, stored page by page; pasted by a
person where the PDF has no text layer. When the text changes (read again, a new PDF, pasted), every excerpt
is anchored again by its quote; one whose quote is gone is flagged for a person, never silently moved."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction

from coding.models import Excerpt, StudyText, StudyTextPage
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record
from screening.models import FullText

TEXT_NO_PDF = "This study has no PDF yet: upload its full text, or paste its text below."
TEXT_PASTE_EMPTY = "Paste the study's text first."
TEXT_NOT_PDF = "The PDF could not be read: {error}"
# Fewer characters than this per page on average: a scan without a text layer (page numbers only, say).
MIN_CHARACTERS_PER_PAGE = 25
PROGRESS_SECONDS = 3600
STUDY_TEXT_TASK = "coding.tasks.study_text_process"  # the job, by its registered name (coding/tasks.py)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Pasted text: a form feed, or a line that says "Page 3" on its own, starts a new page.
_PASTED_PAGE = re.compile(r"\f|^\s*(?:page|p\.)\s*\d+\s*$", re.IGNORECASE | re.MULTILINE)


def text_normalise(text: str) -> str:
    """What a browser keeps of the text: it turns CR and CRLF into LF, so offsets agree on both sides."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _progress_key(record_id: int) -> str:
    return f"coding:text-progress:{record_id}"


def study_text_progress(record_id: int) -> dict | None:
    return cache.get(_progress_key(record_id))


def _progress_set(record_id: int, done: int, total: int) -> None:
    cache.set(_progress_key(record_id), {"done": done, "total": total}, PROGRESS_SECONDS)


def study_text_needs_reading(
    *, record: Record, study_text: StudyText | None, full_text: FullText | None
) -> bool:
    """A PDF whose text was never read, or a different PDF from the one read (a pasted text stays)."""
    if full_text is None or not full_text.file:
        return False
    if study_text is None:
        return True
    if study_text.source == StudyText.Source.PASTED and study_text.status == StudyText.Status.READY:
        return False
    return study_text.source_sha256 != full_text.sha256


@transaction.atomic
def study_text_request(*, review: Review, record: Record, actor: AbstractBaseUser | None = None) -> StudyText:
    """Queue the reading of the study's PDF (after this transaction commits)."""
    from reviews.jobs import job_enqueue

    full_text = FullText.objects.filter(record=record).first()
    if full_text is None or not full_text.file:
        raise ReviewRuleError(TEXT_NO_PDF)
    study_text, _ = StudyText.objects.select_for_update().get_or_create(review=review, record=record)
    study_text.status, study_text.source, study_text.error = (
        StudyText.Status.PENDING,
        StudyText.Source.PDF,
        "",
    )
    study_text.save(update_fields=["status", "source", "error", "updated_at"])
    _progress_set(record.pk, 0, 0)
    transaction.on_commit(lambda: job_enqueue(STUDY_TEXT_TASK, record.pk))
    return study_text


def _pdf_pages(path_or_file, progress: Callable[[int, int], None]) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path_or_file)
        total = len(reader.pages)
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            pages.append(text_normalise(page.extract_text() or ""))
            progress(number, total)
        return pages
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise ReviewRuleError(TEXT_NOT_PDF.format(error=error)) from None


def study_text_read(*, record_id: int) -> StudyText:
    """The job: read the PDF's text layer outside any transaction (it takes a while), then store it."""
    full_text = FullText.objects.filter(record_id=record_id).first()
    study_text = StudyText.objects.get(record_id=record_id)
    if full_text is None or not full_text.file:
        return _study_text_fail(study_text, TEXT_NO_PDF)
    sha256 = full_text.sha256
    started = time.monotonic()
    try:
        with full_text.file.open("rb") as handle:
            pages = _pdf_pages(handle, lambda done, total: _progress_set(record_id, done, total))
    except ReviewRuleError as error:
        return _study_text_fail(study_text, str(error))
    status = (
        StudyText.Status.READY
        if sum(len(page.strip()) for page in pages) >= MIN_CHARACTERS_PER_PAGE * max(1, len(pages))
        else StudyText.Status.NO_TEXT
    )
    study_text = _study_text_store(
        record_id, pages, status=status, source=StudyText.Source.PDF, sha256=sha256, actor=None
    )
    cache.delete(_progress_key(record_id))
    study_text.seconds = round(time.monotonic() - started, 2)
    return study_text


def _study_text_fail(study_text: StudyText, error: str) -> StudyText:
    study_text.status, study_text.error = StudyText.Status.FAILED, error
    study_text.save(update_fields=["status", "error", "updated_at"])
    cache.delete(_progress_key(study_text.record_id))
    return study_text


@transaction.atomic
def _study_text_store(
    record_id: int, pages: list[str], *, status: str, source: str, sha256: str, actor: AbstractBaseUser | None
) -> StudyText:
    # Lock the text: a paste and a finishing job must not interleave their pages.
    study_text = StudyText.objects.select_for_update().get(record_id=record_id)
    before = {
        "pages": study_text.pages_count,
        "characters": study_text.characters,
        "source": study_text.source,
    }
    study_text.pages.all().delete()
    start, rows = 0, []
    for number, text in enumerate(pages, start=1):
        rows.append(StudyTextPage(study_text=study_text, number=number, start=start, text=text))
        start += len(text)
    StudyTextPage.objects.bulk_create(rows)
    study_text.status, study_text.source, study_text.source_sha256 = status, source, sha256
    study_text.pages_count, study_text.characters, study_text.error = len(pages), start, ""
    study_text.attempts += 1
    study_text.save()
    audit_record(
        actor=actor,
        review=study_text.review,
        action="coding.text_read" if source == StudyText.Source.PDF else "coding.text_paste",
        target=study_text,
        before=before if before["pages"] else None,
        after={"record": record_id, "pages": len(pages), "characters": start, "status": status},
    )
    if status == StudyText.Status.READY:
        excerpts_reanchor(record_id=record_id, pages=rows)
    return study_text


def _pasted_pages(text: str) -> list[str]:
    # Normalise between the form feeds: text_normalise drops control characters, a form feed among them.
    text = "\f".join(text_normalise(part) for part in text.split("\f"))
    cuts = [match.start() for match in _PASTED_PAGE.finditer(text)]
    bounds = [0, *[cut for cut in cuts if cut > 0], len(text)]
    pages = [text[a:b].lstrip("\f") for a, b in zip(bounds, bounds[1:], strict=False)]
    return [page for page in pages if page.strip()] or [text]


def study_text_paste(*, review: Review, record: Record, actor: AbstractBaseUser, text: str) -> StudyText:
    if not text.strip():
        raise ReviewRuleError(TEXT_PASTE_EMPTY)
    with transaction.atomic():
        StudyText.objects.get_or_create(review=review, record=record)
        return _study_text_store(
            record.pk,
            _pasted_pages(text),
            status=StudyText.Status.READY,
            source=StudyText.Source.PASTED,
            sha256="",
            actor=actor,
        )


# --- Anchoring excerpts ------------------------------------------------------------------------------


def page_of(pages: list[StudyTextPage], offset: int) -> int | None:
    for page in pages:
        if page.start <= offset < page.end or (offset == page.end and page is pages[-1]):
            return page.number
    return None


def quote_find(text: str, quote: str, near: int | None) -> tuple[int, int] | None:
    """Where the quote is in the text: exactly, else with its white space read loosely; the place nearest
    to where it was when it is there more than once."""
    spots = [(match.start(), match.start() + len(quote)) for match in re.finditer(re.escape(quote), text)]
    if not spots:
        words = quote.split()
        if not words:
            return None
        loose = r"\s+".join(re.escape(word) for word in words)
        spots = [(match.start(), match.end()) for match in re.finditer(loose, text)]
    if not spots:
        return None
    return min(spots, key=lambda spot: abs(spot[0] - (near or 0)))


def excerpts_reanchor(*, record_id: int, pages: list[StudyTextPage]) -> dict[str, int]:
    """Anchor every excerpt of the study in its (new) text by its quote; audited excerpt by excerpt."""
    text = "".join(page.text for page in pages)
    counts = {"kept": 0, "moved": 0, "lost": 0}
    for excerpt in Excerpt.objects.filter(record_id=record_id).exclude(anchor=Excerpt.Anchor.TYPED):
        if excerpt.start is not None and text[excerpt.start : excerpt.end] == excerpt.quote:
            if excerpt.anchor != Excerpt.Anchor.ANCHORED:
                excerpt.anchor = Excerpt.Anchor.ANCHORED
                excerpt.save(update_fields=["anchor", "updated_at"])
            counts["kept"] += 1
            continue
        before = {"start": excerpt.start, "end": excerpt.end, "page": excerpt.page}
        spot = quote_find(text, excerpt.quote, excerpt.start)
        if spot is None:
            excerpt.anchor = Excerpt.Anchor.LOST
            action, counts["lost"] = "coding.excerpt_lost", counts["lost"] + 1
        else:
            excerpt.start, excerpt.end = spot
            excerpt.page, excerpt.anchor = page_of(pages, spot[0]), Excerpt.Anchor.ANCHORED
            action, counts["moved"] = "coding.excerpt_reanchor", counts["moved"] + 1
        excerpt.save(update_fields=["start", "end", "page", "anchor", "updated_at"])
        audit_record(
            actor=None,
            review=excerpt.review,
            action=action,
            target=excerpt,
            before=before,
            after={"start": excerpt.start, "end": excerpt.end, "page": excerpt.page, "record": record_id},
        )
    return counts
