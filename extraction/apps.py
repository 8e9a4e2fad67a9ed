from django.apps import AppConfig

# History entries that say how someone extracted a study that may not be reconciled yet.
BLINDED_ACTIONS = ("extraction.draft", "extraction.submit", "extraction.reopen")


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Data extraction"

    def ready(self) -> None:
        from reviews.blinding import blinded_actions_register

        blinded_actions_register(*BLINDED_ACTIONS)
