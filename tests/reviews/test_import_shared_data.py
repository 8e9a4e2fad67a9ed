"""Every real export in ../shared/data goes through the whole import job, into the database."""

from __future__ import annotations

import pytest

from reviews.models import ImportBatch, SourceRecord
from tests.reviews.importing import import_file
from tests.reviews.parsers.test_shared_data import EXPECTED, expected_count, refusal_for
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [requires_shared_data, pytest.mark.shared_data]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shared_export_imports_with_its_listed_count_or_fails_clearly(review, owner, name):
    content = (SHARED_DATA / name).read_bytes()
    batch = import_file(review, owner, name.rsplit("/", 1)[-1], content, source=name.split("/", 1)[0])
    if refusal_for(name):
        assert batch.status == ImportBatch.Status.FAILED and name.rsplit("/", 1)[-1] in batch.error
        assert not SourceRecord.objects.filter(review=review).exists()
        return
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert SourceRecord.objects.filter(batch=batch).count() == expected_count(name) == batch.records_count
