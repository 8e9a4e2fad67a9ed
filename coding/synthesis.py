"""The synthesis a results section reports, computed from the coded excerpts (reads only).

* **Domain table:** per framework domain, the number of coded items of each valence from each perspective
  group, with percentages. The unit is one excerpt mapped to one domain: an excerpt mapped to two domains
  counts once in each. The default denominator is every item of that valence in the review, which gives
  the figures a paper prints ("barriers HCP n = 84 (23.5%)" of 357 barrier items).
* **Themes:** each theme, sub-theme and code with the number of studies and excerpts behind it and a few
  example quotes.
* **Study × domain matrix:** how many items each study gives each domain.

Every table is computed over one set of excerpts: the final set (reconciled, or a single coder's) by
default, or one coder's own (``Scope``). Filters narrow it by group, valence and study.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.utils.formats import localize

from coding.models import Code, Domain, Excerpt, Framework, PerspectiveGroup, Valence
from coding.selectors import study_label
from lib.spreadsheet import Table
from reviews.models import Record, Review

DENOMINATORS = {
    "valence": "all items of that valence",
    "group": "all items of that valence from that group",
    "domain": "all items in that domain",
}
UNIT_TEXT = (
    "One item is one excerpt mapped to one domain; an excerpt mapped to two domains counts once in each."
)
EXAMPLES_PER_NODE = 3
FIRST_FEW = 40  # a node's excerpts (by id) whose lengths are compared for its examples


class Shown:
    """Numbers as a page prints them (``localize``), each distinct one formatted once: a heat map's thousand
    cells hold a few dozen distinct numbers, and formatting one looks up the language's formats."""

    def __init__(self) -> None:
        self._texts: dict[tuple[type, int | float], str] = {}

    def __call__(self, value: int | float) -> str:
        key = (type(value), value)  # 1 and 1.0 print differently
        if key not in self._texts:
            self._texts[key] = localize(value)
        return self._texts[key]


def percent(n: int, denominator: int) -> float | None:
    """A percentage to one decimal, halves rounded up as a paper prints them (84 of 357 → 23.5)."""
    if not denominator:
        return None
    exact = Decimal(100 * n) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Scope:
    """Which excerpts: the final set, or one coder's own (``coder_id``); narrowed by the filters."""

    coder_id: int | None = None
    group_ids: tuple[int, ...] = ()
    valence_ids: tuple[int, ...] = ()
    record_ids: tuple[int, ...] = ()
    framework_id: int | None = None

    @property
    def is_final(self) -> bool:
        return self.coder_id is None


def _in_scope(review: Review, scope: Scope, prefix: str = "") -> Q:
    """The scope as conditions on an excerpt, or (``prefix="excerpt__"``) on a row that links one: a link
    table is then joined to its excerpts once rather than matched against a list of them."""
    conditions = {f"{prefix}review": review}
    if scope.is_final:
        conditions[f"{prefix}is_final"] = True
    else:
        conditions[f"{prefix}coder_id"] = scope.coder_id
    if scope.group_ids:
        conditions[f"{prefix}group_id__in"] = scope.group_ids
    if scope.valence_ids:
        conditions[f"{prefix}valence_id__in"] = scope.valence_ids
    if scope.record_ids:
        conditions[f"{prefix}record_id__in"] = scope.record_ids
    return Q(**conditions)


def scoped_excerpts(review: Review, scope: Scope) -> QuerySet[Excerpt]:
    return Excerpt.objects.filter(_in_scope(review, scope))


# --- 6a: the domain table ------------------------------------------------------------------------------


@dataclass
class Cell:
    n: int
    percent: float | None
    denominator: int


@dataclass
class DomainRow:
    framework: Framework
    domain: Domain
    cells: dict[tuple[int, int], Cell]
    total: int
    by_valence: dict[int, int]
    cell_list: list[Cell] = field(default_factory=list)  # in the table's column order, for the page


@dataclass
class DomainTable:
    rows: list[DomainRow]
    valences: list[Valence]
    groups: list[PerspectiveGroup]
    denominator: str
    totals: dict[int, int]
    items: int
    excerpts: int
    unmapped: int

    @property
    def columns(self) -> list[tuple[Valence, PerspectiveGroup]]:
        return [(valence, group) for valence in self.valences for group in self.groups]

    @property
    def valence_totals(self) -> list[tuple[Valence, int]]:
        return [(valence, self.totals.get(valence.pk, 0)) for valence in self.valences]

    @property
    def denominator_text(self) -> str:
        return DENOMINATORS[self.denominator]

    @property
    def max_total(self) -> int:
        return max([row.total for row in self.rows] + [1])


def _labels(
    review: Review, scope: Scope, labels: tuple[list[Valence], list[PerspectiveGroup]] | None
) -> tuple[list[Valence], list[PerspectiveGroup]]:
    if labels is not None:
        valences, groups = labels
    else:
        valences = list(Valence.objects.filter(review=review))
        groups = list(PerspectiveGroup.objects.filter(review=review))
    if scope.valence_ids:
        valences = [valence for valence in valences if valence.pk in scope.valence_ids]
    if scope.group_ids:
        groups = [group for group in groups if group.pk in scope.group_ids]
    return valences, groups


def domain_table(
    *,
    review: Review,
    scope: Scope = Scope(),
    denominator: str = "valence",
    labels: tuple[list[Valence], list[PerspectiveGroup]] | None = None,
) -> DomainTable:
    """``labels``: the review's valences and groups when the caller has read them already."""
    if denominator not in DENOMINATORS:
        raise ValueError(f"unknown denominator {denominator!r}")
    excerpts = scoped_excerpts(review, scope)
    domains = list(Domain.objects.filter(framework__review=review).select_related("framework"))
    if scope.framework_id:
        domains = [domain for domain in domains if domain.framework_id == scope.framework_id]
    valences, groups = _labels(review, scope, labels)
    counts: dict[tuple[int, int, int], int] = {}
    for domain_id, valence_id, group_id, n in (
        Excerpt.domains.through.objects.filter(
            _in_scope(review, scope, "excerpt__"), domain__in=[d.pk for d in domains]
        )
        .values_list("domain_id", "excerpt__valence_id", "excerpt__group_id")
        .annotate(n=Count("pk"))
    ):
        counts[(domain_id, valence_id, group_id)] = n
    by_valence: dict[int, int] = defaultdict(int)
    by_valence_group: dict[tuple[int, int], int] = defaultdict(int)
    by_domain: dict[int, int] = defaultdict(int)
    for (domain_id, valence_id, group_id), n in counts.items():
        by_valence[valence_id] += n
        by_valence_group[(valence_id, group_id)] += n
        by_domain[domain_id] += n
    rows = []
    for domain in domains:
        cells = {}
        for valence in valences:
            for group in groups:
                n = counts.get((domain.pk, valence.pk, group.pk), 0)
                base = {
                    "valence": by_valence[valence.pk],
                    "group": by_valence_group[(valence.pk, group.pk)],
                    "domain": by_domain[domain.pk],
                }[denominator]
                cells[(valence.pk, group.pk)] = Cell(n, percent(n, base), base)
        row_valence = {valence.pk: sum(cells[(valence.pk, g.pk)].n for g in groups) for valence in valences}
        cell_list = [cells[(valence.pk, group.pk)] for valence in valences for group in groups]
        rows.append(
            DomainRow(domain.framework, domain, cells, sum(row_valence.values()), row_valence, cell_list)
        )
    rows.sort(key=lambda row: (-row.total, row.framework.position, row.domain.position))
    mapped = Excerpt.domains.through.objects.filter(excerpt_id=OuterRef("pk"))
    sizes = excerpts.aggregate(excerpts=Count("pk"), unmapped=Count("pk", filter=~Exists(mapped)))
    return DomainTable(
        rows=rows,
        valences=valences,
        groups=groups,
        denominator=denominator,
        totals=dict(by_valence),
        items=sum(counts.values()),
        excerpts=sizes["excerpts"],
        unmapped=sizes["unmapped"],
    )


def domain_rows_json(table: DomainTable) -> list[dict]:
    """Table 6a as ``synthesis --format json`` prints it: one row per domain, valence and group."""
    return [
        {
            "framework": row.framework.short_name or row.framework.name,
            "domain": row.domain.name,
            "valence": valence.name,
            "group": group.name,
            "n": row.cells[(valence.pk, group.pk)].n,
            "percent": row.cells[(valence.pk, group.pk)].percent,
            "denominator": row.cells[(valence.pk, group.pk)].denominator,
        }
        for row in table.rows
        for valence, group in table.columns
    ]


def domain_table_export(table: DomainTable) -> Table:
    header = ["framework", "domain"]
    for valence, group in table.columns:
        header += [f"{valence.name} {group.name} n", f"{valence.name} {group.name} %"]
    header.append("total")
    rows = []
    for row in table.rows:
        cells = [row.framework.short_name or row.framework.name, row.domain.name]
        for valence, group in table.columns:
            cell = row.cells[(valence.pk, group.pk)]
            cells += [cell.n, cell.percent]
        rows.append([*cells, row.total])
    return Table("Domains", header, rows)


@dataclass
class Segment:
    label: str
    n: int
    x: float
    width: float
    css: str


@dataclass
class ChartBar:
    label: str
    valence: Valence
    total: int
    segments: list[Segment]


@dataclass
class ChartRow:
    domain: str
    bars: list[ChartBar]


def domain_chart(table: DomainTable) -> list[ChartRow]:
    """Bars per domain, one per valence, each split by group; widths on one scale (percent of the largest
    bar) so the domains compare at a glance."""
    largest = max([n for row in table.rows for n in row.by_valence.values()] + [1])
    chart = []
    for row in table.rows:
        if not row.total:
            continue
        bars = []
        for valence in table.valences:
            x, segments = 0.0, []
            for number, group in enumerate(table.groups, start=1):
                n = row.cells[(valence.pk, group.pk)].n
                if n:
                    width = 100 * n / largest
                    segments.append(Segment(group.name, n, round(x, 3), round(width, 3), f"group-{number}"))
                    x += width
            bars.append(ChartBar(valence.name, valence, row.by_valence[valence.pk], segments))
        chart.append(ChartRow(row.domain.name, bars))
    return chart


# --- 6b: themes and sub-themes -------------------------------------------------------------------------


@dataclass
class Example:
    quote: str
    study: str
    page: int | None


@dataclass
class ThemeRow:
    code: Code
    depth: int
    studies: int
    excerpts: int
    examples: list[Example] = field(default_factory=list)


def theme_table(*, review: Review, scope: Scope = Scope()) -> list[ThemeRow]:
    codes = list(Code.objects.filter(review=review).order_by("position", "pk"))
    children = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)
    links = defaultdict(set)
    record_of = {}
    for code_id, excerpt_id, record_id in Excerpt.codes.through.objects.filter(
        _in_scope(review, scope, "excerpt__")
    ).values_list("code_id", "excerpt_id", "excerpt__record_id"):
        links[code_id].add(excerpt_id)
        record_of[excerpt_id] = record_id
    # Per node, gathered up from its children: the excerpts behind it, their studies, and its first few
    # excerpts (the first few of a node are among the first few of its children and its own).
    behind: dict[int, set[int]] = {}
    studies: dict[int, set[int]] = {}
    first: dict[int, list[int]] = {}

    def gather(code: Code) -> None:
        own = links[code.pk]
        found, found_studies, found_first = set(own), {record_of[i] for i in own}, sorted(own)[:FIRST_FEW]
        for child in children[code.pk]:
            gather(child)
            found |= behind[child.pk]
            found_studies |= studies[child.pk]
            found_first += first[child.pk]
        behind[code.pk], studies[code.pk] = found, found_studies
        first[code.pk] = sorted(set(found_first))[:FIRST_FEW]

    roots = sorted(children[None], key=lambda code: (code.kind != Code.Kind.THEME, code.position, code.pk))
    for root in roots:
        gather(root)
    examples = _examples(behind, first, record_of)
    rows = []

    def walk(code: Code, depth: int) -> None:
        ids = behind[code.pk]
        rows.append(ThemeRow(code, depth, len(studies[code.pk]), len(ids), examples.get(code.pk, [])))
        for child in children[code.pk]:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return rows


def _examples(
    behind: dict[int, set[int]], first: dict[int, list[int]], record_of: dict[int, int]
) -> dict[int, list[Example]]:
    """A few quotes per node: its longest few, one per study where it can. The candidates (the first few of
    any node) are compared by their length and study alone; only the quotes picked are read."""
    wanted = set()
    for ids in first.values():
        wanted.update(ids)
    length_of = dict(
        Excerpt.objects.filter(pk__in=wanted).annotate(length=Length("quote")).values_list("pk", "length")
    )
    # Longest first (then by id), ranked once for all the nodes that share candidates.
    rank = {pk: n for n, pk in enumerate(sorted(wanted, key=lambda i: (-length_of[i], i)))}
    picks = {}
    for code_id, ids in behind.items():
        candidates = sorted(ids & wanted, key=rank.__getitem__)
        picks[code_id] = _spread_over_studies(candidates, record_of)
    shown = {
        excerpt.pk: excerpt
        for excerpt in Excerpt.objects.filter(pk__in={pk for picked in picks.values() for pk in picked})
        .select_related("record")
        .only("quote", "page", "record__authors", "record__year", "record__id")
    }
    return {
        code_id: [Example(shown[pk].quote, study_label(shown[pk].record), shown[pk].page) for pk in picked]
        for code_id, picked in picks.items()
    }


def _spread_over_studies(candidates: list[int], study_of: dict[int, int]) -> list[int]:
    """The first few candidates from as many studies as there are; when fewer studies than places, the
    next longest of those studies fill them, so a node coded in one study still shows its few quotes."""
    picked, studies = [], set()
    for pk in candidates:
        if len(picked) == EXAMPLES_PER_NODE:
            break
        if study_of[pk] not in studies:
            picked.append(pk)
            studies.add(study_of[pk])
    for pk in candidates:
        if len(picked) == EXAMPLES_PER_NODE:
            break
        if pk not in picked:
            picked.append(pk)
    return sorted(picked, key=candidates.index)


def theme_table_export(rows: list[ThemeRow]) -> Table:
    header = ["level", "theme / sub-theme / code", "studies", "excerpts", "example quotes"]
    data = [
        [
            row.code.get_kind_display(),
            ("  " * row.depth) + row.code.name,
            row.studies,
            row.excerpts,
            " | ".join(
                f"“{example.quote}” ({example.study}{f', p. {example.page}' if example.page else ''})"
                for example in row.examples
            ),
        ]
        for row in rows
    ]
    return Table("Themes", header, data)


# --- 6c: study × domain matrix ---------------------------------------------------------------------------


@dataclass
class Matrix:
    domains: list[Domain]
    studies: list[tuple[Record, str]]
    counts: dict[tuple[int, int], int]
    heat: dict[tuple[int, int], int]
    max_count: int

    @property
    def rows(self) -> list[tuple[Record, str, list[tuple[str, str]]]]:
        """Per study its cells as the page prints them: the count ("" for none) and the heat level."""
        shown = Shown()
        return [
            (record, label, [(shown(n) if n else "", shown(heat)) for _, n, heat in self.row(record)])
            for record, label in self.studies
        ]

    def row(self, record: Record) -> list[tuple[Domain, int, int]]:
        return [
            (domain, self.counts.get((record.pk, domain.pk), 0), self.heat.get((record.pk, domain.pk), 0))
            for domain in self.domains
        ]


HEAT_LEVELS = 5


def study_domain_matrix(*, review: Review, scope: Scope = Scope()) -> Matrix:
    domains = list(Domain.objects.filter(framework__review=review).select_related("framework"))
    if scope.framework_id:
        domains = [domain for domain in domains if domain.framework_id == scope.framework_id]
    counts = {
        (record_id, domain_id): n
        for record_id, domain_id, n in Excerpt.domains.through.objects.filter(
            _in_scope(review, scope, "excerpt__"), domain__in=[domain.pk for domain in domains]
        )
        .values_list("excerpt__record_id", "domain_id")
        .annotate(n=Count("pk"))
    }
    records = (
        Record.objects.filter(pk__in={record_id for record_id, _ in counts})
        .only("pk", "authors", "year")
        .order_by("pk")
    )
    studies = sorted(
        ((record, study_label(record)) for record in records), key=lambda item: (item[1], item[0].pk)
    )
    top = max(counts.values(), default=0)
    # Levels 1–5 by share of the largest cell, so one busy study does not wash out the rest entirely.
    heat = {key: max(1, -(-HEAT_LEVELS * n // top)) for key, n in counts.items() if n} if top else {}
    return Matrix(domains, studies, counts, heat, top)


def matrix_export(matrix: Matrix) -> Table:
    header = ["study", "record_id"] + [domain.name for domain in matrix.domains] + ["total"]
    rows = []
    for record, label in matrix.studies:
        counts = [matrix.counts.get((record.pk, domain.pk), 0) for domain in matrix.domains]
        rows.append([label, record.pk, *counts, sum(counts)])
    return Table("Study x domain", header, rows)
