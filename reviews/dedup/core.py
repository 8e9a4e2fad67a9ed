"""find_duplicates: blocking, pair decisions and constrained clustering."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from .blocking import candidate_pairs
from .cache import PreparedCache
from .compare import AUTO, POSSIBLE, compare, pages_relation, title_similarity
from .records import DedupRecord, DedupResult, PossiblePair, Prepared


class _Clusters:
    """Union-find whose components remember what must never end up together."""

    def __init__(self, records: Sequence[Prepared], cannot: dict[int, set[int]]) -> None:
        n = len(records)
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}
        self.dois: dict[int, frozenset[str]] = {}
        self.pmids: dict[int, frozenset[str]] = {}
        self.years: dict[int, tuple[int, int]] = {}
        self.notices: dict[int, frozenset[str]] = {}
        self.cannot: dict[int, set[int]] = {}
        self.forced: set[int] = set()  # roots of components a reviewer joined (must_link)
        self.records = records
        for rec in records:
            i = rec.idx
            if rec.doi:
                self.dois[i] = frozenset((rec.doi,))
            if rec.pmid:
                self.pmids[i] = frozenset((rec.pmid,))
            if rec.year is not None:
                self.years[i] = (rec.year, rec.year)
            if rec.notice:
                self.notices[i] = frozenset((rec.notice,))
            if i in cannot:
                self.cannot[i] = set(cannot[i])

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def _members(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def conflict(self, ra: int, rb: int, identified: bool = False) -> str:
        """Why components ra and rb must not be joined ("" when they may).

        ``identified``: the pair joining them shares a DOI or PMID, so a year far off is a typing error.
        """
        ca, cb = self.cannot.get(ra), self.cannot.get(rb)
        if ca or cb:
            if ca and any(m in ca for m in self._members(rb)):
                return "a reviewer marked them as different studies"
            if cb and any(m in cb for m in self._members(ra)):
                return "a reviewer marked them as different studies"
        for table, label in ((self.dois, "different DOIs"), (self.pmids, "different PMIDs")):
            sa, sb = table.get(ra), table.get(rb)
            if sa and sb and not (sa <= sb or sb <= sa):
                return f"would join records with {label}"
        if ra in self.forced or rb in self.forced:
            return ""  # a reviewer's group may span years or hold an erratum with its article
        if not identified and self._years_apart(ra, rb):
            return "would join records whose years differ by more than 1"
        if self.notices.get(ra, frozenset()) != self.notices.get(rb, frozenset()):
            return "would join a notice (erratum, comment, retraction) with an article"
        return ""

    def _years_apart(self, ra: int, rb: int) -> bool:
        ya, yb = self.years.get(ra), self.years.get(rb)
        return bool(ya and yb and max(ya[1], yb[1]) - min(ya[0], yb[0]) > 1)

    def union(self, ra: int, rb: int, forced: bool = False) -> int:
        if len(self._members(ra)) < len(self._members(rb)):
            ra, rb = rb, ra
        if self._years_apart(ra, rb) and not forced:
            # Joined on a shared identifier despite a mistyped year: keep the larger side's years.
            self.years.pop(rb, None)
        if forced or rb in self.forced:
            self.forced.add(ra)
        self.forced.discard(rb)
        self.parent[rb] = ra
        members = self.members.get(ra)
        if members is None:
            members = self.members[ra] = [ra]
        members.extend(self.members.pop(rb, None) or [rb])
        for table in (self.dois, self.pmids, self.notices):
            if rb in table:
                table[ra] = table.get(ra, frozenset()) | table.pop(rb)
        if rb in self.years:
            yb = self.years.pop(rb)
            ya = self.years.get(ra, yb)
            self.years[ra] = (min(ya[0], yb[0]), max(ya[1], yb[1]))
        if rb in self.cannot:
            self.cannot.setdefault(ra, set()).update(self.cannot.pop(rb))
        return ra


def _unique_records(records: Sequence[DedupRecord]) -> list[DedupRecord]:
    """Records sorted by key (so the result does not depend on input order); repeated keys collapse."""
    by_key: dict[int, DedupRecord] = {}
    for rec in records:
        current = by_key.get(rec.key)
        if current is None or repr(rec) > repr(current):
            by_key[rec.key] = rec
    return [by_key[k] for k in sorted(by_key)]


def _clearly_different(a: Prepared, b: Prepared) -> bool:
    """Different titles and a different first author or different pages (not a translated title)."""
    if title_similarity(a, b) >= 0.6:
        return False
    return a.first != b.first or pages_relation(a, b) < 0


def _mark_shared_dois(prepared: Sequence[Prepared]) -> None:
    """Mark DOIs carried by records with clearly different titles (a meeting supplement's DOI given to each
    of its abstracts, or a DOI mis-assigned to another article): sharing such a DOI proves nothing. It
    still counts as a DOI: two records with different DOIs are never merged automatically."""
    by_doi: dict[str, list[Prepared]] = {}
    for rec in prepared:
        if rec.doi:
            by_doi.setdefault(rec.doi, []).append(rec)
    for members in by_doi.values():
        if len(members) < 2:
            continue
        titled = [m for m in members if m.title_compact]
        distinct: list[Prepared] = []
        for rec in titled:
            if all(_clearly_different(rec, other) for other in distinct):
                distinct.append(rec)
                if len(distinct) > 1:
                    break
        if len(distinct) > 1:
            for rec in members:
                rec.doi_shared = True


def find_duplicates(
    records: Sequence[DedupRecord],
    *,
    cannot_link: Iterable[tuple[int, int]] = (),
    must_link: Iterable[tuple[int, int]] = (),
    only_involving: Collection[int] | None = None,
    cache: PreparedCache | None = None,
) -> DedupResult:
    """Cluster confident duplicates and list uncertain pairs for a human.

    - ``cannot_link``: pairs a reviewer said are different: never in one group, never offered again.
    - ``must_link``: pairs a reviewer said are the same (or already merged): always in one group.
      (A pair in both lists is kept together: must_link wins.)
    - ``only_involving``: incremental mode; only pairs with at least one key in this set are compared,
      and only groups containing at least one of these keys are returned (with the whole must_link
      cluster they join).
    - ``cache``: normalised records kept from earlier calls (see ``PreparedCache``).

    The result depends only on the records and links, never on their order.
    """
    prepare = cache.prepare if cache is not None else Prepared
    prepared = [prepare(i, rec) for i, rec in enumerate(_unique_records(records))]
    index = {rec.key: rec.idx for rec in prepared}
    keys = [rec.key for rec in prepared]
    _mark_shared_dois(prepared)

    cannot, cannot_pairs = _cannot_links(cannot_link, index)
    clusters = _Clusters(prepared, cannot)
    _apply_must_links(clusters, must_link, index)
    new = None if only_involving is None else {index[k] for k in only_involving if k in index}

    auto: list[_Scored] = []
    possible: list[_Scored] = []
    for i, j in candidate_pairs(prepared, new):
        if (i, j) in cannot_pairs:
            continue
        result = compare(prepared[i], prepared[j])
        if result.level == AUTO:
            auto.append((result.score, i, j, result.reasons))
        elif result.level == POSSIBLE:
            possible.append((result.score, i, j, result.reasons))

    # Most confident pairs first; a pair whose union would break a rule becomes a possible pair.
    auto.sort(key=lambda t: (-t[0], keys[t[1]], keys[t[2]]))
    for score, i, j, reasons in auto:
        ra, rb = clusters.find(i), clusters.find(j)
        if ra == rb:
            continue
        why = clusters.conflict(ra, rb, identified=reasons[0] in ("same DOI", "same PMID"))
        if why:
            possible.append((score, i, j, [*reasons, why]))
        else:
            clusters.union(ra, rb)

    return DedupResult(
        groups=_groups(clusters, keys, new),
        possible_pairs=_possible_pairs(possible, clusters, keys),
    )


_Scored = tuple[float, int, int, list[str]]


def _cannot_links(
    cannot_link: Iterable[tuple[int, int]], index: dict[int, int]
) -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
    cannot: dict[int, set[int]] = {}
    pairs: set[tuple[int, int]] = set()
    for ka, kb in cannot_link:
        ia, ib = index.get(ka), index.get(kb)
        if ia is None or ib is None or ia == ib:
            continue
        cannot.setdefault(ia, set()).add(ib)
        cannot.setdefault(ib, set()).add(ia)
        pairs.add((ia, ib) if ia < ib else (ib, ia))
    return cannot, pairs


def _apply_must_links(
    clusters: _Clusters, must_link: Iterable[tuple[int, int]], index: dict[int, int]
) -> None:
    forced = False
    for ka, kb in sorted((min(p), max(p)) for p in must_link):
        ia, ib = index.get(ka), index.get(kb)
        if ia is None or ib is None:
            continue
        ra, rb = clusters.find(ia), clusters.find(ib)
        if ra != rb:
            clusters.union(ra, rb, forced=True)
            forced = True
    if forced:
        # A reviewer's "same" overrides their "different" for pairs now in one group.
        for ia, partners in list(clusters.cannot.items()):
            root = clusters.find(ia)
            partners.difference_update([m for m in partners if clusters.find(m) == root])


def _groups(clusters: _Clusters, keys: list[int], new: set[int] | None) -> list[list[int]]:
    groups = []
    for root, members in clusters.members.items():
        if clusters.find(root) != root or len(members) < 2:
            continue
        if new is not None and not any(m in new for m in members):
            continue
        groups.append(sorted(keys[m] for m in members))
    groups.sort()
    return groups


def _possible_pairs(possible: list[_Scored], clusters: _Clusters, keys: list[int]) -> list[PossiblePair]:
    """One pair per pair of clusters (the best-scoring one), never inside a group or against cannot_link."""
    best: dict[tuple[int, int], _Scored] = {}
    for score, i, j, reasons in possible:
        ra, rb = clusters.find(i), clusters.find(j)
        if ra == rb:
            continue
        if clusters.conflict(ra, rb).startswith("a reviewer"):
            continue
        ka, kb = keys[i], keys[j]
        if ka > kb:
            ka, kb = kb, ka
        cluster_key = (ra, rb) if ra < rb else (rb, ra)
        current = best.get(cluster_key)
        candidate = (score, ka, kb, reasons)
        if current is None or (-score, ka, kb) < (-current[0], current[1], current[2]):
            best[cluster_key] = candidate
    pairs = [
        PossiblePair(a=ka, b=kb, score=score, reasons=reasons) for score, ka, kb, reasons in best.values()
    ]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs
