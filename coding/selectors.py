"""Reads for qualitative coding. Who may see what is decided by the views (``access.sees_unsettled``); these
take the answer as ``sees_all`` and return plain data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BooleanField, Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils.safestring import SafeString, mark_safe

from coding.models import (
    Code,
    CodingAssignment,
    CodingSettings,
    CodingStudy,
    Domain,
    Excerpt,
    Framework,
    PerspectiveGroup,
    StudyText,
    StudyTextPage,
    Valence,
)
from coding.units import Coded, Unit, UnitAgreement, pair_units, unit_agreement
from extraction.selectors import included_studies, included_study_ids
from reviews.models import Record, Review


def study_label(record: Record) -> str:
    """How a results section cites a study: "Smith 2019" (the record number when there is no author)."""
    author = record.first_author.split(",")[0].split(" ")[0].strip() if record.first_author else ""
    if not author:
        return f"Record {record.pk}"
    return f"{author} {record.year}" if record.year else author


def coding_settings_of(review: Review) -> CodingSettings | None:
    return CodingSettings.objects.filter(review=review).first()


def codable_study(*, review: Review, record_id: int) -> Record | None:
    return included_studies(review=review).filter(pk=record_id).first()


# --- Studies ----------------------------------------------------------------------------------------


@dataclass
class StudyRow:
    record: Record
    label: str
    text_status: str
    mine: CodingAssignment | None
    my_excerpts: int
    coders: list[CodingAssignment] = field(default_factory=list)
    # The coders' excerpts in all, each coder's beside their assignment, and the lead's reconciled ones: a
    # study coded by two and reconciled has three sets, which one sum would run together.
    excerpts: int = 0
    coder_excerpts: list[tuple[CodingAssignment, int]] = field(default_factory=list)
    reconciled_excerpts: int = 0
    final_excerpts: int = 0
    is_reconciling: bool = False
    is_reconciled: bool = False
    may_claim: bool = False
    done_count: int = 0

    @property
    def both_done(self) -> bool:
        return len(self.coders) >= 2 and all(each.is_done for each in self.coders)


def coding_study_rows(
    *,
    review: Review,
    viewer: AbstractBaseUser,
    sees_all: bool,
    record_ids: list[int] | None = None,
    places: int | None = None,
) -> list[StudyRow]:
    """One row per included study (or per one of ``record_ids``). A blinded viewer's row carries their own
    work and the final set only. ``places``: coders a study takes, when the caller has read the settings."""
    if places is None:
        settings = coding_settings_of(review)
        places = settings.coders_per_study if settings else 2
    # A row names its study by title and label: the abstract and the rest of the record stay in the database.
    studies = included_studies(review=review).only("pk", "title", "authors", "year")
    if record_ids is not None:
        studies = studies.filter(pk__in=record_ids)
    studies = list(studies)
    ids = [study.pk for study in studies]
    texts = dict(StudyText.objects.filter(record_id__in=ids).values_list("record_id", "status"))
    coding = {
        each.record_id: each
        for each in CodingStudy.objects.filter(record_id__in=ids).prefetch_related(
            Prefetch("assignments", queryset=CodingAssignment.objects.select_related("coder"))
        )
    }
    counts = defaultdict(lambda: defaultdict(int))
    for record_id, coder_id, is_final, n in (
        Excerpt.objects.filter(record_id__in=ids)
        .values_list("record_id", "coder_id", "is_final")
        .annotate(n=Count("pk"))
    ):
        counts[record_id][coder_id] += n
        if is_final:
            counts[record_id]["final"] += n
    rows = []
    for study in studies:
        state = coding.get(study.pk)
        assignments = list(state.assignments.all()) if state else []
        mine = next((each for each in assignments if each.coder_id == viewer.pk), None)
        row = StudyRow(
            record=study,
            label=study_label(study),
            text_status=texts.get(study.pk, ""),
            mine=mine,
            my_excerpts=counts[study.pk].get(viewer.pk, 0),
            final_excerpts=counts[study.pk].get("final", 0),
            is_reconciling=bool(state and state.is_reconciling),
            is_reconciled=bool(state and state.reconciled_at),
            may_claim=mine is None and len(assignments) < places and not (state and state.is_reconciling),
            done_count=sum(1 for each in assignments if each.is_done),
        )
        if sees_all:
            row.coders = assignments
            row.coder_excerpts = [(each, counts[study.pk].get(each.coder_id, 0)) for each in assignments]
            row.excerpts = sum(n for key, n in counts[study.pk].items() if key not in ("final", None))
            row.reconciled_excerpts = counts[study.pk].get(None, 0)
        rows.append(row)
    return rows


def coding_overview(
    *,
    review: Review,
    viewer: AbstractBaseUser,
    sees_all: bool,
    shown: int,
    study_ids: list[int] | None = None,
) -> tuple[dict, list[StudyRow], int]:
    """The overview's coding figures counted by the database, the rows
    of ``shown`` studies, those not yet reconciled first, and how many studies are not shown. A review can
    include hundreds of studies: a row each, built on every visit, was most of the overview's time.
    ``study_ids``: the included studies' ids (``included_study_ids``), when the caller has them."""
    included = included_studies(review=review).values("pk")
    ids = included_study_ids(review=review) if study_ids is None else study_ids
    reconciled = set(
        CodingStudy.objects.filter(record_id__in=included, reconciled_at__isnull=False).values_list(
            "record_id", flat=True
        )
    )
    final = Excerpt.objects.filter(record_id__in=included, is_final=True).aggregate(
        excerpts=Count("pk"), studies=Count("record", distinct=True)
    )
    # How many studies each coder has finished is for those who see unsettled work only.
    coded = (
        CodingAssignment.objects.filter(study__record_id__in=included, done_at__isnull=False)
        .values("study")
        .distinct()
        .count()
        if sees_all
        else None
    )
    settings = coding_settings_of(review)
    progress = {
        "is_dual": settings.is_dual if settings else True,
        "studies": len(ids),
        "coded": coded,
        "reconciled": len(reconciled),
        "with_final": final["studies"],
        "final_excerpts": final["excerpts"],
    }
    shown_ids = sorted(ids, key=lambda pk: (pk in reconciled, pk))[:shown]
    rows = coding_study_rows(
        review=review,
        viewer=viewer,
        sees_all=sees_all,
        record_ids=shown_ids,
        places=settings.coders_per_study if settings else 2,
    )
    rows.sort(key=lambda row: (row.is_reconciled, row.record.pk))
    return progress, rows, len(ids) - len(rows)


# --- The reading pane ----------------------------------------------------------------------------


def study_text_of(*, record: Record) -> StudyText | None:
    return StudyText.objects.filter(record=record).first()


def study_pages(*, study_text: StudyText | None) -> list[StudyTextPage]:
    if study_text is None or study_text.status != StudyText.Status.READY:
        return []
    return list(study_text.pages.all())


def _visible(*, record: Record, viewer: AbstractBaseUser, sees_all: bool) -> QuerySet[Excerpt]:
    excerpts = Excerpt.objects.filter(record=record)
    if not sees_all:
        excerpts = excerpts.filter(Q(coder=viewer) | Q(is_final=True))
    return excerpts.order_by("start", "pk")


def study_pages_over(*, record: Record, spans: list[tuple[int, int]]) -> list[StudyTextPage]:
    """The pages of the study's text (when it is ready) under any of the spans (start, end)."""
    if not spans:
        return []
    over = Q()
    for start, end in spans:
        over |= Q(start__lt=end, stop__gt=start)
    return list(
        StudyTextPage.objects.filter(study_text__record=record, study_text__status=StudyText.Status.READY)
        .annotate(stop=F("start") + Length("text"))
        .filter(over)
        .order_by("number")
    )


def excerpts_visible(
    *, review: Review, record: Record, viewer: AbstractBaseUser, sees_all: bool
) -> QuerySet[Excerpt]:
    """What the viewer may see of a study's excerpts: all of them for a lead (or an owner who does not code);
    for anyone else their own and the final set."""
    return (
        _visible(record=record, viewer=viewer, sees_all=sees_all)
        .select_related("valence", "group", "coder")
        .prefetch_related("codes", "domains")
    )


def lost_excerpts(*, record: Record, viewer: AbstractBaseUser, sees_all: bool) -> list[Excerpt]:
    return list(
        _visible(record=record, viewer=viewer, sees_all=sees_all)
        .filter(anchor=Excerpt.Anchor.LOST)
        .only("pk", "quote")
    )


def visible_excerpt_order(
    *, record: Record, viewer: AbstractBaseUser, sees_all: bool
) -> list[tuple[int, str]]:
    """The visible excerpts' (id, anchor) in the reading pane's order."""
    return list(_visible(record=record, viewer=viewer, sees_all=sees_all).values_list("pk", "anchor"))


def pane_excerpts(
    *,
    review: Review,
    record: Record,
    viewer: AbstractBaseUser,
    sees_all: bool,
    ids: list[int] | None = None,
    span: tuple[int, int] | None = None,
) -> list[Excerpt]:
    """The visible excerpts as the reading pane shows them: all of them, or only those of ``ids`` and those
    over the text ``span`` (start, end); each with ``code_list``, ``domain_list`` and ``theme_colour``. The
    codebook and the domains are read once and shared, rather than made again for every excerpt."""
    excerpts = _visible(record=record, viewer=viewer, sees_all=sees_all).select_related(
        "valence", "group", "coder"
    )
    if ids is not None or span is not None:
        wanted = Q(pk__in=ids or [])
        if span is not None:
            wanted |= Q(start__lt=span[1], end__gt=span[0])
        excerpts = excerpts.filter(wanted)
    excerpts = list(excerpts)
    by_id = {excerpt.pk: excerpt for excerpt in excerpts}
    if not by_id:
        return []
    codes = {code.pk: code for code in Code.objects.filter(review=review)}
    domains = {domain.pk: domain for domain in Domain.objects.filter(framework__review=review)}
    for excerpt in excerpts:
        excerpt.code_list, excerpt.domain_list = [], []
    # Both kinds of link in one query: (excerpt, code or domain, whether it is a code).
    code_links = Excerpt.codes.through.objects.filter(excerpt_id__in=by_id).values_list(
        "excerpt_id", "code_id", Value(True, output_field=BooleanField())
    )
    domain_links = Excerpt.domains.through.objects.filter(excerpt_id__in=by_id).values_list(
        "excerpt_id", "domain_id", Value(False, output_field=BooleanField())
    )
    for excerpt_id, linked_id, is_code in code_links.union(domain_links, all=True):
        if is_code:
            by_id[excerpt_id].code_list.append(codes[linked_id])
        else:
            by_id[excerpt_id].domain_list.append(domains[linked_id])
    for excerpt in excerpts:
        excerpt.code_list.sort(key=lambda code: (code.position, code.pk))
        excerpt.domain_list.sort(key=lambda domain: (domain.position, domain.pk))
        excerpt.theme_colour = _theme_colour(excerpt.code_list, codes)
    return excerpts


def _theme_colour(code_list: list[Code], codes: dict[int, Code]) -> int | None:
    if not code_list:
        return None
    code = code_list[0]
    while code.parent_id is not None:
        code = codes[code.parent_id]
    return code.colour


def visible_excerpts_of_review(
    *, review: Review, viewer: AbstractBaseUser, sees_all: bool
) -> QuerySet[Excerpt]:
    excerpts = Excerpt.objects.filter(review=review)
    return excerpts if sees_all else excerpts.filter(Q(coder=viewer) | Q(is_final=True))


@dataclass
class Highlight:
    start: int
    end: int
    excerpt_ids: list[int]
    css: str


def _css(excerpt: Excerpt, highlight_by: str) -> str:
    if highlight_by == "theme":
        return f"theme-{excerpt.theme_colour}" if excerpt.theme_colour is not None else "theme-none"
    return f"valence-{excerpt.valence.colour}" if excerpt.valence_id else "valence-none"


def page_html(page: StudyTextPage, excerpts: list[Excerpt], highlight_by: str) -> SafeString:
    """The page's text (``excerpts`` as ``pane_excerpts`` gives them) with each coded passage in a ``<mark>``; where excerpts overlap, the text is cut at
    every boundary and each piece names all the excerpts over it (the last one made gives the colour)."""
    inside = [
        each
        for each in excerpts
        if each.start is not None and each.start < page.end and each.end > page.start
    ]
    cuts = {page.start, page.end}
    for excerpt in inside:
        cuts.update((max(excerpt.start, page.start), min(excerpt.end, page.end)))
    ordered = sorted(cuts)
    parts = []
    for left, right in zip(ordered, ordered[1:], strict=False):
        piece = escape(page.text[left - page.start : right - page.start], quote=False)
        over = [each for each in inside if each.start < right and each.end > left]
        if not over:
            parts.append(piece)
            continue
        latest = max(over, key=lambda each: each.pk)
        ids = " ".join(str(each.pk) for each in over)
        parts.append(
            f'<mark class="excerpt {_css(latest, highlight_by)}" data-excerpts="{ids}" data-excerpt="{latest.pk}">'
            f"{piece}</mark>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text is escaped above)


# --- Codebook, frameworks, labels -------------------------------------------------------------------


def frameworks_of(*, review: Review, with_domains: bool = True) -> list[Framework]:
    frameworks = Framework.objects.filter(review=review)
    return list(frameworks.prefetch_related("domains") if with_domains else frameworks)


def valences_of(*, review: Review) -> list[Valence]:
    return list(Valence.objects.filter(review=review))


def groups_of(*, review: Review) -> list[PerspectiveGroup]:
    return list(PerspectiveGroup.objects.filter(review=review))


@dataclass
class CodeNode:
    code: Code
    children: list[CodeNode] = field(default_factory=list)
    excerpts: int = 0
    path: str = ""


def codebook_tree(*, review: Review, excerpts: QuerySet[Excerpt] | None = None) -> list[CodeNode]:
    """Themes (and loose codes) with what sits under them; ``excerpts`` counts each node's own links among
    the given excerpts (the viewer's visible ones)."""
    codes = list(Code.objects.filter(review=review).order_by("position", "pk"))
    used = {}
    if excerpts is not None:
        used = dict(
            Excerpt.codes.through.objects.filter(excerpt__in=excerpts)
            .values_list("code_id")
            .annotate(n=Count("pk"))
            .values_list("code_id", "n")
        )
    nodes = {code.pk: CodeNode(code=code, excerpts=used.get(code.pk, 0)) for code in codes}
    roots = []
    for code in codes:
        node = nodes[code.pk]
        if code.parent_id is None:
            node.path = code.name
            roots.append(node)
        else:
            nodes[code.parent_id].children.append(node)
    for root in roots:
        _paths(root)
    # Themes first, then codes not yet placed under a theme.
    return sorted(
        roots, key=lambda node: (node.code.kind != Code.Kind.THEME, node.code.position, node.code.pk)
    )


def _paths(node: CodeNode) -> None:
    for child in node.children:
        child.path = f"{node.path} › {child.code.name}"
        _paths(child)


def code_choices(*, review: Review) -> list[tuple[int, str, str, str]]:
    """(id, name, path, kind) of every codebook node, for the coding panel's type-ahead."""
    flat = []

    def walk(nodes: list[CodeNode]) -> None:
        for node in nodes:
            flat.append((node.code.pk, node.code.name, node.path, node.code.kind))
            walk(node.children)

    walk(codebook_tree(review=review))
    return flat


# --- Agreement and reconciliation -------------------------------------------------------------------


def _coded(excerpt: Excerpt) -> Coded:
    # Only an anchored excerpt's offsets say where it is; the others pair by their quotes.
    anchored = excerpt.anchor == Excerpt.Anchor.ANCHORED
    return Coded(
        id=excerpt.pk,
        quote=excerpt.quote,
        start=excerpt.start if anchored else None,
        end=excerpt.end if anchored else None,
        valence=excerpt.valence_id,
        domains=frozenset(domain.pk for domain in excerpt.domains.all()),
    )


def _coder_pairs(review: Review, record_ids: list[int]) -> dict[int, tuple[list[Coded], list[Coded]]]:
    """Per study coded by two coders who are both done: each coder's excerpts (first coder first)."""
    states = CodingStudy.objects.filter(review=review, record_id__in=record_ids).prefetch_related(
        "assignments"
    )
    coders = {}
    for state in states:
        assignments = sorted(state.assignments.all(), key=lambda each: (each.created_at, each.pk))
        if len(assignments) >= 2 and all(each.is_done for each in assignments[:2]):
            coders[state.record_id] = (assignments[0].coder_id, assignments[1].coder_id)
    by_study: dict[int, tuple[list[Coded], list[Coded]]] = {record_id: ([], []) for record_id in coders}
    excerpts = Excerpt.objects.filter(record_id__in=list(coders), coder__isnull=False).prefetch_related(
        "domains"
    )
    for excerpt in excerpts.order_by("pk"):
        first, second = coders[excerpt.record_id]
        if excerpt.coder_id == first:
            by_study[excerpt.record_id][0].append(_coded(excerpt))
        elif excerpt.coder_id == second:
            by_study[excerpt.record_id][1].append(_coded(excerpt))
    return by_study


@dataclass
class StudyAgreement:
    record_id: int
    label: str
    result: UnitAgreement


def coding_agreement(*, review: Review) -> tuple[list[StudyAgreement], UnitAgreement | None]:
    """Agreement per study both coders finished, and over all of them (units pooled)."""
    studies = {study.pk: study for study in included_studies(review=review)}
    domain_ids = list(Domain.objects.filter(framework__review=review).values_list("pk", flat=True))
    rows, every_unit = [], []
    for record_id, (first, second) in sorted(_coder_pairs(review, list(studies)).items()):
        units = pair_units(first, second)
        every_unit += units
        rows.append(
            StudyAgreement(record_id, study_label(studies[record_id]), unit_agreement(units, domain_ids))
        )
    return rows, (unit_agreement(every_unit, domain_ids) if rows else None)


@dataclass
class ReconcileUnit:
    unit: Unit
    first: Excerpt | None
    second: Excerpt | None
    final: Excerpt | None
    state: str

    @property
    def ids(self) -> str:
        return ",".join(str(each.pk) for each in (self.first, self.second) if each is not None)


def reconcile_units(
    *, review: Review, record: Record
) -> tuple[list[ReconcileUnit], list, UnitAgreement | None]:
    """The study's units in text order, each with its two coders' excerpts and what the lead made of them;
    with the two coders' assignments and the study's agreement."""
    state = CodingStudy.objects.filter(record=record).first()
    assignments = (
        sorted(state.assignments.select_related("coder"), key=lambda each: (each.created_at, each.pk))
        if state
        else []
    )
    if len(assignments) < 2:
        return [], assignments, None
    excerpts = {
        excerpt.pk: excerpt
        for excerpt in Excerpt.objects.filter(record=record, coder__isnull=False)
        .select_related("valence", "group", "reconciled_into")
        .prefetch_related("codes", "domains")
    }
    first = [_coded(each) for each in excerpts.values() if each.coder_id == assignments[0].coder_id]
    second = [_coded(each) for each in excerpts.values() if each.coder_id == assignments[1].coder_id]
    units = pair_units(sorted(first, key=lambda c: c.id), sorted(second, key=lambda c: c.id))
    rows = []
    for unit in units:
        a = excerpts[unit.first.id] if unit.first else None
        b = excerpts[unit.second.id] if unit.second else None
        members = [each for each in (a, b) if each is not None]
        finals = [each.reconciled_into for each in members if each.reconciled_into_id]
        states = {each.reconcile_state for each in members}
        rows.append(
            ReconcileUnit(
                unit, a, b, finals[0] if finals else None, states.pop() if len(states) == 1 else "pending"
            )
        )
    domain_ids = list(Domain.objects.filter(framework__review=review).values_list("pk", flat=True))
    return rows, assignments, unit_agreement(units, domain_ids)
