"""Setting up records to screen, through the real import and screening services."""

from __future__ import annotations

from reviews.models import Record
from screening.models import RecordStage, Stage
from screening.services import screening_decision_record
from tests.reviews.importing import import_file


def ris_records(count: int, prefix: str = "Study") -> bytes:
    entries = [
        f"TY  - JOUR\nTI  - {prefix} {number}: nurses' views on topic {number * 7919 % 1000}\nAU  - Author{number}, A\n"
        f"PY  - {2000 + number % 20}\nDO  - 10.5555/{prefix.lower()}.{number}\nER  - \n"
        for number in range(1, count + 1)
    ]
    return "\n".join(entries).encode()


def records_to_screen(review, owner, count: int = 4, prefix: str = "Study") -> list[Record]:
    import_file(review, owner, f"{prefix.lower()}.ris", ris_records(count, prefix), source="MEDLINE")
    return list(Record.objects.filter(review=review, merged_into__isnull=True).order_by("pk"))


# An include at full text needs a PDF or a reason; set-ups that are not about full texts give the reason.
WITHOUT_PDF = "Read at the publisher's site (test set-up)"


def decide(review, record, reviewer, choice, stage=Stage.TITLE_ABSTRACT, **kwargs):
    if stage == Stage.FULL_TEXT and choice == "include":
        kwargs.setdefault("without_full_text", WITHOUT_PDF)
    return screening_decision_record(
        review=review, record=record, reviewer=reviewer, stage=stage, choice=choice, **kwargs
    )


def status(record, stage=Stage.TITLE_ABSTRACT) -> str:
    return RecordStage.objects.get(record=record, stage=stage).status
