"""Deciding, for one candidate pair, whether it is a confident duplicate, a possible one, or neither."""

from __future__ import annotations

from rapidfuzz.distance import OSA, Indel
from rapidfuzz.fuzz import token_sort_ratio

from .records import Prepared

NONE = 0
POSSIBLE = 1
AUTO = 2

# Journal words too generic to tell two journals apart.
_GENERIC_JOURNAL_WORDS = frozenset(
    {
        "journal",
        "international",
        "research",
        "clinical",
        "review",
        "reviews",
        "medicine",
        "medical",
        "science",
        "sciences",
        "proceedings",
        "conference",
        "annual",
        "american",
        "european",
        "british",
        "society",
        "association",
        "archives",
        "annals",
        "bulletin",
        "letters",
        "new",
        "j",
        "int",
        "res",
        "clin",
        "med",
        "sci",
        "am",
        "eur",
        "br",
        "soc",
        "arch",
        "ann",
    }
)


def _abbreviates_word(word: str, full: str) -> bool:
    """ "nephrol" / "nephrology", "dtsch" / "deutsche": same first letter, the rest in order."""
    if full.startswith(word):
        return True
    if not word or word[0] != full[0] or len(word) > len(full):
        return False
    pos = 0
    for ch in word:
        pos = full.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...], strict: bool = True) -> bool:
    """Each word of `long` is abbreviated by the next word of `short` ("nat rev nephrol" / "nature reviews
    nephrology"); a one-word `short` may also be the abbreviations run together ("jthoraccardiovascsurg").
    Not `strict`: words of `long` may be left out ("lancet" / "lancet oncology")."""
    if (
        len(short) == 1
        and len(long) >= 2
        and not any(word.startswith(short[0]) for word in long)
        and _run_together(short[0], long, strict)
    ):
        return True
    if len(short) > len(long):
        return False
    pos = 0
    for word in short:
        while pos < len(long) and not _abbreviates_word(word, long[pos]):
            if strict and len(long[pos]) > 1:
                return False  # only one-letter leftovers ("d" of "d'Anesthesie") may be skipped
            pos += 1
        if pos == len(long):
            return False
        pos += 1
    return not strict or all(len(word) == 1 for word in long[pos:])


def _run_together(text: str, words: tuple[str, ...], strict: bool) -> bool:
    """`text` is the concatenation of prefixes (>= 1 letter) of the `words`, in order; not `strict`: of some."""
    reachable = {0}
    for word in words:
        nxt = set() if strict else set(reachable)
        for start in reachable:
            length = 1
            while (
                start + length <= len(text)
                and length <= len(word)
                and text[start + length - 1] == word[length - 1]
            ):
                nxt.add(start + length)
                length += 1
        reachable = nxt
        if not reachable:
            return False
    return len(text) in reachable


def _initialism(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """A word of `short` spells the initials of `long` ("icis" / "international conference information systems")."""
    if len(long) < 3:
        return False
    initials = "".join(word[0] for word in long)
    return any(len(word) >= 3 and word == initials for word in short)


_journal_cache: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}


def journal_relation(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """1 = same journal (allowing abbreviations), -1 = clearly different, 0 = cannot tell."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    cache_key = (a, b) if a < b else (b, a)
    cached = _journal_cache.get(cache_key)
    if cached is not None:
        return cached
    result = _journal_relation(a, b)
    if len(_journal_cache) > 200_000:
        _journal_cache.clear()
    _journal_cache[cache_key] = result
    return result


def _journal_relation(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    if "".join(a) == "".join(b):
        return 1
    if _abbreviates(a, b) or _abbreviates(b, a) or _initialism(a, b) or _initialism(b, a):
        return 1
    sa, sb = " ".join(a), " ".join(b)
    if token_sort_ratio(sa, sb) >= 90:
        return 1
    # Partly the same name ("Lancet" / "Lancet Oncology", "Praxis" / "Schweizerische Rundschau fur Medizin
    # Praxis", an English name next to a transliterated one): cannot tell.
    if _abbreviates(a, b, strict=False) or _abbreviates(b, a, strict=False):
        return 0
    specific_a = {w for w in a if w not in _GENERIC_JOURNAL_WORDS and len(w) > 2}
    specific_b = {w for w in b if w not in _GENERIC_JOURNAL_WORDS and len(w) > 2}
    if specific_a & specific_b:
        return 0
    # Prefix-shared specific words ("cardiol" / "cardiology").
    for wa in specific_a:
        for wb in specific_b:
            if wa.startswith(wb) or wb.startswith(wa):
                return 0
    return -1


def _name_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b or len(a) < 4 or len(b) < 4:
        return False
    if a.startswith(b) or b.startswith(a) or a.endswith(b) or b.endswith(a):
        return True
    # One letter typed wrong, left out, added or two swapped ("Wang"/"Wnag", "Jammal"/"Jamal").
    return (
        Indel.normalized_similarity(a, b, score_cutoff=0.8) >= 0.8 or OSA.distance(a, b, score_cutoff=1) <= 1
    )


def _first_author_match(a: Prepared, b: Prepared) -> bool:
    if _name_match(a.first, b.first):
        return True
    # Name parts swapped or split differently by one export ("Ching-yi, Wu" vs "Wu, C. Y.").
    return bool(a.first_surname_words & b.first_words or b.first_surname_words & a.first_words)


_FUZZY_NAME_POOL = 12  # beyond this many unmatched names, only exact matches count (speed)


def _overlap_one_way(short: frozenset[str], long: frozenset[str], long_record: Prepared) -> int:
    matched = len(short & long)
    if matched < len(short):
        rest = short - long
        pool = long - short
        fuzzy = len(pool) <= _FUZZY_NAME_POOL and len(rest) <= _FUZZY_NAME_POOL
        for name in rest:
            if name in long_record.name_tokens or (fuzzy and any(_name_match(name, other) for other in pool)):
                matched += 1
    return matched


def author_overlap(a: Prepared, b: Prepared) -> tuple[int, int]:
    """(matched, comparable): how many surnames of the shorter list appear in the longer one."""
    if not a.surnames or not b.surnames:
        return 0, 0
    set_a, set_b = frozenset(a.surnames), frozenset(b.surnames)
    if len(set_a) > len(set_b):
        a, b, set_a, set_b = b, a, set_b, set_a
    matched = _overlap_one_way(set_a, set_b, b)
    if matched < len(set_a):
        # One export may have put given names where surnames belong ("Andrea, C." for Andrea Carignani).
        matched = max(matched, min(_overlap_one_way(set_b, set_a, a), len(set_a)))
    return matched, len(set_a)


def title_similarity(a: Prepared, b: Prepared) -> float:
    if a.title_compact == b.title_compact:
        return 1.0
    return Indel.normalized_similarity(a.title, b.title, score_cutoff=0.5)


def _contained(a: Prepared, b: Prepared, min_len: int = 30) -> bool:
    """One title is the other with a subtitle or prefix dropped (the shorter one must be substantial)."""
    short, long = (a, b) if len(a.title_compact) <= len(b.title_compact) else (b, a)
    return len(short.title_compact) >= min_len and short.title_compact in long.title_compact


def _cut_range(short: tuple[int, int], full: tuple[int, int]) -> bool:
    """`short` is `full` with its leading digits cut off ("24-27" for "1324-1327")."""
    s_first, s_last = str(short[0]), str(short[1])
    f_first, f_last = str(full[0]), str(full[1])
    return len(s_first) < len(f_first) and f_first.endswith(s_first) and f_last.endswith(s_last)


def pages_relation(a: Prepared, b: Prepared) -> int:
    """1 = same first page, -1 = different pages, 0 = unknown or compatible (overlapping ranges, same last
    page, one range cut to its last digits, or either side not a clean printed range: supplement pages,
    an article number or e-locator, a garbled value)."""
    if a.pages_text and a.pages_text == b.pages_text:
        return 1
    if not a.pages or not b.pages:
        return 0
    for s1, _ in a.pages:
        for s2, _ in b.pages:
            if s1 == s2:
                return 1
    if not (a.pages_clean and b.pages_clean):
        return 0
    for r1 in a.pages:
        s1, e1 = r1
        for r2 in b.pages:
            s2, e2 = r2
            if e1 == e2 and (e1 > s1 or e2 > s2):
                return 0
            if e1 > s1 and e2 > s2 and max(s1, s2) <= min(e1, e2):
                return 0
            if _cut_range(r1, r2) or _cut_range(r2, r1):
                return 0
    return -1


def _one_page(rec: Prepared) -> bool:
    return len(rec.pages) == 1 and rec.pages[0][0] == rec.pages[0][1]


def _same_page_range(a: Prepared, b: Prepared) -> bool:
    """Some multi-page range is identical in both records. Ranges from page 1 do not count: online
    journals and proceedings number each article's own pages from 1."""
    return any(r[1] > r[0] > 1 and r in b.pages for r in a.pages)


_ROMAN = {"ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12}


def _numbers(words: set[str]) -> set[int]:
    out = set()
    for word in words:
        if word.isdigit():
            out.add(int(word))
        elif word in _ROMAN:
            out.add(_ROMAN[word])
    return out


def _typo_of(word: str, others: set[str]) -> bool:
    for other in others:
        if word.startswith(other) or other.startswith(word):
            return True
        if Indel.normalized_similarity(word, other, score_cutoff=0.75):
            return True
    return False


def _words_apart(a: Prepared, b: Prepared) -> int:
    """How many words one title has that the other lacks, on the side with more such words."""
    wa, wb = set(a.title.split()), set(b.title.split())
    return max(len(wa - wb), len(wb - wa))


def titles_differ_in_substance(a: Prepared, b: Prepared) -> str:
    """Why two similar titles still name different works ("part 1" / "part 2", "adults" / "children"), or ""."""
    wa, wb = set(a.title.split()), set(b.title.split())
    only_a, only_b = wa - wb, wb - wa
    if not only_a and not only_b:
        return ""
    na, nb = _numbers(wa), _numbers(wb)
    if na and nb and na != nb:
        return "titles differ in a number"
    extra_a = [w for w in only_a if len(w) >= 3 and not w.isdigit() and not _typo_of(w, only_b)]
    extra_b = [w for w in only_b if len(w) >= 3 and not w.isdigit() and not _typo_of(w, only_a)]
    if extra_a and extra_b:
        return "titles differ in a word"
    return ""


class Comparison:
    __slots__ = ("level", "reasons", "score")

    def __init__(self, level: int, score: float, reasons: list[str]) -> None:
        self.level = level
        self.score = score
        self.reasons = reasons


_NOTHING = Comparison(NONE, 0.0, [])


def _same_location(a: Prepared, b: Prepared) -> bool:
    """Same volume, issue and first page: the same item of the same journal issue."""
    return bool(a.volume and a.issue and a.spage) and (
        a.volume == b.volume and a.issue == b.issue and pages_relation(a, b) == 1
    )


def compare(a: Prepared, b: Prepared) -> Comparison:
    """AUTO (a confident duplicate), POSSIBLE (for a human, with reasons) or NONE, for one candidate pair."""
    same_doi = bool(a.doi) and a.doi == b.doi and not a.doi_shared
    same_pmid = bool(a.pmid) and a.pmid == b.pmid
    has_titles = bool(a.title_compact) and bool(b.title_compact)
    ts = title_similarity(a, b) if has_titles else 0.0
    contained = has_titles and ts < 0.95 and _contained(a, b, 20)
    if (
        has_titles
        and ts < 0.7
        and not (same_doi or same_pmid or contained)
        and not (a.volume and a.volume == b.volume and a.year == b.year and _same_page_range(a, b))
        and not _same_team_same_year(a, b)
    ):
        return _NOTHING  # cheap exit for the bulk of candidate pairs

    year_gap = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    reasons: list[str] = []
    vetoes = _vetoes(a, b, year_gap, reasons)
    if same_doi or same_pmid:
        reasons.append("same DOI" if same_doi else "same PMID")
        return _compare_identified(a, b, ts if has_titles else 1.0, contained, year_gap, reasons, vetoes)
    if not has_titles:
        return _compare_without_title(a, b, year_gap, vetoes)

    ev = _Evidence(a, b, ts, contained, year_gap, reasons)
    if ts < 0.7 and not contained and not ev.same_location:
        if not vetoes and ev.retitled():
            return Comparison(POSSIBLE, ev.score, [*ev.reasons, "titles differ"])
        return _NOTHING
    if not vetoes and ev.confident():
        return Comparison(AUTO, ev.score, ev.reasons)
    if ev.worth_a_look(vetoes):
        return Comparison(POSSIBLE, ev.score, ev.reasons + ev.conflicts + vetoes)
    return _NOTHING


def _vetoes(a: Prepared, b: Prepared, year_gap: int | None, reasons: list[str]) -> list[str]:
    """What forbids an automatic merge, whatever else matches."""
    vetoes = []
    if a.doi != b.doi and a.doi and b.doi:
        vetoes.append("different DOIs")
    elif a.doi_shared and a.doi == b.doi:
        reasons.append("same DOI, but it is shared by different works")
    if a.pmid and b.pmid and a.pmid != b.pmid:
        vetoes.append("different PMIDs")
    if a.notice != b.notice and not _same_location(a, b):
        vetoes.append(f"{a.notice or b.notice} vs the article it concerns")
    if year_gap is not None and year_gap > 1:
        vetoes.append(f"years differ by {year_gap}")
    elif a.conference != b.conference and year_gap == 1:
        vetoes.append("conference abstract vs later paper")
    return vetoes


def _compare_identified(
    a: Prepared,
    b: Prepared,
    ts: float,
    contained: bool,
    year_gap: int | None,
    reasons: list[str],
    vetoes: list[str],
) -> Comparison:
    """Same DOI or PMID: a duplicate unless the titles clearly differ or a veto applies."""
    prel = pages_relation(a, b)
    if ts >= 0.9 and year_gap and year_gap > 1 and _first_author_match(a, b):
        # Same identifier, title and first author: a year typed wrong, not another publication.
        vetoes.remove(f"years differ by {year_gap}")
        reasons.append(f"years differ by {year_gap}")
    if ts < 0.6 and not contained:
        reasons.append("titles differ")
        if not _first_author_match(a, b):
            return _NOTHING  # a mis-assigned identifier
        if vetoes or prel < 1 or year_gap is None:
            return Comparison(POSSIBLE, 0.6, reasons + vetoes)
        # Same identifier, first author and pages: the title was translated.
        return Comparison(AUTO, 0.95, [*reasons, "same first author", "same start page"])
    if prel < 0 and _abstract_pages_differ(a, b):
        vetoes.append("pages differ")  # meeting supplements give one DOI to many abstracts
    if vetoes:
        return Comparison(POSSIBLE, 0.8, reasons + vetoes)
    return Comparison(AUTO, 1.0, reasons)


def _abstract_pages_differ(a: Prepared, b: Prepared) -> bool:
    """Different pages that cannot be one article's print and online pagination ("661-684" / "1-24") or
    its page count ("1-20" / "5"): two abstracts on different pages, or two printed articles."""
    single_a = all(first == last for first, last in a.pages)
    single_b = all(first == last for first, last in b.pages)
    if single_a != single_b:
        return False
    return not any(first == 1 for first, _ in a.pages + b.pages)


class _Evidence:
    """Everything a pair without a shared identifier is judged on, with the reasons shown to people."""

    def __init__(
        self, a: Prepared, b: Prepared, ts: float, contained: bool, year_gap: int | None, reasons: list[str]
    ) -> None:
        self.a, self.b, self.ts, self.contained, self.year_gap = a, b, ts, contained, year_gap
        self.reasons = reasons
        # A list naming only a group against one naming people: the authors cannot be compared.
        self.matched, self.comparable = (0, 0) if a.group_only != b.group_only else author_overlap(a, b)
        self.first_match = self.comparable > 0 and _first_author_match(a, b)
        self.strong_authors = self.first_match and self.matched * 4 >= self.comparable * 3
        self.authors_ok = (
            self.strong_authors
            or (self.first_match and self.matched * 2 >= self.comparable)
            or (self.comparable >= 2 and self.matched == self.comparable)
        )
        self.prel = pages_relation(a, b)
        self.same_volume = bool(a.volume) and a.volume == b.volume
        self.jrel = journal_relation(a.journal, b.journal)
        self.issue_differs = bool(a.issue and b.issue and a.issue != b.issue)
        # Same volume and page range in the same year: the same article, whatever the title says. A
        # differing issue (exports put reference managers' record numbers there) counts only against
        # different titles (unless one is MEDLINE's translation of the other, by the same authors) or a
        # short title (a recurring column): some journals number each issue's pages from its start.
        short_title = min(len(a.title_compact), len(b.title_compact)) < 25
        self.same_location = (
            (
                not self.issue_differs
                or (
                    not short_title
                    and (
                        ts >= 0.7
                        or contained
                        or ((a.translated or b.translated) and self.strong_authors and self.comparable >= 2)
                    )
                )
            )
            and year_gap == 0
            and self.same_volume
            and self.prel == 1
            and _same_page_range(a, b)
            and (
                self.first_match
                or (self.comparable == 0 and (self.jrel > 0 or (self.jrel == 0 and ts >= 0.9)))
            )
        )
        self.short_title = short_title
        self.conflicts: list[str] = []
        self.support = 0
        self._describe()

    def _describe(self) -> None:
        reasons = self.reasons
        if self.ts == 1.0:
            reasons.append("same title")
        elif self.contained:
            reasons.append("one title contains the other")
        else:
            reasons.append(f"similar titles ({self.ts:.0%})")
        if self.comparable:
            reasons.append("same first author" if self.first_match else "different first authors")
            reasons.append(f"{self.matched} of {self.comparable} authors in common")
        if self.year_gap == 0:
            reasons.append("same year")
        elif self.year_gap == 1:
            reasons.append("years differ by 1")
        self._describe_source()

    def _describe_source(self) -> None:
        a, b, reasons, conflicts = self.a, self.b, self.reasons, self.conflicts
        if self.jrel > 0:
            self.support += 1
            reasons.append("same journal")
        elif self.jrel < 0:
            conflicts.append("different journals")
        if a.volume and b.volume:
            if self.same_volume:
                self.support += 1
                reasons.append("same volume")
            else:
                conflicts.append("volumes differ")
        if self.issue_differs:
            conflicts.append("issues differ")
        if self.prel > 0:
            self.support += 1
            reasons.append("same pages" if self.same_location else "same start page")
        elif self.prel < 0:
            conflicts.append("pages differ")

    @property
    def score(self) -> float:
        author_part = self.matched / self.comparable if self.comparable else 0.5
        score = 0.5 * self.ts + 0.2 * author_part + 0.1 * (self.year_gap == 0)
        score += 0.2 * self.support / 3 - 0.1 * len(self.conflicts)
        if self.same_location:
            score = max(score, 0.9)
        return round(max(0.0, min(score, 0.99)), 4)

    def confident(self) -> bool:
        """Whether the pair is a duplicate beyond reasonable doubt (no veto applies)."""
        ts = self.ts
        if self.same_location and (ts >= 0.95 or ((self.jrel >= 0 or ts >= 0.8) and not self.short_title)):
            return True
        self._title_conflicts()
        blocking = list(self.conflicts)
        # Same long title, same authors, same year: a differing journal name alone is no conflict
        # (book series vs journal title, English vs original-language name, meeting names).
        if (
            blocking == ["different journals"]
            and ts >= 0.97
            and self.strong_authors
            and self.comparable >= 2
            and self.year_gap == 0
            and not self.short_title
        ):
            blocking = []
        # The issue is the least reliable field (reference managers put their own record numbers there):
        # it does not stand against the same long title and first page, nor against the same long title,
        # authors and year in the same journal or volume when the pages do not differ. (Where neither
        # record has pages the issue is all that tells a recurring column's instalments apart.)
        title_ok = ts >= 0.95 or (self.contained and self.support >= 2)
        if (
            "issues differ" in blocking
            and title_ok
            and not self.short_title
            and (
                self.prel > 0
                or (
                    self.prel == 0
                    and (self.a.pages_text or self.b.pages_text)
                    and self.year_gap == 0
                    and self.strong_authors
                    and (self.jrel > 0 or self.same_volume)
                )
            )
        ):
            blocking.remove("issues differ")
        # A one-page item with the same long title by the same authors in the same journal volume and
        # year is the study's meeting abstract (or a note) printed apart from the article: one study (the
        # issue then differs too). Two one-page items are two abstracts unless title and authors are the
        # very same (the abstract printed twice).
        one_a, one_b = _one_page(self.a), _one_page(self.b)
        if (
            "pages differ" in blocking
            and ts >= 0.95
            and not self.short_title
            and self.strong_authors
            and self.comparable >= 2
            and self.year_gap == 0
            and self.jrel > 0
            and self.same_volume
            and (one_a != one_b or (one_a and ts == 1.0 and self.a.surnames == self.b.surnames))
        ):
            blocking = [c for c in blocking if c not in ("pages differ", "issues differ")]
        # Titles a word apart (one word changed, added or translated differently) with everything else
        # the same: authors, year, journal, volume and first page.
        one_word = (
            ts >= 0.8
            and not self.short_title
            and _words_apart(self.a, self.b) <= 1
            and self.strong_authors
            and self.year_gap == 0
            and self.jrel > 0
            and self.same_volume
            and self.prel > 0
        )
        if one_word:
            blocking = [c for c in blocking if c not in ("titles differ in a word", "issues differ")]
        # Records without authors (meeting abstract books, editorials): everything else must agree.
        anonymous_ok = (
            self.comparable == 0 and ts >= 0.95 and self.year_gap == 0 and self.jrel > 0 and self.same_volume
        )
        support = self.support
        return (
            not blocking
            and (self.authors_ok or anonymous_ok)
            and (ts >= 0.95 or (self.contained and support >= 2) or one_word)
            and (
                self.year_gap == 0
                or (self.year_gap == 1 and (support >= 2 or (support >= 1 and self.strong_authors)))
                or (self.year_gap is None and support >= 2 and self.strong_authors)
            )
        )

    def _title_conflicts(self) -> None:
        a, b = self.a, self.b
        if self.ts < 1.0 and not self.contained and not (self.prel > 0 and _same_page_range(a, b)):
            substance = titles_differ_in_substance(a, b)
            if substance:
                self.conflicts.append(substance)
        # Short titles ("Editorial", "Atypical HUS") recur: only the same place makes them one record.
        same_place = not self.issue_differs and (
            self.prel > 0
            or (self.same_volume and self.jrel > 0 and self.strong_authors and self.comparable >= 2)
        )
        if self.short_title and not same_place:
            self.conflicts.append("short title")

    def retitled(self) -> bool:
        """Different titles, but the same list of three or more authors in the same journal and year, and
        nothing else against it: perhaps a copy whose title one source changed (a letter's, say)."""
        return (
            self.comparable >= 3
            and self.matched == self.comparable
            and self.first_match
            and self.year_gap == 0
            and self.jrel > 0
            and self.prel >= 0
            and not (self.a.volume and self.b.volume and not self.same_volume)
        )

    def worth_a_look(self, vetoes: list[str]) -> bool:
        """Whether a pair that is not a confident duplicate should be shown to a human."""
        if self.same_location:
            return True
        # Evidence of two different publications: a human need not look when it piles up. (Volume, issue
        # and pages only count within one journal: an abstract's meeting supplement has others.)
        against = bool(self.year_gap) + ("different DOIs" in vetoes) + ("different PMIDs" in vetoes)
        if self.jrel > 0:
            against += sum(
                1 for c in self.conflicts if c in ("volumes differ", "issues differ", "pages differ")
            )
        if against > 2:
            return False
        ts, year_gap = self.ts, self.year_gap
        contained_long = self.contained and _contained(self.a, self.b, 30)
        if not (ts >= 0.9 or contained_long or (ts >= 0.8 and self.authors_ok)):
            return not vetoes and self.retitled()
        if self.comparable == 0:
            return ts >= 0.95 and (year_gap is None or year_gap <= 1)
        if not self.authors_ok and not (ts >= 0.97 and self.matched >= 1):
            return False
        return year_gap is None or year_gap <= 1 or (self.strong_authors and ts >= 0.95)


def _same_team_same_year(a: Prepared, b: Prepared) -> bool:
    """Cheap test: the same first three authors (three or more each), the same year. A retitled copy
    (``_Evidence.retitled``) needs every author to match; testing the first three here keeps the many
    papers of one prolific first author in a year out of the full comparison."""
    return (
        bool(a.first)
        and a.first == b.first
        and a.year is not None
        and a.year == b.year
        and len(a.surnames) >= 3
        and len(b.surnames) >= 3
        and set(a.surnames[:3]) == set(b.surnames[:3])
    )


def _compare_without_title(a: Prepared, b: Prepared, year_gap: int | None, vetoes: list[str]) -> Comparison:
    """A record without a title can only be offered to a human, and only on strong bibliographic evidence."""
    if vetoes or year_gap is None or year_gap > 0:
        return _NOTHING
    if not (
        a.first and a.first == b.first and a.volume and a.volume == b.volume and pages_relation(a, b) == 1
    ):
        return _NOTHING
    reasons = ["title missing", "same first author", "same year", "same volume", "same start page"]
    return Comparison(POSSIBLE, 0.5, reasons)
