"""The review's qualitative coding as a REFI-QDA project (``.qdpx``), the exchange format NVivo, ATLAS.ti,
MAXQDA and QualCoder import.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``, checked
against the REFI-QDA Project schema of March 2019) and a ``Sources/`` folder. What goes where:

* **Users:** each coder whose excerpts are exported, and a "Reconciled set" user for the excerpts with no
  coder (the lead's reconciled set, or imported as such).
* **CodeBook:** the review's codebook as nested codes (themes › sub-themes › codes, loose codes at the top),
  then one branch per framework with its domains, one with the valences and one with the perspective
  groups (``Labels`` below says why).
* **Sources:** one ``TextSource`` per study: its text exactly as stored (the pages joined with nothing
  between them) in ``Sources/<guid>.txt``, so an excerpt's offsets are its ``startPosition`` and
  ``endPosition`` (characters, the end excluded). Each excerpt is a ``PlainTextSelection`` created by its
  coder, named by the start of its quote, with its note as the description and one ``Coding`` per code,
  domain, valence and group.
* **Notes:** a typed-in quote that is not in the study's text (see ``_place``).

Every GUID is a UUID5 of the review's slug and the object's id, so exporting again gives the same GUIDs and
a tool can tell an updated project from a new one.

The archive is written member by member (each study's text as it is read, the XML of the sources to a
spooled temporary file), so a review with many long studies is never held in memory at once.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import IO
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from coding.models import Code, Excerpt, StudyText, StudyTextPage
from coding.selectors import (
    CodeNode,
    codebook_tree,
    frameworks_of,
    groups_of,
    study_label,
    valences_of,
    visible_excerpts_of_review,
)
from coding.services.texts import quote_find
from extraction.selectors import included_studies
from reviews.models import Record, Review

NAMESPACE = "urn:QDA-XML:project:1.0"
ORIGIN = "Tandem"
RECONCILED_SET = "Reconciled set"
SELECTION_NAME_LENGTH = 60

# Fixed once: changing it would change every GUID of every export.
_GUID_NAMESPACE = uuid.UUID("6f0f3b56-3c64-5a8e-9d0b-8a4f2c1e7d21")

# The border colours of the stylesheet's .theme-N and .valence-N (static/css/coding.css), so codes keep the
# colours coders know.
THEME_COLOURS = {
    1: "#2457a6",
    2: "#c2611f",
    3: "#2f8a5c",
    4: "#b03a6b",
    5: "#6a4fb0",
    6: "#8d7b12",
    7: "#237f8c",
    8: "#7a5a3a",
}
VALENCE_COLOURS = {1: "#c0544b", 2: "#3c9a6a", 3: "#7d8aa3", 4: "#b7861b", 5: "#7d5bb0", 6: "#2f8aa3"}

# Characters XML 1.0 cannot carry at all (a PDF's text layer may hold control characters). They are left
# out of the XML only: the Sources text keeps them, so the offsets still count them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Labels. The schema lets a VariableValue hang on a Case or a whole source, never on a selection, and a
# Set's members are codes, sources and notes (MemberCode, MemberSource, MemberNote), not selections: a
# selection's GUID in a MemberSource would pass the schema's pattern but point at no source, and the tools
# resolve it as one. The one thing the schema attaches to a selection is a Coding, so each domain, valence
# and group is a code in a branch of its own (the branch itself not codable), and an excerpt is coded with
# its domains, its valence and its group beside its codes. In NVivo or MAXQDA the domain table is then a
# matrix of the domain codes by the valence and group codes.
LABEL_BRANCHES = {
    "valence": ("Valence", "Barrier, facilitator, …: each excerpt is coded with its valence."),
    "group": ("Perspective group", "Whose view an excerpt gives: each excerpt is coded with its group."),
}


@dataclass
class QdpxSummary:
    sources: int = 0
    selections: int = 0
    notes: int = 0
    codes: int = 0
    users: int = 0


class _Guids:
    def __init__(self, review: Review):
        self.slug = review.slug

    def __call__(self, *parts: object) -> str:
        name = "/".join([self.slug, *(str(part) for part in parts)])
        return str(uuid.uuid5(_GUID_NAMESPACE, name)).upper()

    def user(self, user_id: int | None) -> str:
        return self("user", user_id) if user_id is not None else self("user", "reconciled")


def qdpx_guid(review: Review, *parts: object) -> str:
    """The GUID an export gives an object: ``qdpx_guid(review, "excerpt", excerpt.pk)``."""
    return _Guids(review)(*parts)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _when(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short(quote: str) -> str:
    words = " ".join(quote.split())
    return words if len(words) <= SELECTION_NAME_LENGTH else words[: SELECTION_NAME_LENGTH - 1] + "…"


def _described(element: ET.Element, text: str) -> None:
    if text.strip():
        ET.SubElement(element, "Description").text = _clean(text)


def _xml(element: ET.Element) -> bytes:
    return ET.tostring(element, encoding="unicode").encode()


# --- Which excerpts ---------------------------------------------------------------------------------


def qdpx_excerpts(
    *,
    review: Review,
    viewer: AbstractBaseUser | None = None,
    sees_all: bool = True,
    reconciled_only: bool = False,
) -> QuerySet[Excerpt]:
    """Every excerpt, or for a member blinded to unsettled work their own and the final set (the one rule,
    ``visible_excerpts_of_review``); ``reconciled_only`` keeps the final set, the excerpts the synthesis
    counts."""
    if viewer is None:
        excerpts = Excerpt.objects.filter(review=review)
    else:
        excerpts = visible_excerpts_of_review(review=review, viewer=viewer, sees_all=sees_all)
    if reconciled_only:
        excerpts = excerpts.filter(is_final=True)
    return excerpts.select_related("coder", "valence", "group").prefetch_related("codes", "domains")


def _which(reconciled_only: bool, viewer: AbstractBaseUser | None, sees_all: bool) -> str:
    if reconciled_only:
        return "the final set (the excerpts the synthesis counts)"
    if viewer is None or sees_all:
        return "every coder's excerpts and the final set"
    return f"the final set and {viewer.get_username()}'s own excerpts"


# --- Users and codebook -----------------------------------------------------------------------------


def _users(excerpts: list[Excerpt], guids: _Guids) -> ET.Element | None:
    coders = {excerpt.coder_id: excerpt.coder for excerpt in excerpts if excerpt.coder_id is not None}
    users = ET.Element("Users")
    for coder in sorted(coders.values(), key=lambda each: each.get_username()):
        name = coder.get_full_name() if hasattr(coder, "get_full_name") else ""
        ET.SubElement(
            users,
            "User",
            guid=guids.user(coder.pk),
            name=_clean(name or coder.get_username()),
            id=_clean(coder.get_username()),
        )
    if any(excerpt.coder_id is None for excerpt in excerpts):
        ET.SubElement(users, "User", guid=guids.user(None), name=RECONCILED_SET, id="reconciled")
    return users if len(users) else None


def _code(guid: str, name: str, *, is_codable: bool, description: str = "", colour: str = "") -> ET.Element:
    code = ET.Element("Code", guid=guid, name=_clean(name), isCodable="true" if is_codable else "false")
    if colour:
        code.set("color", colour)
    _described(code, description)
    return code


def _codebook_node(node: CodeNode, guids: _Guids, coded_directly: set[int]) -> ET.Element:
    # A theme or sub-theme is codable only when an exported excerpt is coded with it itself (an import
    # naming no code does that); otherwise it stays a heading, as tools that tell the two apart expect.
    code = node.code
    element = _code(
        guids("code", code.pk),
        code.name,
        is_codable=code.kind == Code.Kind.CODE or code.pk in coded_directly,
        description=code.description,
        colour=THEME_COLOURS.get(code.colour, ""),
    )
    for child in node.children:
        element.append(_codebook_node(child, guids, coded_directly))
    return element


def _label_codes(review: Review, guids: _Guids) -> list[ET.Element]:
    branches = []
    for framework in frameworks_of(review=review):
        domains = list(framework.domains.all())
        if not domains:
            continue
        description = framework.name + (f". {framework.citation}" if framework.citation else "")
        branch = _code(
            guids("framework", framework.pk),
            f"{framework.short_name or framework.name} domains",
            is_codable=False,
            description=f"{description}: each excerpt is coded with the domains it is mapped to.",
        )
        for domain in domains:
            branch.append(
                _code(guids("domain", domain.pk), domain.name, is_codable=True, description=domain.definition)
            )
        branches.append(branch)
    for kind, labels in (("valence", valences_of(review=review)), ("group", groups_of(review=review))):
        if not labels:
            continue
        name, description = LABEL_BRANCHES[kind]
        branch = _code(guids(kind, "branch"), name, is_codable=False, description=description)
        for label in labels:
            colour = VALENCE_COLOURS.get(label.colour, "") if kind == "valence" else ""
            branch.append(_code(guids(kind, label.pk), label.name, is_codable=True, colour=colour))
        branches.append(branch)
    return branches


def _codebook(review: Review, excerpts: list[Excerpt], guids: _Guids) -> tuple[ET.Element | None, int]:
    coded_directly = {
        code.pk for excerpt in excerpts for code in excerpt.codes.all() if code.kind != Code.Kind.CODE
    }
    codes = ET.Element("Codes")
    for node in codebook_tree(review=review):
        codes.append(_codebook_node(node, guids, coded_directly))
    codes.extend(_label_codes(review, guids))
    if not len(codes):
        return None, 0
    codebook = ET.Element("CodeBook")
    codebook.append(codes)
    return codebook, sum(1 for _ in codes.iter("Code"))


# --- Sources ------------------------------------------------------------------------------------------


def _codings(excerpt: Excerpt, guids: _Guids) -> Iterable[ET.Element]:
    targets = [("code", code.pk) for code in excerpt.codes.all()]
    targets += [("domain", domain.pk) for domain in excerpt.domains.all()]
    if excerpt.valence_id is not None:
        targets.append(("valence", excerpt.valence_id))
    if excerpt.group_id is not None:
        targets.append(("group", excerpt.group_id))
    for kind, target in targets:
        coding = ET.Element(
            "Coding",
            guid=guids("excerpt", excerpt.pk, kind, target),
            creatingUser=guids.user(excerpt.coder_id),
            creationDateTime=_when(excerpt.created_at),
        )
        ET.SubElement(coding, "CodeRef", targetGUID=guids(kind, target))
        yield coding


def _selection(excerpt: Excerpt, start: int, end: int, guids: _Guids) -> ET.Element:
    selection = ET.Element(
        "PlainTextSelection",
        guid=guids("excerpt", excerpt.pk),
        name=_clean(_short(excerpt.quote)),
        startPosition=str(start),
        endPosition=str(end),
        creatingUser=guids.user(excerpt.coder_id),
        creationDateTime=_when(excerpt.created_at),
        modifiedDateTime=_when(excerpt.updated_at),
    )
    _described(selection, excerpt.note)
    selection.extend(_codings(excerpt, guids))
    return selection


def _labels_text(excerpt: Excerpt) -> str:
    """An excerpt's codes and labels written out, for a note (a note carries no codings)."""
    lines = [f"“{excerpt.quote}”", ""]
    codes = [code.name for code in excerpt.codes.all()]
    domains = [domain.name for domain in excerpt.domains.all()]
    for label, value in (
        ("Codes", "; ".join(codes)),
        ("Domains", "; ".join(domains)),
        ("Valence", excerpt.valence.name if excerpt.valence_id else ""),
        ("Perspective group", excerpt.group.name if excerpt.group_id else ""),
        ("Page", str(excerpt.page) if excerpt.page else ""),
        ("Coder", excerpt.coder.get_username() if excerpt.coder_id else RECONCILED_SET),
        ("Note", excerpt.note),
    ):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def _note(excerpt: Excerpt, guids: _Guids) -> ET.Element:
    note = ET.Element(
        "Note",
        guid=guids("excerpt", excerpt.pk, "note"),
        name=_clean(f"Quote not found in the text: {_short(excerpt.quote)}"),
        creatingUser=guids.user(excerpt.coder_id),
        creationDateTime=_when(excerpt.created_at),
    )
    ET.SubElement(note, "PlainTextContent").text = _clean(_labels_text(excerpt))
    return note


def _place(text: str, excerpt: Excerpt) -> tuple[int, int] | None:
    """Where the excerpt is in the study's text. An anchored excerpt is at its offsets. A typed-in quote
    (or one lost when the text was read again) is placed where its quote now is, exactly or with its white
    space read loosely, as anchoring does; when the quote is not in the text at all the caller keeps the
    excerpt as a note on the study's source, with its codes and labels written out, so it is not lost."""
    if (
        excerpt.anchor == Excerpt.Anchor.ANCHORED
        and excerpt.start is not None
        and text[excerpt.start : excerpt.end] == excerpt.quote
    ):
        return excerpt.start, excerpt.end
    return quote_find(text, excerpt.quote, excerpt.start)


def _quotes_text(excerpts: list[Excerpt]) -> tuple[str, list[tuple[Excerpt, int, int]]]:
    """A study with coded quotes but no stored text: its source holds the quotes, one paragraph each (a
    quote two coders typed alike appears once), so every excerpt is still a selection with its codings."""
    parts: list[str] = []
    spots: dict[str, tuple[int, int]] = {}
    placed = []
    offset = 0
    for excerpt in excerpts:
        if excerpt.quote not in spots:
            if parts:
                parts.append("\n\n")
                offset += 2
            spots[excerpt.quote] = (offset, offset + len(excerpt.quote))
            parts.append(excerpt.quote)
            offset += len(excerpt.quote)
        placed.append((excerpt, *spots[excerpt.quote]))
    return "".join(parts), placed


@dataclass
class _Study:
    record: Record
    name: str
    text: str
    study_text: StudyText | None
    placed: list[tuple[Excerpt, int, int]]
    unplaced: list[Excerpt]


def _study(record: Record, name: str, study_text: StudyText | None, excerpts: list[Excerpt]) -> _Study:
    if study_text is None:
        text, placed = _quotes_text(excerpts)
        return _Study(record, name, text, None, placed, [])
    pages = StudyTextPage.objects.filter(study_text=study_text).order_by("number")
    text = "".join(pages.values_list("text", flat=True))
    placed, unplaced = [], []
    for excerpt in excerpts:
        spot = _place(text, excerpt)
        if spot is None:
            unplaced.append(excerpt)
        else:
            placed.append((excerpt, *spot))
    placed.sort(key=lambda each: (each[1], each[2], each[0].pk))
    return _Study(record, name, text, study_text, placed, unplaced)


def _source_description(study: _Study) -> str:
    record = study.record
    lines = [record.title or study.name, f"Tandem record {record.pk}"]
    if study.study_text is None:
        lines.append(
            "No text of this study is stored in Tandem: this source holds its coded quotes, one paragraph each."
        )
    else:
        lines.append(f"Text: {study.study_text.get_source_display()}, {study.study_text.pages_count} pages.")
    return "\n".join(lines)


def _source(study: _Study, guids: _Guids) -> ET.Element:
    guid = guids("record", study.record.pk)
    source = ET.Element(
        "TextSource",
        guid=guid,
        name=_clean(study.name),
        plainTextPath=f"internal://{guid}.txt",
        creationDateTime=_when(study.study_text.updated_at if study.study_text else None),
    )
    _described(source, _source_description(study))
    for excerpt, start, end in study.placed:
        source.append(_selection(excerpt, start, end, guids))
    for excerpt in study.unplaced:
        ET.SubElement(source, "NoteRef", targetGUID=guids("excerpt", excerpt.pk, "note"))
    return source


def _names(records: list[Record]) -> dict[int, str]:
    """Each study's source name: its label ("Smith 2019"), with its record number where two share one.
    Tools save a source under its name, so no slash."""
    labels = {record.pk: study_label(record).replace("/", "-").replace("\\", "-") for record in records}
    counts = defaultdict(int)
    for label in labels.values():
        counts[label] += 1
    return {pk: label if counts[label] == 1 else f"{label} (record {pk})" for pk, label in labels.items()}


def _studies(review: Review, excerpts: list[Excerpt]) -> list[tuple[Record, StudyText | None, list[Excerpt]]]:
    """The included studies, then any other study with exported excerpts (one excluded after coding);
    each with its text, when read, and its excerpts. A study with neither is left out."""
    by_record: dict[int, list[Excerpt]] = defaultdict(list)
    for excerpt in excerpts:
        by_record[excerpt.record_id].append(excerpt)
    records = list(included_studies(review=review))
    known = {record.pk for record in records}
    records += list(Record.objects.filter(pk__in=set(by_record) - known).order_by("pk"))
    texts = {
        study_text.record_id: study_text
        for study_text in StudyText.objects.filter(
            record_id__in=[record.pk for record in records], status=StudyText.Status.READY
        )
    }
    return [
        (record, texts.get(record.pk), by_record[record.pk])
        for record in records
        if record.pk in texts or by_record[record.pk]
    ]


# --- The archive --------------------------------------------------------------------------------------


def _head(review: Review) -> bytes:
    attributes = {"name": _clean(review.title), "origin": ORIGIN, "creationDateTime": _when(None)}
    pairs = " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
    return f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NAMESPACE}" {pairs}>'.encode()


def _project_description(review: Review, which: str) -> ET.Element:
    description = ET.Element("Description")
    description.text = _clean(
        f"The qualitative coding of “{review.title}”, exported from Tandem: {which}. Each study is a source "
        "holding its text as stored in Tandem, each excerpt a selection at its offsets, created by its coder "
        f"(“{RECONCILED_SET}” for the reconciled set). Codes: the review's codebook (themes › sub-themes › "
        "codes), then each framework's domains, the valences and the perspective groups, which code each "
        "excerpt beside its codes. A typed-in quote not found in its study's text is a note on that source."
    )
    return description


def qdpx_write(
    out: IO[bytes],
    *,
    review: Review,
    reconciled_only: bool = False,
    viewer: AbstractBaseUser | None = None,
    sees_all: bool = True,
) -> QdpxSummary:
    """Write the review's coding as a ``.qdpx`` to ``out`` (a binary file, seekable or not). With a
    ``viewer`` who does not see unsettled work (``sees_all`` false), only their own excerpts and the final
    set are written; without a viewer (the command line), every excerpt."""
    guids = _Guids(review)
    excerpts = list(
        qdpx_excerpts(review=review, viewer=viewer, sees_all=sees_all, reconciled_only=reconciled_only)
    )
    summary = QdpxSummary()
    users = _users(excerpts, guids)
    codebook, summary.codes = _codebook(review, excerpts, guids)
    summary.users = len(users) if users is not None else 0
    notes: list[ET.Element] = []
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as sources,
    ):
        studies = _studies(review, excerpts)
        names = _names([record for record, _, _ in studies])
        for record, study_text, record_excerpts in studies:
            study = _study(record, names[record.pk], study_text, record_excerpts)
            guid = guids("record", record.pk)
            archive.writestr(f"Sources/{guid}.txt", study.text.encode("utf-8"))
            sources.write(_xml(_source(study, guids)))
            notes += [_note(excerpt, guids) for excerpt in study.unplaced]
            summary.sources += 1
            summary.selections += len(study.placed)
            summary.notes += len(study.unplaced)
        sources.seek(0)
        with archive.open("project.qde", "w") as qde:
            qde.write(_head(review))
            for element in (users, codebook):
                if element is not None:
                    qde.write(_xml(element))
            if summary.sources:
                qde.write(b"<Sources>")
                shutil.copyfileobj(sources, qde)
                qde.write(b"</Sources>")
            if notes:
                qde.write(b"<Notes>" + b"".join(_xml(note) for note in notes) + b"</Notes>")
            qde.write(_xml(_project_description(review, _which(reconciled_only, viewer, sees_all))))
            qde.write(b"</Project>")
    return summary


def review_qdpx(
    review: Review,
    *,
    reconciled_only: bool = False,
    viewer: AbstractBaseUser | None = None,
    sees_all: bool = True,
) -> bytes:
    """The ``.qdpx`` as bytes (tests, small reviews); ``qdpx_write`` streams to a file."""
    out = BytesIO()
    qdpx_write(out, review=review, reconciled_only=reconciled_only, viewer=viewer, sees_all=sees_all)
    return out.getvalue()
