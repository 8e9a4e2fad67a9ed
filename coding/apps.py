from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Qualitative coding"

    def ready(self) -> None:
        from coding.services.excerpts import BLINDED_ACTIONS
        from reviews.blinding import blinded_actions_register

        blinded_actions_register(*BLINDED_ACTIONS)
