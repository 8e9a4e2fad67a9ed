"""Coding starts with settings, the built-in framework (TDF), valences and perspective groups; owners add
frameworks of their own by typing their domains or uploading a CSV (``domain``, ``definition``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from coding.models import CodingSettings, Domain, Framework, PerspectiveGroup, Valence
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record

FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "frameworks"


@dataclass(frozen=True)
class BuiltInFramework:
    file: str
    name: str
    short_name: str
    citation: str


BUILT_IN = (
    BuiltInFramework(
        file="tdf_v2.csv",
        name="Theoretical Domains Framework (version 2)",
        short_name="TDF",
        citation="Cane, O'Connor & Michie 2012; Atkins et al. 2017",
    ),
)
DEFAULT_VALENCES = ("Barrier", "Facilitator", "Neither")
DEFAULT_GROUPS = ("HCP", "Patient", "Other")

FRAMEWORK_NEEDS_NAME = "Give the framework a name."
FRAMEWORK_NAME_TAKEN = "This review already has a framework called “{name}”."
FRAMEWORK_NEEDS_DOMAINS = "List at least one domain."
FRAMEWORK_DOMAIN_TWICE = "line {line}: the domain “{name}” is listed twice."
FRAMEWORK_CSV_COLUMNS = "The file needs a “domain” column (and may have “definition”)."
FRAMEWORK_CSV_UNREADABLE = "{filename} is not a UTF-8 CSV file."
LABEL_NEEDS_NAME = "Give it a name."
LABEL_TAKEN = "“{name}” is already one of them."
LABEL_IN_USE = "“{name}” is used by {count} excerpt(s), so it cannot be removed; rename it instead."


def framework_rows_from_file(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row["domain"].strip(), (row.get("definition") or "").strip()) for row in csv.DictReader(handle)
        ]


def coding_setup(*, review: Review) -> CodingSettings:
    """The review's coding settings, made with the built-in framework and default labels the first time."""
    # Read first, outside a transaction: every coding page asks, and all but the first find them made.
    existing = CodingSettings.objects.filter(review=review).first()
    if existing is not None:
        return existing
    return _coding_setup_first(review)


@transaction.atomic
def _coding_setup_first(review: Review) -> CodingSettings:
    existing = CodingSettings.objects.filter(review=review).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            coding_settings = CodingSettings.objects.create(review=review)
    except IntegrityError:  # two first visits at once: the other made them
        return CodingSettings.objects.get(review=review)
    for position, built_in in enumerate(BUILT_IN, start=1):
        framework = Framework.objects.create(
            review=review,
            name=built_in.name,
            short_name=built_in.short_name,
            citation=built_in.citation,
            source=Framework.Source.BUILT_IN,
            position=position,
        )
        _domains_create(framework, framework_rows_from_file(FRAMEWORKS_DIR / built_in.file))
    Valence.objects.bulk_create(
        Valence(review=review, name=name, colour=position, position=position)
        for position, name in enumerate(DEFAULT_VALENCES, start=1)
    )
    PerspectiveGroup.objects.bulk_create(
        PerspectiveGroup(review=review, name=name, position=position)
        for position, name in enumerate(DEFAULT_GROUPS, start=1)
    )
    return coding_settings


def _domains_create(framework: Framework, rows: list[tuple[str, str]]) -> list[Domain]:
    seen: dict[str, int] = {}
    errors = []
    for line, (name, _) in enumerate(rows, start=1):
        if name.lower() in seen:
            errors.append(FRAMEWORK_DOMAIN_TWICE.format(line=line, name=name))
        seen[name.lower()] = line
    if errors:
        raise ReviewRuleError(" ".join(errors))
    return Domain.objects.bulk_create(
        Domain(framework=framework, name=name[:200], definition=definition, position=position)
        for position, (name, definition) in enumerate(rows, start=1)
    )


def framework_rows_from_text(text: str) -> list[tuple[str, str]]:
    """One domain a line, with an optional definition after a colon: ``Knowledge: An awareness of ...``."""
    rows = []
    for line in text.splitlines():
        name, _, definition = line.partition(":")
        if name.strip():
            rows.append((name.strip(), definition.strip()))
    return rows


def framework_rows_from_csv(data: bytes, filename: str) -> list[tuple[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewRuleError(FRAMEWORK_CSV_UNREADABLE.format(filename=filename)) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if "domain" not in columns:
        raise ReviewRuleError(FRAMEWORK_CSV_COLUMNS)
    rows = []
    for row in reader:
        name = (row.get(columns["domain"]) or "").strip()
        if name:
            definition = (row.get(columns["definition"]) or "").strip() if "definition" in columns else ""
            rows.append((name, definition))
    return rows


@transaction.atomic
def framework_create(
    *, review: Review, actor: AbstractBaseUser, name: str, rows: list[tuple[str, str]], source: str
) -> Framework:
    coding_setup(review=review)
    name = name.strip()
    if not name:
        raise ReviewRuleError(FRAMEWORK_NEEDS_NAME)
    if not rows:
        raise ReviewRuleError(FRAMEWORK_NEEDS_DOMAINS)
    if Framework.objects.filter(review=review, name__iexact=name).exists():
        raise ReviewRuleError(FRAMEWORK_NAME_TAKEN.format(name=name))
    top = Framework.objects.filter(review=review).aggregate(top=Max("position"))["top"] or 0
    framework = Framework.objects.create(review=review, name=name[:200], source=source, position=top + 1)
    domains = _domains_create(framework, rows)
    audit_record(
        actor=actor,
        review=review,
        action="coding.framework_add",
        target=framework,
        after={"name": framework.name, "domains": [domain.name for domain in domains]},
    )
    return framework


def _label_model(kind: str) -> type[Valence] | type[PerspectiveGroup]:
    return {"valence": Valence, "group": PerspectiveGroup}[kind]


@transaction.atomic
def coding_label_save(
    *, review: Review, actor: AbstractBaseUser, kind: str, name: str, label_id: int | None = None
) -> Valence | PerspectiveGroup:
    """Add a valence or perspective group, or rename one (its excerpts keep it under the new name)."""
    model = _label_model(kind)
    coding_setup(review=review)
    name = name.strip()
    if not name:
        raise ReviewRuleError(LABEL_NEEDS_NAME)
    others = model.objects.filter(review=review, name__iexact=name)
    if label_id is not None:
        others = others.exclude(pk=label_id)
    if others.exists():
        raise ReviewRuleError(LABEL_TAKEN.format(name=name))
    if label_id is None:
        top = model.objects.filter(review=review).aggregate(top=Max("position"))["top"] or 0
        label = model(review=review, position=top + 1, name=name[:60])
        if model is Valence:
            label.colour = (top % 6) + 1
        before = None
    else:
        label = model.objects.select_for_update().get(pk=label_id, review=review)
        before = {"name": label.name}
        label.name = name[:60]
    label.save()
    audit_record(
        actor=actor,
        review=review,
        action=f"coding.{kind}_save",
        target=label,
        before=before,
        after={"name": name},
    )
    return label


@transaction.atomic
def coding_label_remove(*, review: Review, actor: AbstractBaseUser, kind: str, label_id: int) -> None:
    from coding.models import Excerpt

    model = _label_model(kind)
    label = model.objects.select_for_update().get(pk=label_id, review=review)
    used = Excerpt.objects.filter(review=review, **{kind: label}).count()
    if used:
        raise ReviewRuleError(LABEL_IN_USE.format(name=label.name, count=used))
    audit_record(
        actor=actor, review=review, action=f"coding.{kind}_remove", target=label, before={"name": label.name}
    )
    label.delete()
