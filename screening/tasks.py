from celery import shared_task
from django.db import OperationalError

from screening.services.ranking import ranking_retrain


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=2, max_retries=3)
def ranking_retrain_task(self, review_id: int, reviewer_id: int) -> None:

    ranking_retrain(review_id=review_id, reviewer_id=reviewer_id)
