from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from reviews import (
            security,  # noqa: F401  (connects the failed-login logger)
            timezones,  # noqa: F401  (puts a person's time zone in their session at log-in)
        )
