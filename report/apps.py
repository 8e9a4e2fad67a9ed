from django.apps import AppConfig

HISTORY_LABELS = {"report.other_methods": "changed the PRISMA flow's other-methods column"}


class ReportConfig(AppConfig):
    name = "report"
    verbose_name = "Overview and report"

    def ready(self) -> None:
        from reviews.history import history_labels_register

        history_labels_register(HISTORY_LABELS)
