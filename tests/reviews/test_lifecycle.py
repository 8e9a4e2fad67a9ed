"""The core tells later stages of record changes through reviews.services.lifecycle, never by importing them."""

from __future__ import annotations

import pytest

from reviews.errors import ReviewRuleError
from reviews.models import ImportBatch, Record
from reviews.services import lifecycle
from reviews.services.records import import_batch_delete, record_remove, record_restore
from tests.reviews.importing import import_file
from tests.screening.helpers import ris_records


class Heard:
    """A later stage that writes down what it hears and claims to have started on chosen records."""

    def __init__(self):
        self.entered: list[list[int]] = []
        self.changed: list[list[int]] = []
        self.started_on: set[int] = set()

    def listener(self) -> lifecycle.RecordsListener:
        return lifecycle.RecordsListener(
            name="heard",
            entered=lambda *, review, record_ids: self.entered.append(sorted(record_ids)),
            changed=lambda *, review_id, record_ids: self.changed.append(sorted(record_ids)),
            started=lambda *, record_ids: self.started_on & set(record_ids),
        )


@pytest.fixture
def heard(monkeypatch):
    stage = Heard()
    monkeypatch.setattr(lifecycle, "_listeners", {**lifecycle._listeners})
    lifecycle.lifecycle_connect(stage.listener())
    return stage


def test_screening_connects_when_the_app_starts():
    names = [listener.name for listener in lifecycle.lifecycle_listeners()]
    assert names[0] == "screening"
    assert "screening_recordstage" in lifecycle.lifecycle_tables()


def test_an_import_tells_every_stage_which_records_entered(review, owner, heard):
    import_file(review, owner, "a.ris", ris_records(3))
    assert heard.entered == [sorted(Record.objects.filter(review=review).values_list("pk", flat=True))]


def test_removing_and_restoring_a_record_tells_every_stage(review, owner, heard):
    import_file(review, owner, "a.ris", ris_records(2))
    record = Record.objects.filter(review=review).first()
    record_remove(actor=owner, record=record, reason="not a study")
    record_restore(actor=owner, record=record)
    assert heard.changed == [[record.pk], [record.pk]]


def test_a_later_stage_having_started_on_a_record_keeps_its_file(review, owner, heard):
    batch = import_file(review, owner, "a.ris", ris_records(2))
    heard.started_on = {Record.objects.filter(review=review).first().pk}
    with pytest.raises(ReviewRuleError):
        import_batch_delete(actor=owner, batch=batch)
    heard.started_on = set()
    import_batch_delete(actor=owner, batch=batch)
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()


def test_connecting_again_replaces_rather_than_doubles(heard, review, owner):
    lifecycle.lifecycle_connect(heard.listener())
    import_file(review, owner, "a.ris", ris_records(1))
    assert len(heard.entered) == 1
