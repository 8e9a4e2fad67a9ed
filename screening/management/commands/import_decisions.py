from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviews.errors import ReviewRuleError
from reviews.models import Review
from screening.models import RecordStage, Stage
from screening.services.decision_import import (
    DecisionImportInvalid,
    DecisionImportResult,
    decision_csv_read,
    screening_decisions_import,
)

# A file with thousands of bad rows should still give a readable message.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import one reviewer's screening decisions from a CSV file (e.g. from Rayyan or Covidence): "
        "columns record_id or source_record_id, decision, and optionally reason and note. "
        "Every row is checked first; one bad row and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--stage", required=True, choices=Stage.values)
        parser.add_argument("--reviewer", required=True, help="username of the reviewer who decided")
        parser.add_argument(
            "--add-missing-reasons",
            action="store_true",
            help="add full-text exclusion reasons the review does not list yet (audited)",
        )

    def handle(self, *args, slug, file, stage, reviewer, add_missing_reasons, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name {slug!r}.")
        user = get_user_model().objects.filter(username=reviewer).first()
        if user is None:
            raise CommandError(f"No user {reviewer!r}.")
        name = Path(file).name
        try:
            rows = decision_csv_read(_read_text(file))
            result = screening_decisions_import(
                review=review,
                reviewer=user,
                stage=stage,
                rows=rows,
                add_missing_reasons=add_missing_reasons,
            )
        except DecisionImportInvalid as invalid:
            raise CommandError(_problems(name, invalid.errors)) from None
        except ReviewRuleError as error:
            raise CommandError(f"{reviewer}: {error}") from error
        self._report(result, name, reviewer, stage)

    def _report(self, result: DecisionImportResult, name: str, reviewer: str, stage: str) -> None:
        for reason in result.reasons_added:
            self.stdout.write(f"Added the full-text exclusion reason “{reason}” to the review.")
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        settled = result.settled
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {_count(result.written, 'decision')} by {reviewer} at {Stage(stage).label.lower()} "
                f"from {name} ({result.new} new, {result.changed} changed; "
                f"{result.unchanged} already recorded as they are). "
                f"As a result: {settled[RecordStage.Status.INCLUDED]} included, "
                f"{settled[RecordStage.Status.EXCLUDED]} excluded, "
                f"{_count(settled[RecordStage.Status.CONFLICT], 'conflict')}, "
                f"{settled[RecordStage.Status.OPEN]} awaiting another reviewer."
            )
        )


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    try:
        # utf-8-sig: Excel writes a byte-order mark in front of "CSV UTF-8" files.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CommandError(
            f"{Path(path).name}, line {line}: the file is not UTF-8 text; save it as CSV UTF-8 and try again."
        ) from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _problems(name: str, errors: list[tuple[int, str]]) -> str:
    lines = [
        f"{name}, line {line}: {problem}" if line else f"{name}: {problem}"
        for line, problem in errors[:ERRORS_SHOWN]
    ]
    if len(errors) > ERRORS_SHOWN:
        lines.append(f"… and {len(errors) - ERRORS_SHOWN} more problems.")
    heading = f"Nothing was imported: {_count(len(errors), 'problem')} in {name}."
    return "\n".join([heading, *lines])
