"""Services queue their jobs by the name each task is registered under, so that no services module imports
its app's tasks module (which imports the services): a misspelt name would only fail when a job is queued."""

import pytest

from coding.services.texts import STUDY_TEXT_TASK
from reviews.jobs import job_task
from reviews.services.imports import IMPORT_TASK
from reviews.services.mail import MAIL_TASK
from screening.services.ranking import RETRAIN_TASK


@pytest.mark.parametrize("name", [IMPORT_TASK, MAIL_TASK, RETRAIN_TASK, STUDY_TEXT_TASK])
def test_every_job_a_service_queues_is_a_registered_task(name):
    assert job_task(name).name == name
