"""Stopping title/abstract screening, and resuming it.

When the team judges that it has found (nearly) every relevant record, typically once the stopping test on
the overview says so, the owner stops screening. The records nobody has screened yet are set aside: not
excluded, since no one judged them, and the PRISMA flow and the methods text report them as not screened.
Records that one reviewer has decided stay open for the others, so every record screened is screened as the
review's rules say. Resuming brings every set-aside record back to the queues. Both are kept in the history
with the stopping test's figures at that moment, which is what the methods text reports.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record
from screening.models import RecordStage, Stage
from screening.services.queues import progress_forget_on_commit
from screening.stopping import screening_stopping_test

STOP_NOTHING_LEFT = "Every record has been screened by someone, so there is nothing to set aside."
RESUME_NOTHING_SET_ASIDE = "No record is set aside, so there is nothing to resume."


@transaction.atomic
def screening_stop(*, review: Review, actor: AbstractBaseUser) -> int:
    """Set aside the title/abstract records that no reviewer has decided; returns how many."""
    test = screening_stopping_test(review=review)
    # One UPDATE: a decision that commits first raised the record's decision count, and PostgreSQL checks the
    # condition again on the row it waited for, so a record someone has just decided is never set aside.
    count = RecordStage.objects.filter(
        review=review,
        stage=Stage.TITLE_ABSTRACT,
        is_active=True,
        status=RecordStage.Status.OPEN,
        decision_count=0,
    ).update(status=RecordStage.Status.SET_ASIDE)
    if not count:
        raise ReviewRuleError(STOP_NOTHING_LEFT)
    audit_record(
        actor=actor,
        review=review,
        action="screening.stop",
        after={
            "set_aside": count,
            "screened": test.screened,
            "relevant_found": test.relevant_found,
            "since_last_relevant": test.since_last_relevant,
            "recall_target": test.target,
            "p_value": test.p_value,
            "may_stop": test.may_stop,
        },
    )
    progress_forget_on_commit([review.pk], [Stage.TITLE_ABSTRACT])
    return count


@transaction.atomic
def screening_resume(*, review: Review, actor: AbstractBaseUser) -> int:
    """Bring every set-aside record back to the title/abstract queues; returns how many."""
    # Also the records merged or removed since they were set aside: restored, they are open again.
    count = RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status=RecordStage.Status.SET_ASIDE
    ).update(status=RecordStage.Status.OPEN)
    if not count:
        raise ReviewRuleError(RESUME_NOTHING_SET_ASIDE)
    audit_record(actor=actor, review=review, action="screening.resume", after={"returned": count})
    progress_forget_on_commit([review.pk], [Stage.TITLE_ABSTRACT])
    return count
