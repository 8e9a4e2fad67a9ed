from django.apps import AppConfig

HISTORY_LABELS = {
    "coding.settings": "changed the coding settings",
    "coding.framework_add": "added a framework",
    "coding.valence_save": "saved a valence",
    "coding.valence_remove": "removed a valence",
    "coding.group_save": "saved a perspective group",
    "coding.group_remove": "removed a perspective group",
    "coding.code_add": "added to the codebook",
    "coding.code_change": "changed a code",
    "coding.code_move": "moved a code",
    "coding.code_merge": "merged codes",
    "coding.code_delete": "deleted a code",
    "coding.text_read": "a study's text was read from its PDF",
    "coding.text_paste": "pasted a study's text",
    "coding.claim": "took a study to code",
    "coding.assign": "assigned a coder",
    "coding.unassign": "took a coder off a study",
    "coding.done": "marked a study's coding done",
    "coding.reopen": "reopened their coding",
    "coding.excerpt_add": "coded an excerpt",
    "coding.excerpt_change": "changed an excerpt",
    "coding.excerpt_delete": "deleted an excerpt",
    "coding.excerpt_reanchor": "an excerpt was found again in a new text",
    "coding.excerpt_lost": "an excerpt's quote is no longer in its text",
    "coding.reconcile_open": "opened a study's reconciliation",
    "coding.unit_accept": "accepted one coder's excerpt",
    "coding.unit_merge": "merged two coders' excerpts",
    "coding.unit_drop": "dropped a unit",
    "coding.unit_reopen": "reopened a unit",
    "coding.reconcile_finish": "marked a study's coding reconciled",
    "coding.import": "imported coded excerpts",
}


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Qualitative coding"

    def ready(self) -> None:
        from coding.services.excerpts import BLINDED_ACTIONS
        from reviews.blinding import blinded_actions_register
        from reviews.history import history_labels_register

        blinded_actions_register(*BLINDED_ACTIONS)
        history_labels_register(HISTORY_LABELS)
