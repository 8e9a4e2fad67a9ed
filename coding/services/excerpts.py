"""Coders on studies, and their excerpts: made from a selected passage or typed in, coded, mapped to
domains, marked with valence and group; blind to the other coder until the lead reconciles the study."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from coding.models import (
    Code,
    CodingAssignment,
    CodingSettings,
    CodingStudy,
    Domain,
    Excerpt,
    PerspectiveGroup,
    StudyText,
    StudyTextPage,
    Valence,
)
from coding.services.codebook import code_ensure
from coding.services.frameworks import coding_setup
from coding.services.texts import page_of
from extraction.selectors import included_studies
from reviews.errors import ReviewRuleError
from reviews.models import Membership, Record, Review
from reviews.services.audit import audit_record

CODER_NOT_A_REVIEWER = "Only the review's reviewers code studies."
CODER_LEAD_MAY_NOT = "Leads reconcile; this review does not let a lead also code studies."
STUDY_NOT_INCLUDED = "Record {record} is not an included study of this review."
STUDY_FULL = "This study already has the coders it needs."
STUDY_RECONCILING = "The lead is reconciling this study; its coders' excerpts can no longer change."
CODER_DONE = "You have marked this study done; reopen it to change your excerpts."
CODER_NOT_ON_STUDY = "You are not one of this study's coders."
CODER_NOT_DONE = "You have not marked this study done."
EXCERPT_NEEDS_PASSAGE = (
    "Nothing was saved: an excerpt needs a quote. Select a passage of the text, or type the quote in."
)
EXCERPT_BLANK_PASSAGE = (
    "Nothing was saved: the selected passage is only blank space. "
    "Select the words to code, or type the quote in."
)
EXCERPT_OUTSIDE_TEXT = (
    "That passage is not in the study's text (it may have been read again): select it again."
)
EXCERPT_NOT_YOURS = "That excerpt is not yours to change."
EXCERPT_UNKNOWN = "Unknown {what}: choose one of this review's."
SINGLE_CODING_HAS_PAIRS = (
    "{count} stud{plural} two coders and no reconciled set yet; reconcile {them} or take a coder off before "
    "coding with one coder per study."
)

BLINDED_ACTIONS = (
    "coding.excerpt_add",
    "coding.excerpt_change",
    "coding.excerpt_delete",
    "coding.excerpt_reanchor",
    "coding.excerpt_lost",
    "coding.claim",
    "coding.done",
    "coding.reopen",
)


def coder_check(*, review: Review, coder: AbstractBaseUser) -> None:
    membership = Membership.objects.filter(review=review, user=coder).select_related("review").first()
    if membership is None or not membership.is_reviewer:
        raise ReviewRuleError(CODER_NOT_A_REVIEWER)
    if not membership.may_decide:
        raise ReviewRuleError(CODER_LEAD_MAY_NOT)


def coding_study_lock(review: Review, record: Record) -> CodingStudy:
    if not included_studies(review=review).filter(pk=record.pk).exists():
        raise ReviewRuleError(STUDY_NOT_INCLUDED.format(record=record.pk))
    # Lock the study's coding row: it serialises coders claiming the last place, a coder saving while the
    # lead opens reconciliation, and two people reconciling.
    study, _ = CodingStudy.objects.select_for_update().get_or_create(review=review, record=record)
    return study


@transaction.atomic
def coding_assign(
    *, review: Review, record: Record, coder: AbstractBaseUser, actor: AbstractBaseUser
) -> CodingAssignment:
    """Put a coder on a study: the lead assigning, or a coder claiming it (actor = coder)."""
    coder_check(review=review, coder=coder)
    settings = coding_setup(review=review)
    study = coding_study_lock(review, record)
    existing = CodingAssignment.objects.filter(study=study, coder=coder).first()
    if existing is not None:
        return existing
    if study.is_reconciling:
        raise ReviewRuleError(STUDY_RECONCILING)
    if study.assignments.count() >= settings.coders_per_study:
        raise ReviewRuleError(STUDY_FULL)
    assignment = CodingAssignment.objects.create(
        review=review, study=study, coder=coder, assigned_by=actor if actor != coder else None
    )
    audit_record(
        actor=actor,
        review=review,
        action="coding.claim" if actor == coder else "coding.assign",
        target=assignment,
        after={"record": record.pk, "coder": coder.get_username()},
    )
    return assignment


@transaction.atomic
def coding_unassign(
    *, review: Review, record: Record, coder: AbstractBaseUser, actor: AbstractBaseUser
) -> None:
    """Take a coder off a study; their excerpts of it go too (the lead's call, audited with the count)."""
    study = coding_study_lock(review, record)
    if study.is_reconciling:
        raise ReviewRuleError(STUDY_RECONCILING)
    assignment = CodingAssignment.objects.filter(study=study, coder=coder).first()
    if assignment is None:
        return
    excerpts = Excerpt.objects.filter(record=record, coder=coder)
    audit_record(
        actor=actor,
        review=review,
        action="coding.unassign",
        target=assignment,
        before={"record": record.pk, "coder": coder.get_username(), "excerpts": excerpts.count()},
    )
    excerpts.delete()
    assignment.delete()


def _own_assignment(
    review: Review, record: Record, coder: AbstractBaseUser, study: CodingStudy
) -> CodingAssignment:
    assignment = CodingAssignment.objects.filter(study=study, coder=coder).first()
    if assignment is None:
        # Coding a first passage claims the study, when a place is free.
        assignment = coding_assign(review=review, record=record, coder=coder, actor=coder)
    if assignment.is_done:
        raise ReviewRuleError(CODER_DONE)
    return assignment


@transaction.atomic
def coding_mark_done(
    *, review: Review, record: Record, coder: AbstractBaseUser, done: bool = True
) -> CodingAssignment:
    study = coding_study_lock(review, record)
    assignment = CodingAssignment.objects.filter(study=study, coder=coder).first()
    if assignment is None:
        raise ReviewRuleError(CODER_NOT_ON_STUDY)
    if study.is_reconciling:
        raise ReviewRuleError(STUDY_RECONCILING)
    if not done and not assignment.is_done:
        raise ReviewRuleError(CODER_NOT_DONE)
    assignment.done_at = timezone.now() if done else None
    assignment.save(update_fields=["done_at"])
    audit_record(
        actor=coder,
        review=review,
        action="coding.done" if done else "coding.reopen",
        target=assignment,
        after={"record": record.pk},
    )
    return assignment


@dataclass
class ExcerptInput:
    """What the coding panel (or an import) says about an excerpt."""

    start: int | None = None
    end: int | None = None
    quote: str = ""
    page: int | None = None
    valence_id: int | None = None
    group_id: int | None = None
    code_ids: list[int] = field(default_factory=list)
    new_code: str = ""
    new_code_theme: str = ""
    new_code_subtheme: str = ""
    domain_ids: list[int] = field(default_factory=list)
    note: str = ""


def _snapshot(
    excerpt: Excerpt, *, codes: list[Code] | None = None, domains: list[Domain] | None = None
) -> dict:
    """What the audit keeps of an excerpt; ``codes`` and ``domains`` when they were just set."""
    codes = excerpt.codes.all() if codes is None else codes
    domains = excerpt.domains.all() if domains is None else domains
    return {
        "quote": excerpt.quote[:300],
        "start": excerpt.start,
        "end": excerpt.end,
        "page": excerpt.page,
        "valence": excerpt.valence.name if excerpt.valence_id else None,
        "group": excerpt.group.name if excerpt.group_id else None,
        "codes": sorted(code.name for code in codes),
        "domains": sorted(domain.name for domain in domains),
        "note": excerpt.note,
    }


def _place(review: Review, record: Record, data: ExcerptInput, excerpt: Excerpt) -> None:
    """Offsets, quote and page from the stored text (never the browser's copy); or a typed-in quote."""
    if data.start is not None and data.end is not None and data.end > data.start:
        pages = list(
            StudyTextPage.objects.filter(study_text__record=record, study_text__status=StudyText.Status.READY)
        )
        text = "".join(page.text for page in pages)
        if data.start < 0 or data.end > len(text):
            raise ReviewRuleError(EXCERPT_OUTSIDE_TEXT)
        # A stray double click at the end of a line selects only its line break: no quote to code.
        if not text[data.start : data.end].strip():
            raise ReviewRuleError(EXCERPT_BLANK_PASSAGE)
        excerpt.start, excerpt.end, excerpt.quote = data.start, data.end, text[data.start : data.end]
        excerpt.page, excerpt.anchor = page_of(pages, data.start), Excerpt.Anchor.ANCHORED
        return
    quote = data.quote.strip()
    if not quote:
        raise ReviewRuleError(EXCERPT_NEEDS_PASSAGE)
    if excerpt.pk is None or quote != excerpt.quote or excerpt.anchor == Excerpt.Anchor.TYPED:
        excerpt.start = excerpt.end = None
        excerpt.quote, excerpt.page, excerpt.anchor = quote, data.page, Excerpt.Anchor.TYPED


def _labels(review: Review, data: ExcerptInput, actor: AbstractBaseUser) -> tuple:
    valence = Valence.objects.filter(review=review, pk=data.valence_id).first() if data.valence_id else None
    group = (
        PerspectiveGroup.objects.filter(review=review, pk=data.group_id).first() if data.group_id else None
    )
    codes = list(Code.objects.filter(review=review, pk__in=data.code_ids))
    domains = list(Domain.objects.filter(framework__review=review, pk__in=data.domain_ids))
    if (data.valence_id and valence is None) or (data.group_id and group is None):
        raise ReviewRuleError(EXCERPT_UNKNOWN.format(what="valence or group"))
    if len(codes) != len(set(data.code_ids)) or len(domains) != len(set(data.domain_ids)):
        raise ReviewRuleError(EXCERPT_UNKNOWN.format(what="code or domain"))
    if data.new_code.strip() or data.new_code_theme.strip():
        new = code_ensure(
            review=review,
            actor=actor,
            name=data.new_code,
            theme=data.new_code_theme,
            subtheme=data.new_code_subtheme,
        )
        if new is not None and new not in codes:
            codes.append(new)
    return valence, group, codes, domains


def _writable(
    review: Review, record: Record, actor: AbstractBaseUser, excerpt: Excerpt | None, settings: CodingSettings
) -> tuple:
    """Who writes: a coder on their own excerpts (claiming the study on the first one), or the lead on the
    reconciled set once reconciliation is open. Returns (coder or None, is_final)."""
    study = coding_study_lock(review, record)
    is_lead_edit = (excerpt is not None and excerpt.coder_id is None) or (
        excerpt is None and study.is_reconciling
    )
    if is_lead_edit:
        membership = Membership.objects.filter(review=review, user=actor).first()
        if membership is None or not membership.is_lead:
            raise ReviewRuleError(STUDY_RECONCILING if study.is_reconciling else EXCERPT_NOT_YOURS)
        return None, True
    if excerpt is not None and excerpt.coder_id != actor.pk:
        raise ReviewRuleError(EXCERPT_NOT_YOURS)
    coder_check(review=review, coder=actor)
    if study.is_reconciling:
        raise ReviewRuleError(STUDY_RECONCILING)
    _own_assignment(review, record, actor, study)
    return actor, not settings.is_dual


@transaction.atomic
def excerpt_save(
    *,
    review: Review,
    record: Record,
    actor: AbstractBaseUser,
    data: ExcerptInput,
    excerpt: Excerpt | None = None,
) -> Excerpt:
    settings = coding_setup(review=review)
    coder, is_final = _writable(review, record, actor, excerpt, settings)
    before = _snapshot(excerpt) if excerpt is not None else None
    if excerpt is None:
        excerpt = Excerpt(review=review, record=record, coder=coder, is_final=is_final, created_by=actor)
    _place(review, record, data, excerpt)
    excerpt.valence, excerpt.group, codes, domains = _labels(review, data, actor)
    excerpt.note = data.note.strip()
    excerpt.save()
    if before is None:  # a new excerpt has no links to compare with
        excerpt.codes.add(*codes)
        excerpt.domains.add(*domains)
    else:
        excerpt.codes.set(codes)
        excerpt.domains.set(domains)
    after = _snapshot(excerpt, codes=codes, domains=domains)
    if before != after:
        audit_record(
            actor=actor,
            review=review,
            action="coding.excerpt_add" if before is None else "coding.excerpt_change",
            target=excerpt,
            before=before,
            after={**after, "record": record.pk},
        )
    return excerpt


@transaction.atomic
def excerpt_delete(*, review: Review, excerpt: Excerpt, actor: AbstractBaseUser) -> None:
    _writable(review, excerpt.record, actor, excerpt, coding_setup(review=review))
    audit_record(
        actor=actor,
        review=review,
        action="coding.excerpt_delete",
        target=excerpt,
        before={**_snapshot(excerpt), "record": excerpt.record_id},
    )
    # Coders' excerpts this reconciled one was made from go back to waiting for the lead.
    Excerpt.objects.filter(reconciled_into=excerpt).update(reconcile_state=Excerpt.Reconcile.PENDING)
    excerpt.delete()


@transaction.atomic
def coding_settings_update(
    *, review: Review, actor: AbstractBaseUser, coders_per_study: int
) -> CodingSettings:
    coding_settings = CodingSettings.objects.select_for_update().get(pk=coding_setup(review=review).pk)
    before = coding_settings.coders_per_study
    if before == coders_per_study:
        return coding_settings
    coding_settings.coders_per_study = coders_per_study
    coding_settings.save(update_fields=["coders_per_study"])
    final_set_refresh(review=review, is_dual=coding_settings.is_dual)
    audit_record(
        actor=actor,
        review=review,
        action="coding.settings",
        target=coding_settings,
        before={"coders_per_study": before},
        after={"coders_per_study": coders_per_study},
    )
    return coding_settings


def final_set_refresh(*, review: Review, is_dual: bool) -> None:
    """After the review changes how many coders a study has: which coders' excerpts the synthesis counts.

    Two coders: only reconciled excerpts (a study coded alone so far waits for its second coder). One coder:
    each study's coder's excerpts, unless the study already has a reconciled set.
    """
    coder_excerpts = Excerpt.objects.filter(review=review, coder__isnull=False)
    if is_dual:
        coder_excerpts.update(is_final=False)
        return
    reconciled = Excerpt.objects.filter(review=review, coder__isnull=True).values("record_id")
    # Two coders on a study (coding or merely assigned) would both count once each counted directly.
    twice = (
        CodingAssignment.objects.filter(review=review)
        .values("study__record_id")
        .annotate(coders=Count("coder_id", distinct=True))
        .filter(coders__gt=1)
        .exclude(study__record_id__in=reconciled)
    )
    pending = twice.count()
    if pending:
        raise ReviewRuleError(
            SINGLE_CODING_HAS_PAIRS.format(
                count=pending,
                plural="y has" if pending == 1 else "ies have",
                them="it" if pending == 1 else "them",
            )
        )
    reconciled = Excerpt.objects.filter(review=review, coder__isnull=True).values("record_id")
    coder_excerpts.filter(~Q(record_id__in=reconciled)).update(is_final=True)
