"""Coded data brought in from a CSV (NVivo or spreadsheet exports, or another team's coding): all or nothing,
every bad line listed at once. Columns: ``study`` (record id or source record id), ``quote``, ``valence``,
``group``, ``domains`` (``;``-separated names, case-insensitive), and optionally ``theme``, ``subtheme``,
``codes`` (``;``), ``coder`` (a username; empty for the reconciled set), ``page``, ``note``."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from coding.models import CodingAssignment, CodingStudy, Domain, Excerpt, PerspectiveGroup, StudyText, Valence
from coding.services.codebook import code_ensure
from coding.services.excerpts import STUDY_FULL, STUDY_RECONCILING, coder_check
from coding.services.frameworks import coding_setup
from coding.services.texts import page_of, quote_find
from extraction.selectors import included_studies
from reviews.errors import ReviewRuleError
from reviews.models import Review, SourceRecord
from reviews.services.audit import audit_record

REQUIRED_COLUMNS = ("study", "quote", "valence", "group", "domains")
OPTIONAL_COLUMNS = ("theme", "subtheme", "codes", "coder", "page", "note")
FILE_EMPTY = "The file is empty."
FILE_NOT_UTF8 = "The file is not UTF-8 text."
FILE_MISSING_COLUMNS = "The file needs the columns {columns}."
ROW_NO_STUDY = (
    "study “{value}” is not an included study of this review (give its record id or source record id)."
)
ROW_AMBIGUOUS_STUDY = "source record id “{value}” names {count} different studies; give the record id."
ROW_NO_QUOTE = "the quote is empty."
ROW_UNKNOWN = "{what} “{value}” is not one of this review's ({known})."
ROW_AMBIGUOUS_DOMAIN = (
    "domain “{value}” is in several frameworks ({frameworks}); write it as “Framework: Domain”."
)
ROW_BAD_PAGE = "page “{value}” is not a page number."
ROW_NOT_A_CODER = "coder “{value}”: {problem}"
ROW_SUBTHEME_WITHOUT_THEME = "a sub-theme needs its theme."
_FRAMEWORK_COLON = re.compile(r"\s*:\s*")


class ExcerptImportInvalid(ReviewRuleError):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = sorted(errors)
        super().__init__("\n".join(f"line {line}: {message}" for line, message in self.errors))


@dataclass
class _Row:
    line: int
    record_id: int
    quote: str
    valence: Valence | None
    group: PerspectiveGroup | None
    domains: list[Domain]
    theme: str = ""
    subtheme: str = ""
    codes: list[str] = field(default_factory=list)
    coder: AbstractBaseUser | None = None
    page: int | None = None
    note: str = ""


@dataclass
class ExcerptImportResult:
    excerpts: int = 0
    studies: int = 0
    anchored: int = 0
    codes_created: int = 0


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


class _Lookup:
    """The review's studies, labels and domains, read once for the whole file."""

    def __init__(self, review: Review):
        self.studies = set(included_studies(review=review).values_list("pk", flat=True))
        by_source = defaultdict(set)
        for source_id, record_id in SourceRecord.objects.filter(
            review=review, record_id__in=self.studies
        ).values_list("source_record_id", "record_id"):
            if source_id:
                by_source[source_id.strip()].add(record_id)
        self.by_source = by_source
        self.valences = {valence.name.lower(): valence for valence in Valence.objects.filter(review=review)}
        self.groups = {group.name.lower(): group for group in PerspectiveGroup.objects.filter(review=review)}
        self.domains = defaultdict(list)
        for domain in Domain.objects.filter(framework__review=review).select_related("framework"):
            self.domains[domain.name.lower()].append(domain)
            for label in {domain.framework.name, domain.framework.short_name} - {""}:
                self.domains[f"{label.lower()}: {domain.name.lower()}"].append(domain)
        self.coders: dict[str, AbstractBaseUser | str] = {}
        self.review = review

    def study(self, value: str) -> tuple[int | None, str]:
        value = value.strip()
        if value.isdigit() and int(value) in self.studies:
            return int(value), ""
        found = self.by_source.get(value, set())
        if len(found) == 1:
            return next(iter(found)), ""
        if len(found) > 1:
            return None, ROW_AMBIGUOUS_STUDY.format(value=value, count=len(found))
        return None, ROW_NO_STUDY.format(value=value)

    def coder(self, username: str) -> AbstractBaseUser | str:
        if username not in self.coders:
            user = get_user_model().objects.filter(username=username).first()
            try:
                if user is None:
                    raise ReviewRuleError("no such account")
                coder_check(review=self.review, coder=user)
                self.coders[username] = user
            except ReviewRuleError as error:
                self.coders[username] = ROW_NOT_A_CODER.format(value=username, problem=error)
        return self.coders[username]


def _label(known: dict, value: str, what: str, errors: list[str]):
    if not value.strip():
        return None
    found = known.get(value.strip().lower())
    if found is None:
        names = ", ".join(each.name for each in known.values())
        errors.append(ROW_UNKNOWN.format(what=what, value=value.strip(), known=names))
    return found


def _domains(lookup: _Lookup, value: str, errors: list[str]) -> list[Domain]:
    domains = []
    for name in _split(value):
        plain = " ".join(name.lower().split())
        # "TDF:Knowledge" and "TDF : Knowledge" name the same domain as "TDF: Knowledge".
        found = lookup.domains.get(plain) or lookup.domains.get(_FRAMEWORK_COLON.sub(": ", plain, count=1))
        if not found:
            errors.append(
                ROW_UNKNOWN.format(what="domain", value=name, known="see the frameworks on the coding page")
            )
        elif len(found) > 1:
            frameworks = ", ".join(str(domain.framework) for domain in found)
            errors.append(ROW_AMBIGUOUS_DOMAIN.format(value=name, frameworks=frameworks))
        elif found[0] not in domains:
            domains.append(found[0])
    return domains


def _row(lookup: _Lookup, line: int, cells: dict[str, str]) -> tuple[_Row | None, list[str]]:
    errors: list[str] = []
    record_id, problem = lookup.study(cells.get("study", ""))
    if problem:
        errors.append(problem)
    quote = (cells.get("quote") or "").strip()
    if not quote:
        errors.append(ROW_NO_QUOTE)
    valence = _label(lookup.valences, cells.get("valence", ""), "valence", errors)
    group = _label(lookup.groups, cells.get("group", ""), "group", errors)
    domains = _domains(lookup, cells.get("domains", ""), errors)
    page_text = (cells.get("page") or "").strip()
    if page_text and not page_text.isdigit():
        errors.append(ROW_BAD_PAGE.format(value=page_text))
    if (cells.get("subtheme") or "").strip() and not (cells.get("theme") or "").strip():
        errors.append(ROW_SUBTHEME_WITHOUT_THEME)
    coder = None
    if (cells.get("coder") or "").strip():
        coder = lookup.coder(cells["coder"].strip())
        if isinstance(coder, str):
            errors.append(coder)
    if errors:
        return None, errors
    return (
        _Row(
            line=line,
            record_id=record_id,
            quote=quote,
            valence=valence,
            group=group,
            domains=domains,
            theme=(cells.get("theme") or "").strip(),
            subtheme=(cells.get("subtheme") or "").strip(),
            codes=_split(cells.get("codes", "")),
            coder=coder,
            page=int(page_text) if page_text else None,
            note=(cells.get("note") or "").strip(),
        ),
        [],
    )


def excerpt_rows_read(review: Review, data: bytes) -> list[_Row]:
    """Check every line; ExcerptImportInvalid lists all the bad ones."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExcerptImportInvalid([(1, FILE_NOT_UTF8)]) from None
    if not text.strip():
        raise ExcerptImportInvalid([(1, FILE_EMPTY)])
    reader = csv.DictReader(io.StringIO(text))
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ExcerptImportInvalid([(1, FILE_MISSING_COLUMNS.format(columns=", ".join(REQUIRED_COLUMNS)))])
    coding_setup(review=review)
    lookup = _Lookup(review)
    rows, errors = [], []
    for cells in reader:
        clean = {key: (cells.get(original) or "") for key, original in header.items()}
        if not any(value.strip() for value in clean.values()):
            continue
        row, problems = _row(lookup, reader.line_num, clean)
        errors += [(reader.line_num, problem) for problem in problems]
        if row is not None:
            rows.append(row)
    if errors:
        raise ExcerptImportInvalid(errors)
    return rows


def _texts(record_ids: set[int]) -> dict[int, tuple[str, list]]:
    texts = {}
    for study_text in StudyText.objects.filter(
        record_id__in=record_ids, status=StudyText.Status.READY
    ).prefetch_related("pages"):
        pages = list(study_text.pages.all())
        texts[study_text.record_id] = ("".join(page.text for page in pages), pages)
    return texts


def _places_check(rows: list[_Row], places: int) -> None:
    """A coder's rows need a place on the study, as coding it by hand does: no more coders than the review
    has per study (else the single-coded synthesis counts a study twice), and none while it is reconciled."""
    coders = defaultdict(set)
    for row in rows:
        if row.coder is not None:
            coders[row.record_id].add(row.coder.pk)
    existing = defaultdict(set)
    for record_id, coder_id in CodingAssignment.objects.filter(study__record_id__in=coders).values_list(
        "study__record_id", "coder_id"
    ):
        existing[record_id].add(coder_id)
    reconciling = set(
        CodingStudy.objects.filter(record_id__in=coders, reconciliation_opened_at__isnull=False).values_list(
            "record_id", flat=True
        )
    )
    errors = []
    for row in rows:
        if row.coder is None:
            continue
        if row.record_id in reconciling:
            errors.append((row.line, STUDY_RECONCILING))
        elif row.coder.pk not in existing[row.record_id] and (
            len(existing[row.record_id] | coders[row.record_id]) > places
        ):
            errors.append((row.line, STUDY_FULL))
    if errors:
        raise ExcerptImportInvalid(errors)


@transaction.atomic
def excerpts_import(
    *, review: Review, actor: AbstractBaseUser | None, data: bytes, filename: str = ""
) -> ExcerptImportResult:
    settings = coding_setup(review=review)
    rows = excerpt_rows_read(review, data)
    _places_check(rows, settings.coders_per_study)
    result = ExcerptImportResult(excerpts=len(rows), studies=len({row.record_id for row in rows}))
    codes_before = review.coding_codes.count()
    texts = _texts({row.record_id for row in rows})
    studies = {}
    for record_id in {row.record_id for row in rows}:
        studies[record_id], _ = CodingStudy.objects.get_or_create(review=review, record_id=record_id)
    for coder_id, record_id in {(row.coder.pk, row.record_id) for row in rows if row.coder is not None}:
        CodingAssignment.objects.get_or_create(review=review, study=studies[record_id], coder_id=coder_id)
    excerpts, code_links, domain_links = [], [], []
    code_cache: dict[tuple, object] = {}
    for row in rows:
        excerpt = Excerpt(
            review=review,
            record_id=row.record_id,
            coder=row.coder,
            is_final=row.coder is None or not settings.is_dual,
            quote=row.quote,
            page=row.page,
            anchor=Excerpt.Anchor.TYPED,
            valence=row.valence,
            group=row.group,
            note=row.note,
            created_by=actor,
        )
        text, pages = texts.get(row.record_id, ("", []))
        spot = quote_find(text, row.quote, None) if text else None
        if spot is not None:
            excerpt.start, excerpt.end = spot
            excerpt.page, excerpt.anchor = page_of(pages, spot[0]), Excerpt.Anchor.ANCHORED
            result.anchored += 1
        excerpts.append(excerpt)
        names = row.codes or [""]
        for name in names:
            key = (name.lower(), row.theme.lower(), row.subtheme.lower())
            if key not in code_cache:
                code_cache[key] = code_ensure(
                    review=review, actor=actor, name=name, theme=row.theme, subtheme=row.subtheme
                )
        code_links.append(
            {code_cache[(name.lower(), row.theme.lower(), row.subtheme.lower())] for name in names} - {None}
        )
        domain_links.append(row.domains)
    Excerpt.objects.bulk_create(excerpts, batch_size=1000)
    Excerpt.codes.through.objects.bulk_create(
        [
            Excerpt.codes.through(excerpt_id=excerpt.pk, code_id=code.pk)
            for excerpt, codes in zip(excerpts, code_links, strict=True)
            for code in codes
        ],
        batch_size=2000,
    )
    Excerpt.domains.through.objects.bulk_create(
        [
            Excerpt.domains.through(excerpt_id=excerpt.pk, domain_id=domain.pk)
            for excerpt, domains in zip(excerpts, domain_links, strict=True)
            for domain in domains
        ],
        batch_size=2000,
    )
    result.codes_created = review.coding_codes.count() - codes_before
    audit_record(
        actor=actor,
        review=review,
        action="coding.import",
        after={
            "file": filename,
            "excerpts": result.excerpts,
            "studies": result.studies,
            "anchored": result.anchored,
            "codes_created": result.codes_created,
        },
    )
    return result
