"""Setting up coding through the real services: included studies, their texts read from a PDF, excerpts
named by their labels, and coded data as a CSV."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from coding.models import Code, Domain, Excerpt, PerspectiveGroup, StudyText, Valence
from coding.services.excerpts import ExcerptInput, excerpt_save
from coding.services.frameworks import coding_setup
from coding.services.texts import study_text_read, study_text_request
from lib.simple_pdf import text_pdf
from reviews.models import Record
from screening.models import Stage
from screening.services import full_text_upload
from tests.extraction.helpers import included_studies
from tests.reviews.importing import import_file
from tests.screening.helpers import decide

# A study's text, one passage a paragraph (short enough that the PDF writer does not wrap it).
PAGES = [
    "Background. Nurses care for patients with chronic pain in primary care.",
    "Results. Time pressure was the main barrier for nurses.\n"
    "Training in pain assessment helped nurses feel confident.\n"
    "Patients said the waiting room had no space to talk.",
    "Discussion. Managers who protected time for training made change possible.",
]


def coded_studies(review, owner, reviewers, count: int = 3) -> list[Record]:
    """``count`` studies included by both reviewers, with the review's coding set up."""
    records = included_studies(review, owner, reviewers, count=count)
    coding_setup(review=review)
    return records


def studies_with_source_ids(review, owner, reviewers, source_ids: list[str]) -> list[Record]:
    """Studies imported with an accession number each (RIS ``AN``), included by both reviewers."""
    entries = [
        f"TY  - JOUR\nTI  - Accession study {number}\nAU  - Writer{number}, B\nPY  - 2015\n"
        f"AN  - {source_id}\nER  - \n"
        for number, source_id in enumerate(source_ids, start=1)
    ]
    import_file(review, owner, "accession.ris", "\n".join(entries).encode(), source="Embase")
    records = list(Record.objects.filter(review=review, title__startswith="Accession study").order_by("pk"))
    for record in records:
        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
            for reviewer in reviewers:
                decide(review, record, reviewer, "include", stage=stage)
    coding_setup(review=review)
    return records


def pdf_upload(review, record, actor, pages: list[str]) -> None:
    full_text_upload(
        review=review, record=record, actor=actor, uploaded=SimpleUploadedFile("s.pdf", text_pdf(pages))
    )


def text_read(review, record, actor, pages: list[str] = PAGES) -> StudyText:
    """Upload a PDF of these pages and read its text, as the background job would after the upload."""
    pdf_upload(review, record, actor, pages)
    study_text_request(review=review, record=record, actor=actor)
    return study_text_read(record_id=record.pk)


def text_of(record) -> str:
    return "".join(page.text for page in StudyText.objects.get(record=record).pages.all())


def span(record, passage: str) -> tuple[int, int]:
    """The offsets of a passage in the study's stored text."""
    start = text_of(record).index(passage)
    return start, start + len(passage)


def valence(review, name: str) -> Valence:
    return Valence.objects.get(review=review, name=name)


def group(review, name: str) -> PerspectiveGroup:
    return PerspectiveGroup.objects.get(review=review, name=name)


def domain(review, name: str) -> Domain:
    return Domain.objects.get(framework__review=review, framework__short_name="TDF", name=name)


def code(review, name: str) -> Code:
    return Code.objects.get(review=review, name=name)


def excerpt_input(
    review,
    record=None,
    *,
    passage: str = "",
    quote: str = "",
    page: int | None = None,
    valence_name: str | None = "Barrier",
    group_name: str | None = "HCP",
    domains: tuple[str, ...] = (),
    codes: tuple[Code, ...] = (),
    **more,
) -> ExcerptInput:
    """What the coding panel sends: a passage selected in the text (offsets), or a quote typed in."""
    start, end = span(record, passage) if passage else (None, None)
    return ExcerptInput(
        start=start,
        end=end,
        quote=quote,
        page=page,
        valence_id=valence(review, valence_name).pk if valence_name else None,
        group_id=group(review, group_name).pk if group_name else None,
        domain_ids=[domain(review, name).pk for name in domains],
        code_ids=[each.pk for each in codes],
        **more,
    )


def code_excerpt(review, record, actor, excerpt: Excerpt | None = None, **kwargs) -> Excerpt:
    return excerpt_save(
        review=review,
        record=record,
        actor=actor,
        data=excerpt_input(review, record, **kwargs),
        excerpt=excerpt,
    )


IMPORT_COLUMNS = [
    "study",
    "quote",
    "valence",
    "group",
    "domains",
    "theme",
    "subtheme",
    "codes",
    "coder",
    "page",
]


def csv_bytes(rows: list[dict], columns: list[str] = IMPORT_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue().encode()
