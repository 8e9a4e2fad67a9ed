from django.apps import AppConfig

# History entries that say how someone extracted a study that may not be reconciled yet.
BLINDED_ACTIONS = ("extraction.draft", "extraction.submit", "extraction.reopen")

HISTORY_LABELS = {
    "extraction.section_add": "added a form section",
    "extraction.section_rename": "renamed a form section",
    "extraction.section_move": "moved a form section",
    "extraction.field_add": "added a form field",
    "extraction.field_edit": "edited a form field",
    "extraction.field_move": "moved a form field",
    "extraction.field_move_section": "moved a form field to another section",
    "extraction.field_archive": "archived a form field",
    "extraction.field_restore": "restored a form field",
    "extraction.starter_load": "loaded a starting form",
    "extraction.group_add": "added a participant group",
    "extraction.group_rename": "renamed a participant group",
    "extraction.group_remove": "removed a participant group",
    "extraction.draft": "saved an extraction draft",
    "extraction.submit": "submitted an extraction",
    "extraction.reopen": "reopened their extraction",
    "extraction.reconcile": "reconciled extracted values",
}


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Data extraction"

    def ready(self) -> None:
        from reviews.blinding import blinded_actions_register
        from reviews.history import history_labels_register

        blinded_actions_register(*BLINDED_ACTIONS)
        history_labels_register(HISTORY_LABELS)
