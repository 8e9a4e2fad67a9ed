from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def import_batch_process(self, batch_id: int) -> None:
    from reviews.services.imports import import_batch_run

    import_batch_run(batch_id=batch_id)
