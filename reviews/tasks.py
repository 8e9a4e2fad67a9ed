from celery import shared_task
from django.db import OperationalError

from reviews.services.imports import import_batch_run
from reviews.services.mail import mail_deliver


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def import_batch_process(self, batch_id: int) -> None:

    import_batch_run(batch_id=batch_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),  # smtplib's errors are OSErrors: a mail server that is down is retried
    retry_backoff=30,
    max_retries=5,
)
def mail_send(self, recipient: str, subject: str, body: str) -> None:

    mail_deliver(recipient=recipient, subject=subject, body=body)
