"""Normalisation of the fields duplicate detection compares (titles, names, pages, journals, DOIs).

Everything here is pure and cheap: it runs once per record before any pair is compared.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "ParsedAuthors",
    "author_name_tokens",
    "author_surnames",
    "conference_like",
    "first_author_tokens",
    "is_empty",
    "is_group_author",
    "normalise_doi",
    "normalise_journal",
    "normalise_number",
    "normalise_title",
    "notice_kind",
    "page_ranges",
    "page_start",
    "pages_comparable",
    "strip_accents",
    "strip_notice_words",
    "strip_retracted_mark",
]

# Values exports use for "no value".
_EMPTY_VALUES = frozenset(
    {"", "na", "n/a", "nan", "none", "null", "unknown", "-", "--", "n.a.", "[no title available]"}
)

_GREEK = {
    "α": " alpha ",
    "β": " beta ",
    "γ": " gamma ",
    "δ": " delta ",
    "ε": " epsilon ",
    "κ": " kappa ",
    "λ": " lambda ",
    "μ": " mu ",
    "ω": " omega ",
    "τ": " tau ",
    "θ": " theta ",
    "σ": " sigma ",
    "ϵ": " epsilon ",
}
_GREEK_RE = re.compile("|".join(map(re.escape, _GREEK)))
_TAG_RE = re.compile(r"<[^<>]{0,200}>")
# LaTeX: accents like \'{e} or \"o, commands like \emph{...} or \textit, maths dollars and braces.
_LATEX_ACCENT_RE = re.compile(r"\\[`'^\"~=.uvHtcdbrk]\s*\{?([A-Za-z])\}?")
_LATEX_CMD_RE = re.compile(r"\\[A-Za-z]+\*?\s*")
_NON_WORD_RE = re.compile(r"[\W_]+")
_SPACE_RE = re.compile(r"\s+")

# Trailing annotations MEDLINE/Embase add to titles: "[Review]", "[Article in French]", "(author's transl)".
_TRAILING_BRACKET_RE = re.compile(r"\s*\[[^\[\]]*\]\s*[.;:]?\s*$")
_TRAILING_PAREN_RE = re.compile(
    r"\s*\((?:[^()]*\b(?:transl|review|abstract|editorial|letter|article in|in [a-z]+|"
    r"english|chinese|german|french|spanish|japanese|russian|italian|portuguese|"
    r"author'?s?'? transl)\b[^()]*)\)\s*[.;:]?\s*$",
    re.IGNORECASE,
)


def is_empty(value: str | None) -> bool:
    return value is None or value.strip().lower() in _EMPTY_VALUES


def strip_accents(text: str) -> str:
    """Decompose and drop combining marks ("é" -> "e"); letters of other scripts are kept."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)  # recompose what has no accent (Hangul syllables)


def _strip_markup(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "\\" in text:
        text = _LATEX_ACCENT_RE.sub(r"\1", text)
        text = _LATEX_CMD_RE.sub(" ", text)
    return text


def _strip_title_annotations(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    # MEDLINE wraps translated titles in brackets: "[A study on ...]." -> keep the inside.
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        text = text[1:-1].strip()
    for _ in range(3):
        if not text.endswith(("]", ")", "].", ").", "]:", "):", "];", ");")):
            break
        stripped = _TRAILING_BRACKET_RE.sub("", text)
        stripped = _TRAILING_PAREN_RE.sub("", stripped)
        if stripped == text or not stripped:
            break
        text = stripped.strip().rstrip(".").strip()
    return text


def _normalise_title(title: str) -> str:
    text = _strip_markup(title)
    text = _strip_title_annotations(text)
    text = text.casefold()
    if not text.isascii():
        text = _GREEK_RE.sub(lambda m: _GREEK[m.group(0)], text)
        text = strip_accents(text)
    text = text.replace("&", " and ")
    text = _NON_WORD_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def normalise_title(title: str) -> str:
    """Lower-case, unaccented, punctuation-free title without markup or trailing "[Review]"-style notes.

    Letters of every script are kept (a Cyrillic title stays Cyrillic), words are separated by one space.
    """
    if not title or is_empty(title):
        return ""
    return _normalise_title(title)


# ---------------------------------------------------------------------------------------------------------
# Authors

_INITIALS_RE = re.compile(r"^(?:[A-Z]\.?-?){1,4}$|^(?:[A-Z][a-z]?\.){1,4}$")
_NAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "ter",
        "ten",
    }
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd"})
_ETAL = frozenset(
    {
        "et al",
        "et al.",
        "others",
        "et al,",
        "anonymous",
        "anon",
        "[anonymous]",
        "anonymous.",
        "no authors listed",
        "[no authors listed]",
    }
)


def _compact_name(text: str) -> str:
    text = strip_accents(text).casefold()
    return _NON_WORD_RE.sub("", text)


def _surname_of(name: str) -> str:
    name = _strip_markup(name).strip().strip(",;")
    if not name or name.casefold() in _ETAL:
        return ""
    if "," in name:
        surname = name.split(",", 1)[0]
        return _compact_name(surname)
    tokens = name.replace(".", ". ").split()
    if len(tokens) == 1:
        return _compact_name(tokens[0])
    while len(tokens) > 1 and _compact_name(tokens[-1]) in _SUFFIXES:
        tokens.pop()
    # "Smith JA", "Smith J. A.", "El Hachmane M." -> the initials come last.
    trailing = len(tokens)
    while trailing > 1 and _INITIALS_RE.match(tokens[trailing - 1]):
        trailing -= 1
    if trailing < len(tokens):
        return _compact_name(" ".join(tokens[:trailing]))
    # "J. A. Smith", "John Smith", "Johan van der Berg" -> the surname comes last (with its particles).
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in _NAME_PARTICLES:
        start -= 1
    if start > 0 and tokens[start - 1].casefold() in _NAME_PARTICLES and start - 1 > 0:
        start -= 1
    return _compact_name(" ".join(tokens[start:]))


@lru_cache(maxsize=32768)
def _parse_name(name: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """(compact surname, words of the whole name, words of the surname part) of one author name."""
    surname = _surname_of(name)
    text = strip_accents(_strip_markup(name)).casefold()
    surname_part = text.split(",", 1)[0] if "," in text else text
    words = {w for w in _NON_WORD_RE.split(text) if len(w) >= 2 and w not in _NAME_PARTICLES}
    if "," in text:
        compact = _NON_WORD_RE.sub("", surname_part)
        if compact:
            words.add(compact)
    surname_words = frozenset(
        w for w in _NON_WORD_RE.split(surname_part) if len(w) >= 2 and w not in _NAME_PARTICLES
    )
    return surname, frozenset(words), surname_words


MAX_AUTHORS = 40  # consortium papers list hundreds; the first 40 names identify a paper well enough


def _split_author_field(authors: Iterable[str]) -> list[str]:
    """One name per entry; a lone entry holding several names ("A; B", "A and B") is split."""
    if not isinstance(authors, (list, tuple)):
        authors = list(authors)
    if len(authors) > 1:
        return [name for name in authors[:MAX_AUTHORS] if name]
    names: list[str] = []
    for entry in authors:
        if not entry:
            continue
        if ";" in entry:
            names.extend(part for part in entry.split(";"))
        elif " and " in entry:
            names.extend(entry.split(" and "))
        else:
            names.append(entry)
    return names[:MAX_AUTHORS]


def author_surnames(authors: Iterable[str]) -> tuple[str, ...]:
    """Compact lower-case unaccented surnames, in the original order ("Le Quintrec, M." -> "lequintrec").

    Accepts the usual export spellings: "Smith, J.", "Smith J", "Smith JA", "John Smith", "J. Smith".
    A single string holding several names joined by ";" or " and " is split.
    """
    if isinstance(authors, str):
        authors = (authors,)
    surnames = []
    for name in _split_author_field(authors):
        surname = _parse_name(name)[0]
        if surname:
            surnames.append(surname)
    return tuple(surnames)


# ---------------------------------------------------------------------------------------------------------
# Pages, volume, journal, DOI

_PAGE_TOKEN_RE = re.compile(r"[A-Za-z]{0,4}\d+")
_DIGITS_RE = re.compile(r"\d+")
# Spreadsheets turn "1-6" into "01-Jun": such values carry no usable page number.
_EXCEL_DATE_RE = re.compile(
    r"^\s*(?:\d{1,2}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{1,4})\s*$",
    re.IGNORECASE,
)


def page_start(pages: str) -> str:
    """The first page, lower-case, without leading zeros: "123-30" -> "123", "S12-S14" -> "s12", "e1234" -> "e1234"."""
    if not pages or is_empty(pages) or _EXCEL_DATE_RE.match(pages):
        return ""
    match = _PAGE_TOKEN_RE.search(pages)
    if not match:
        return ""
    token = match.group(0).casefold()
    letters = token.rstrip("0123456789")
    digits = token[len(letters) :].lstrip("0") or "0"
    return letters + digits


def page_ranges(pages: str) -> tuple[tuple[int, int], ...]:
    """Numeric (first, last) page of each range, last expanded ("123-30" -> (123, 130)); letters ignored.

    "233-8, 246-51" -> ((233, 238), (246, 251)); a single page gives (n, n).
    """
    if not pages or is_empty(pages) or _EXCEL_DATE_RE.match(pages):
        return ()
    ranges = []
    for part in re.split(r"[,;+]", pages)[:4]:
        numbers = _DIGITS_RE.findall(part)
        if not numbers:
            continue
        first_digits = numbers[0]
        first = int(first_digits)
        last = first
        if len(numbers) > 1:
            last_digits = numbers[1]
            if len(last_digits) < len(first_digits):
                last_digits = first_digits[: len(first_digits) - len(last_digits)] + last_digits
            last = int(last_digits)
        ranges.append((first, last))
    return tuple(ranges)


# A page value that can be held against another: plain page numbers or ranges ("123-30", "233-8, 246-51"),
# nothing else in it.
_PLAIN_PAGES_RE = re.compile(
    r"^\s*\d{1,5}(?:\s*[-\u2010-\u2015]+\s*\d{1,5})?(?:\s*[,;+]\s*\d{1,5}(?:\s*[-\u2010-\u2015]+\s*\d{1,5})?)*\s*$"
)


def pages_comparable(pages: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the pages are a clean printed range that may count against a match when it differs.

    Not: anything with letters (supplement pages "S12", e-locators "e43268", Cochrane's "CD001876", "811a",
    "discussion 748-9"), a range whose last page comes before its first once expanded (cut or garbled),
    a spreadsheet's date ("21-Apr") or a lone number of five digits or more (an article number).
    """
    if not ranges or not _PLAIN_PAGES_RE.match(pages):
        return False
    if any(first > last or first == 0 for first, last in ranges):
        return False
    return not (len(ranges) == 1 and ranges[0][0] == ranges[0][1] and ranges[0][0] >= 10000)


def normalise_number(value: str) -> str:
    """Volume/issue: the first run of digits ("38 Suppl 1" -> "38", "3-B" -> "3"); "" without digits."""
    if not value or is_empty(value) or value.count("(") != value.count(")"):
        # Unbalanced brackets ("1)") are fragments of a value split by a broken export.
        return ""
    match = _DIGITS_RE.search(value)
    if match:
        return match.group(0).lstrip("0") or "0"
    return ""


_JOURNAL_STOP = frozenset(
    {
        "the",
        "of",
        "and",
        "in",
        "for",
        "on",
        "de",
        "la",
        "le",
        "der",
        "und",
        "fur",
        "et",
        "des",
        "du",
        "a",
        "an",
        "y",
    }
)
# Embase appends the meeting to the journal: "Pediatric Nephrology.Conference: 44th Annual ...".
_JOURNAL_CUT_RE = re.compile(r"\.?\s*\bconference\s*:", re.IGNORECASE)


@lru_cache(maxsize=16384)  # journals repeat: one shared tuple per name
def normalise_journal(journal: str) -> tuple[str, ...]:
    """Journal name as lower-case unaccented word tokens without stop words ("J. Am. Coll. Cardiol." -> j am coll cardiol)."""
    if not journal or is_empty(journal):
        return ()
    text = _strip_markup(journal)
    cut = _JOURNAL_CUT_RE.search(text)
    if cut and cut.start() > 0:
        text = text[: cut.start()]
    text = strip_accents(text).casefold().replace("&", " and ")
    text = _NON_WORD_RE.sub(" ", text)
    return tuple(tok for tok in text.split() if tok not in _JOURNAL_STOP)


def normalise_doi(doi: str) -> str:
    """Lower-case DOI without resolver prefix ("https://doi.org/10.1/X" -> "10.1/x"); "" when none."""
    if not doi or is_empty(doi):
        return ""
    text = doi.strip().casefold()
    idx = text.find("10.")
    if idx < 0:
        return ""
    text = text[idx:].split()[0]
    text = re.sub(r"/{2,}", "/", text)  # "10.1037//0022-3514..." is the same DOI as "10.1037/0022-3514..."
    return text.rstrip(".,;")


# ---------------------------------------------------------------------------------------------------------
# Record kinds

# Notices about another publication: they share the article's title but are different records.
_NOTICE_TITLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "erratum",
        re.compile(
            r"^\W*(?:errat(?:um|a)|corrigend(?:um|a)|correction(?:\s+to\b|\s+notice\b|\s*:|s?\s*$)|"
            r"publisher'?s?'? (?:note|correction)|author correction)",
            re.IGNORECASE,
        ),
    ),
    (
        "retraction",
        re.compile(
            r"^\W*(?:retraction\b|notice of retraction|withdrawn\s*:|"
            r"(?:editorial )?expression of concern)",
            re.IGNORECASE,
        ),
    ),
    (
        "comment",
        re.compile(
            r"^\W*(?:comments? on\b|commentary on\b|comment\s*:|re\s*:|reply\b|in reply\b|"
            r"author'?s'? (?:reply|response)\b|authors'? (?:reply|response)\b|"
            r"response to (?:the )?(?:letter|comment|commentary|editorial|critique|reviewer|correspondence)\b)",
            re.IGNORECASE,
        ),
    ),
)
# Anywhere in the title: Web of Science's "(vol 360, pg 542, 2009)" marks a correction; a trailing
# "- Reply" / "Author's reply" marks a reply.
_NOTICE_ANYWHERE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("erratum", re.compile(r"\(\s*vol\.?\s*\w+\s*,\s*pg\.?\s*\w+", re.IGNORECASE)),
    # Embase: "Title (New England Journal of Medicine (2009) 360 (542-544))" cites the corrected article.
    ("erratum", re.compile(r"\([^()]*\(\s*\d{4}\s*\)\s*\d+[^()]*\(\s*[\w-]+\s*\)\s*\)\W*$")),
    (
        "comment",
        re.compile(
            r"(?:[-:\u2013\u2014]\s*|\bauthors?'?s?'?\s+|\bin\s+)(?:reply|response)\W*$", re.IGNORECASE
        ),
    ),
)
# Publication types of notices. Not "Letter" (a letter is a publication of its own) nor "Retracted
# Publication" (that is the retracted article itself, the same record as an unmarked copy).
_NOTICE_TYPE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("erratum", re.compile(r"errat|corrigend|correction", re.IGNORECASE)),
    ("retraction", re.compile(r"retraction|expression of concern", re.IGNORECASE)),
    ("comment", re.compile(r"^\s*comment|\breply\b", re.IGNORECASE)),
)


# On a normalised title: the words that make a notice out of the article's title.
_NOTICE_PREFIX_RE = re.compile(
    r"^(?:errat(?:um|a)|corrigend(?:um|a)|correction(?: notice)?|retraction(?: note| notice)?|"
    r"notice of retraction|withdrawn|expression of concern|comments?|commentary|reply|in reply|re|"
    r"authors? reply|authors? response|publisher s note)(?: (?:to|on|of|for))? "
)
_NOTICE_SUFFIX_RE = re.compile(r" (?:vol \w+ pg \w+(?: \d{4})?|reply|author s reply|authors reply)$")


# Publishers mark a retracted article's own title: "RETRACTED: ...", "RETRACTED ARTICLE: ...".
_RETRACTED_MARK_RE = re.compile(r"^retracted(?: article)? ")


def strip_retracted_mark(title: str) -> str:
    """A retracted article's normalised title without the publisher's "retracted" mark."""
    return _RETRACTED_MARK_RE.sub("", title) if title.startswith("retracted") else title


def strip_notice_words(title: str) -> str:
    """The article's title inside a notice's normalised title ("erratum to x" -> "x")."""
    stripped = _NOTICE_SUFFIX_RE.sub("", _NOTICE_PREFIX_RE.sub("", title))
    return stripped or title


_NOTICE_HINT_RE = re.compile(
    r"errat|corrig|correct|retract|withdrawn|concern|comment|reply|response|re\s*:|publisher|\(\s*vol|\)\s*\)\W*$",
    re.IGNORECASE,
)


# Something the hint needs, in lower case: most titles hold none of these, and a few substring tests cost
# a tenth of the hint's search, which tries each of its alternatives at every position of the title.
_NOTICE_HINT_PARTS = (
    "errat", "corrig", "correct", "retract", "withdrawn", "concern", "comment", "reply", "response",
    "publisher", ":", "(", ")",
)  # fmt: skip


def _may_hint_notice(title: str) -> bool:
    if not title.isascii():
        return True  # case-insensitive matching reaches beyond str.lower() there: let the hint decide
    lowered = title.lower()
    return any(part in lowered for part in _NOTICE_HINT_PARTS)


def notice_kind(title: str, publication_type: str = "") -> str:
    """ "erratum", "retraction", "comment" for notices about another publication, else ""."""
    if title and _may_hint_notice(title) and _NOTICE_HINT_RE.search(title):
        head = title[:80]
        for kind, pattern in _NOTICE_TITLE_PATTERNS:
            if pattern.search(head):
                return kind
        for kind, pattern in _NOTICE_ANYWHERE:
            if pattern.search(title):
                return kind
    return _notice_kind_of_type(publication_type) if publication_type else ""


@lru_cache(maxsize=4096)  # an export names a handful of publication types, thousands of times
def _notice_kind_of_type(publication_type: str) -> str:
    for kind, pattern in _NOTICE_TYPE_PATTERNS:
        if pattern.search(publication_type):
            return kind
    return ""


_CONFERENCE_TYPE_RE = re.compile(
    r"conference|congress|meeting|proceeding|symposium|abstract|poster|\bconf\b|\bcpaper\b|\babst\b|inproceedings",
    re.IGNORECASE,
)
# In a journal name: not "proceedings" or "annual" (Proc Natl Acad Sci, Annual Review of ...).
_CONFERENCE_VENUE_RE = re.compile(
    r"conference|congress|meeting|symposium|\babstracts?\b|\bworkshop\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)  # types and journals repeat across a review's records
def conference_like(publication_type: str, journal: str) -> bool:
    """Whether the record looks like a conference paper or meeting abstract."""
    if publication_type and _CONFERENCE_TYPE_RE.search(publication_type):
        return True
    return bool(journal and _CONFERENCE_VENUE_RE.search(journal))


def first_author_tokens(authors: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Words of the first author's surname part and of their whole name (particles and initials left out).

    Lets "Goicoechea de, Jorge E." match "de Jorge, E. G." and "Ching-yi, Wu" match "Wu, C. Y.".
    """
    if isinstance(authors, str):
        authors = (authors,)
    for name in _split_author_field(authors):
        surname, words, surname_words = _parse_name(name)
        if surname:
            return surname_words, words
    return frozenset(), frozenset()


# A corporate or group author ("ACCORD Study Group", "North American Linomide Investigators",
# "Alexion Pharmaceuticals, Inc"): one export names the group first, another the first person.
_GROUP_AUTHOR_RE = re.compile(
    r"\b(?:group|groups|investigators?|consortium|collaborat\w*|committee|society|association|network|"
    r"trialists|working party|council|organi[sz]ation|institute|foundation|inc|ltd|llc|gmbh|"
    r"pharmaceuticals?|corporation|company|department|university|hospital|centre|center|writing)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=32768)  # each name is tested for every record that carries it
def is_group_author(name: str) -> bool:
    """Whether a name is an organisation or study group rather than a person."""
    return len(name.split()) >= 2 and bool(_GROUP_AUTHOR_RE.search(name))


class ParsedAuthors:
    """What every comparison needs from an author list, parsed once (``author_name_tokens`` is left to
    the rare comparisons that need it).

    Group authors are left out when the list names people too, so that "ACCORD Study Group; Gerstein, H."
    and "Gerstein, H." have the same first author; ``group_only`` says the list names no person at all.
    """

    __slots__ = ("first_surname_words", "first_words", "group_only", "surnames")

    def __init__(self, authors: Iterable[str]) -> None:
        if isinstance(authors, str):
            authors = (authors,)
        names = [name for name in _split_author_field(authors) if name]
        people = [name for name in names if not is_group_author(name)]
        self.group_only = bool(names) and not people
        surnames: list[str] = []
        self.first_surname_words: frozenset[str] = frozenset()
        self.first_words: frozenset[str] = frozenset()
        for name in people or names:
            surname, words, surname_words = _parse_name(name)
            if not surname:
                continue
            if not surnames:
                self.first_surname_words, self.first_words = surname_words, words
            surnames.append(surname)
        self.surnames = tuple(surnames)
        if not surnames:
            self.group_only = False


def author_name_tokens(authors: Iterable[str]) -> frozenset[str]:
    """Every word of every name (surnames and given names, >= 2 letters), to recognise swapped name parts."""
    if isinstance(authors, str):
        authors = (authors,)
    tokens: set[str] = set()
    for name in _split_author_field(authors):
        tokens.update(_parse_name(name)[1])
    return frozenset(tokens)
