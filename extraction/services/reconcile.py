"""The lead's reconciliation: the final value of every field of a study, from two submitted extractions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from extraction.models import Extraction, FormField, ReconciledValue
from extraction.services.extractions import AnswersInvalid, study_lock
from extraction.values import AnswerInvalid, comparison_key, parse_answer
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record

RECONCILE_NOT_READY = "Both extractions of this study must be submitted before it can be reconciled."
RECONCILE_STALE = (
    "Someone else reconciled {labels} a moment ago. Nothing was saved: reload the page to see their values."
)
RECONCILE_NOT_AGREED = "The reviewers did not agree on “{label}”; pick one value or write a consensus value."
RECONCILE_UNKNOWN_SOURCE = "Choose whose value to keep for “{label}”."


def _submitted_pair(record: Record) -> list[Extraction]:
    extractions = list(
        Extraction.objects.filter(record=record, status=Extraction.Status.SUBMITTED)
        .select_related("reviewer")
        .prefetch_related("answers")
        .order_by("pk")
    )
    if len(extractions) < 2:
        raise ReviewRuleError(RECONCILE_NOT_READY)
    return extractions[:2]


def _reconciled_value(field: FormField, source: str, consensus: Any, first: Any, second: Any) -> Any:
    if source == ReconciledValue.Source.AGREED:
        if comparison_key(field.field_type, first) != comparison_key(field.field_type, second):
            raise ReviewRuleError(RECONCILE_NOT_AGREED.format(label=field.label))
        return first
    if source == ReconciledValue.Source.FIRST:
        return first
    if source == ReconciledValue.Source.SECOND:
        return second
    if source == ReconciledValue.Source.CONSENSUS:
        try:
            return parse_answer(field, consensus)
        except AnswerInvalid as invalid:
            raise AnswersInvalid({field.pk: str(invalid)}) from None
    raise ReviewRuleError(RECONCILE_UNKNOWN_SOURCE.format(label=field.label))


@transaction.atomic
def extraction_reconcile(
    *,
    review: Review,
    record: Record,
    lead: AbstractBaseUser,
    choices: dict[int, dict[str, Any]],
) -> list[ReconciledValue]:
    """Save the lead's final values for a study.

    ``choices`` maps field id to {"source", "consensus", "version"}: ``version`` is the version of the
    reconciled value the lead's page showed (0 for none). A stale version means another reconciler
    saved in between; then nothing is saved, so neither overwrites the other unseen.
    """
    study_lock(review, record)
    first, second = _submitted_pair(record)
    answers = [{answer.field_id: answer.value for answer in each.answers.all()} for each in (first, second)]
    fields = {field.pk: field for field in FormField.objects.filter(review=review, pk__in=list(choices))}
    current = {value.field_id: value for value in ReconciledValue.objects.filter(record=record)}
    stale = [
        fields[field_id].label
        for field_id, choice in choices.items()
        if field_id in fields
        and int(choice.get("version") or 0) != (current[field_id].version if field_id in current else 0)
    ]
    if stale:
        raise ReviewRuleError(RECONCILE_STALE.format(labels=", ".join(f"“{label}”" for label in stale)))
    saved, errors, snapshot = [], {}, {}
    for field_id, choice in choices.items():
        field = fields.get(field_id)
        if field is None or not choice.get("source"):
            continue
        try:
            value = _reconciled_value(
                field,
                choice["source"],
                choice.get("consensus"),
                answers[0].get(field_id),
                answers[1].get(field_id),
            )
        except AnswersInvalid as invalid:
            errors.update(invalid.errors)
            continue
        reconciled = current.get(field_id) or ReconciledValue(
            review=review, record=record, field=field, version=0
        )
        if reconciled.pk and reconciled.value == value and reconciled.source == choice["source"]:
            continue
        reconciled.value, reconciled.source, reconciled.decided_by = value, choice["source"], lead
        reconciled.version += 1
        reconciled.save()
        saved.append(reconciled)
        snapshot[field.label] = {"value": value, "source": choice["source"]}
    if errors:
        raise AnswersInvalid(errors)
    if saved:
        audit_record(
            actor=lead,
            review=review,
            action="extraction.reconcile",
            target=record,
            after={"record": record.pk, "fields": snapshot},
        )
    return saved
