from celery import shared_task
from django.db import OperationalError

from coding.services.texts import study_text_read


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def study_text_process(self, record_id: int) -> None:
    study_text_read(record_id=record_id)
