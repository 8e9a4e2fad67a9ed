from django.apps import AppConfig

# History entries that say how someone decided on a record that may still be open (a stop keeps the team's
# stopping test, counted from every vote, pending ones too).
BLINDED_ACTIONS = (
    "screening.decide",
    "screening.change",
    "screening.undo",
    "screening.conflict",
    "screening.stop",
)

HISTORY_LABELS = {
    "screening.decide": "screened a record",
    "screening.change": "changed their screening decision",
    "screening.undo": "undid their screening decision",
    "screening.settle": "a record was settled",
    "screening.conflict": "the reviewers disagreed on a record",
    "screening.resolve": "resolved a conflict",
    "screening.ranking": "changed relevance ranking",
    "screening.stop": "stopped title/abstract screening",
    "screening.resume": "resumed title/abstract screening",
    "fulltext.upload": "uploaded a full text",
    "fulltext.not_retrievable": "marked a full text not retrievable",
    "fulltext.not_retrievable_confirm": "confirmed a full text is not retrievable",
    "fulltext.not_retrievable_reopen": "reopened a record marked not retrievable",
}


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from reviews.blinding import blinded_actions_register
        from reviews.history import history_labels_register
        from reviews.services.lifecycle import RecordsListener, lifecycle_connect
        from screening.models import RecordStage
        from screening.selectors import screening_records_started
        from screening.services.queues import screening_records_enter, screening_records_sync

        lifecycle_connect(
            RecordsListener(
                name="screening",
                entered=screening_records_enter,
                changed=screening_records_sync,
                started=screening_records_started,
                tables=(RecordStage._meta.db_table,),
            )
        )
        blinded_actions_register(*BLINDED_ACTIONS)
        history_labels_register(HISTORY_LABELS)
