import pytest

from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent, DuplicatePair, Merge, Record, SourceRecord
from reviews.services import duplicates as duplicate_services
from reviews.services.records import import_batch_delete, record_edit, record_remove, record_restore
from tests.reviews.importing import import_file

ABSTRACT = (
    "TY  - CONF\nTI  - Deprescribing in care homes: what nurses say\nAU  - Olsen, Kari\nAU  - Berg, Lars\n"
    "PY  - 2018\nT2  - European Geriatric Medicine Congress abstracts\nM3  - Conference Abstract\nER  - \n"
)
PAPER = (
    "TY  - JOUR\nTI  - Deprescribing in care homes: what nurses say\nAU  - Olsen, Kari\nAU  - Berg, Lars\n"
    "PY  - 2020\nJO  - BMC Geriatrics\nVL  - 20\nSP  - 10\nEP  - 18\nER  - \n"
)
OTHER = "TY  - JOUR\nTI  - Pharmacist-led medication review in hospital\nAU  - White, W\nPY  - 2017\nER  - \n"


def _merged_pair(review, owner):
    import_file(review, owner, "three.ris", source="Embase")
    import_file(review, owner, "two.nbib", source="PubMed")
    return Record.objects.get(review=review, merged_into__isnull=True, doi="10.1186/s12889-019-0001-1")


def test_a_merge_can_be_undone_and_is_not_redone(review, owner):
    record = _merged_pair(review, owner)
    merge = Merge.objects.get(target=record)
    duplicate_services.merge_undo(actor=owner, merge=merge)
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 5
    assert record.sources.count() == 1
    assert DuplicatePair.objects.filter(status=DuplicatePair.Status.DIFFERENT).count() == 1
    assert AuditEvent.objects.filter(action="records.unmerge").exists()
    with pytest.raises(ReviewRuleError, match="already undone"):
        duplicate_services.merge_undo(actor=owner, merge=merge)


def test_a_record_merged_as_it_was_imported_shows_its_own_source_once_apart_again(review, owner):
    record = _merged_pair(review, owner)
    home = Record.objects.get(review=review, merged_into=record)
    # Merged as it came in: it keeps no abstract of its own while nobody can see it as such.
    assert home.abstract == "" and home.search_text == ""
    assert record.abstract == "Interviews with 20 patients about barriers."  # the fuller of the two
    duplicate_services.merge_undo(actor=owner, merge=Merge.objects.get(target=record))
    home.refresh_from_db()
    source = SourceRecord.objects.get(home_record=home)
    assert home.merged_into_id is None
    assert (home.title, home.abstract, home.keywords) == (source.title, source.abstract, source.keywords)
    assert "barriers to physical activity" in home.search_text


def test_deleting_a_file_shows_the_records_merged_into_its_records_from_their_own_sources(review, owner):
    record = _merged_pair(review, owner)
    home = Record.objects.get(review=review, merged_into=record)
    import_batch_delete(actor=owner, batch=SourceRecord.objects.get(home_record=record).batch)
    home.refresh_from_db()
    assert home.merged_into_id is None
    assert home.abstract == SourceRecord.objects.get(home_record=home).abstract != ""


def test_a_conference_abstract_and_its_later_paper_are_offered_not_merged(review, owner):
    import_file(review, owner, "abstract.ris", ABSTRACT.encode(), source="Embase")
    import_file(review, owner, "paper.ris", PAPER.encode(), source="MEDLINE")
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 2
    pair = DuplicatePair.objects.get(review=review)
    assert pair.status == DuplicatePair.Status.OPEN and pair.reasons


def _pair_of_two_studies(review, owner) -> DuplicatePair:
    first = SourceRecord.objects.get(batch=import_file(review, owner, "a.ris", PAPER.encode()))
    second = SourceRecord.objects.get(batch=import_file(review, owner, "b.ris", OTHER.encode()))
    return DuplicatePair.objects.create(review=review, source_a=first, source_b=second, score=0.5)


def test_a_person_merges_a_pair_as_the_same_study(review, owner, lead):
    pair = _pair_of_two_studies(review, owner)
    merge = duplicate_services.duplicate_pair_mark_same(actor=lead, pair=pair)
    assert merge.kind == Merge.Kind.MANUAL and merge.created_by == lead
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="duplicates.same").exists()
    with pytest.raises(ReviewRuleError, match="already decided"):
        duplicate_services.duplicate_pair_mark_different(actor=owner, pair=pair)


def test_different_studies_are_never_offered_or_merged_again(review, owner, lead):
    pair = _pair_of_two_studies(review, owner)
    duplicate_services.duplicate_pair_mark_different(actor=lead, pair=pair)
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.DIFFERENT and pair.decided_by == lead
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 2


def test_one_decision_answers_every_pair_between_the_same_two_records(review, owner, lead):
    pair = _pair_of_two_studies(review, owner)
    third = SourceRecord.objects.get(batch=import_file(review, owner, "c.ris", PAPER.encode() + b"\n"))
    sibling = None
    if third.record_id == pair.source_a.record_id:
        low, high = sorted([third, pair.source_b], key=lambda source: source.pk)
        sibling = DuplicatePair.objects.create(review=review, source_a=low, source_b=high, score=0.4)
    duplicate_services.duplicate_pair_mark_different(actor=lead, pair=pair)
    assert sibling is not None, "the paper's second copy should have merged into the first"
    sibling.refresh_from_db()
    assert sibling.status == DuplicatePair.Status.DIFFERENT


def test_deleting_a_batch_returns_merged_records_to_their_own_studies(review, owner):
    _merged_pair(review, owner)
    embase = SourceRecord.objects.filter(batch__source_name="Embase").first().batch
    import_batch_delete(actor=owner, batch=embase)
    assert not SourceRecord.objects.filter(batch__source_name="Embase").exists()
    active = Record.objects.filter(review=review, merged_into__isnull=True)
    assert active.count() == 2
    assert all(record.sources.count() == 1 for record in active)
    assert AuditEvent.objects.filter(action="import.delete").get().before["records"] == 3


def test_an_owner_edits_removes_and_restores_a_record(review, owner):
    record = _merged_pair(review, owner)
    record_edit(actor=owner, record=record, title="Corrected title", year=2019)
    record.refresh_from_db()
    assert record.is_edited and record.search_text.startswith("corrected title")
    event = AuditEvent.objects.get(action="record.edit")
    assert event.after == {"title": "Corrected title"}
    record_remove(actor=owner, record=record, reason="Retracted")
    record_restore(actor=owner, record=record)
    events = AuditEvent.objects.filter(object_type="reviews.record", object_id=str(record.pk))
    assert list(events.values_list("action", flat=True)) == [
        "record.restore",
        "record.remove",
        "record.edit",
    ]


def test_a_stalled_batch_can_be_deleted_but_a_running_one_cannot(review, owner):
    import datetime as dt

    from django.utils import timezone

    from reviews.models import ImportBatch
    from reviews.services.imports import import_batch_create
    from tests.reviews.importing import upload

    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="X", enqueue=False
    )
    with pytest.raises(ReviewRuleError, match="still being imported"):
        import_batch_delete(actor=owner, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    import_batch_delete(actor=owner, batch=batch)
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()


def _two_studies_in_two_files_each(review, owner):
    """The paper and the other study each arrive twice, so two pairs of source records stand for one pair
    of study records."""
    pair = _pair_of_two_studies(review, owner)
    paper_again = SourceRecord.objects.get(batch=import_file(review, owner, "c.ris", PAPER.encode() + b"\n"))
    assert paper_again.record_id == pair.source_a.record_id
    low, high = sorted([paper_again, pair.source_b], key=lambda source: source.pk)
    sibling = DuplicatePair.objects.create(review=review, source_a=low, source_b=high, score=0.4)
    return pair, sibling


def test_the_queue_shows_one_row_per_pair_of_study_records(review, owner):
    from reviews import selectors

    pair, _ = _two_studies_in_two_files_each(review, owner)
    assert list(selectors.duplicate_pair_queue(review=review)) == [pair]  # the better scored stands for both


def test_a_decision_is_listed_once_and_its_undo_puts_every_pair_back_undecided(review, owner, lead):
    from reviews import selectors

    pair, sibling = _two_studies_in_two_files_each(review, owner)
    duplicate_services.duplicate_pair_mark_different(actor=lead, pair=pair)
    assert list(selectors.duplicate_pairs_decided(review=review)) == [pair]
    duplicate_services.duplicate_pair_undo(actor=owner, pair=pair)
    for each in (pair, sibling):
        each.refresh_from_db()
        assert (each.status, each.decided_by, each.decided_at) == (DuplicatePair.Status.OPEN, None, None)
    assert list(selectors.duplicate_pair_queue(review=review)) == [pair]
    assert AuditEvent.objects.filter(action="duplicates.undo", actor=owner).exists()
    with pytest.raises(ReviewRuleError, match="nothing to undo"):
        duplicate_services.duplicate_pair_undo(actor=owner, pair=pair)


def test_undoing_same_study_splits_the_records_and_offers_the_pair_again(review, owner, lead):
    pair = _pair_of_two_studies(review, owner)
    reasons = pair.reasons = ["similar titles (90%)"]
    pair.save()
    merge = duplicate_services.duplicate_pair_mark_same(actor=lead, pair=pair)
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 1
    duplicate_services.duplicate_pair_undo(actor=owner, pair=pair)
    merge.refresh_from_db()
    pair.refresh_from_db()
    assert merge.undone_by == owner
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 2
    # Back among the pairs to check with why it was offered, not remembered as "different studies".
    assert (pair.status, pair.reasons) == (DuplicatePair.Status.OPEN, reasons)
    assert not DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.DIFFERENT).exists()


def test_undoing_same_study_is_refused_when_its_records_were_merged_again(review, owner, lead):
    pair = _pair_of_two_studies(review, owner)
    duplicate_services.duplicate_pair_mark_same(actor=lead, pair=pair)
    Merge.objects.filter(review=review).update(undone_at="2026-01-01T00:00:00Z")  # undone elsewhere
    with pytest.raises(ReviewRuleError, match="undone or changed since"):
        duplicate_services.duplicate_pair_undo(actor=owner, pair=pair)
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.SAME
