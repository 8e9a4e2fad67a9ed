"""Writes for screening, one module per part: queues, decisions, full texts, decisions brought in from a
file (``decision_import``). The everyday names are re-exported here."""

from screening.services.decisions import (
    CONFLICT_ALREADY_SETTLED,
    DECISION_FULL,
    DECISION_LEAD_MAY_NOT_SCREEN,
    DECISION_MAYBE_AT_FULL_TEXT,
    DECISION_NEEDS_REASON,
    DECISION_NOT_A_REVIEWER,
    DECISION_NOT_AT_STAGE,
    DECISION_NOT_IN_REVIEW,
    DECISION_SETTLED,
    DECISION_UNKNOWN_CHOICE,
    DECISION_UNKNOWN_REASON,
    NOTHING_TO_UNDO,
    screening_check_reviewer,
    screening_conflict_resolve,
    screening_decision_record,
    screening_decision_undo,
)
from screening.services.full_texts import (
    FULLTEXT_NOT_PDF,
    FULLTEXT_SETTLED,
    FULLTEXT_TOO_LARGE,
    full_text_mark_not_retrievable,
    full_text_upload,
)
from screening.services.queues import screening_records_enter, screening_records_sync, screening_stage_open

__all__ = [
    "CONFLICT_ALREADY_SETTLED",
    "DECISION_FULL",
    "DECISION_LEAD_MAY_NOT_SCREEN",
    "DECISION_MAYBE_AT_FULL_TEXT",
    "DECISION_NEEDS_REASON",
    "DECISION_NOT_AT_STAGE",
    "DECISION_NOT_A_REVIEWER",
    "DECISION_NOT_IN_REVIEW",
    "DECISION_SETTLED",
    "DECISION_UNKNOWN_CHOICE",
    "DECISION_UNKNOWN_REASON",
    "FULLTEXT_NOT_PDF",
    "FULLTEXT_SETTLED",
    "FULLTEXT_TOO_LARGE",
    "NOTHING_TO_UNDO",
    "full_text_mark_not_retrievable",
    "full_text_upload",
    "screening_check_reviewer",
    "screening_conflict_resolve",
    "screening_decision_record",
    "screening_decision_undo",
    "screening_records_enter",
    "screening_records_sync",
    "screening_stage_open",
]
