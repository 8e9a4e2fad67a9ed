"""The Import page's totals come from each file's own count and one pass over the records; they must agree
with the rows themselves whatever happened to the records."""

from django.db.models import Count

from reviews import selectors
from reviews.models import DuplicatePair, ImportBatch, Record, SourceRecord
from reviews.services.duplicates import duplicate_pair_mark_same
from reviews.services.records import import_batch_delete, record_remove
from tests.reviews.importing import import_file


def _counted_from_rows(review) -> dict:
    records = Record.objects.filter(review=review, merged_into__isnull=True)
    imported = SourceRecord.objects.filter(review=review).count()
    return {
        "imported": imported,
        "duplicates_removed": imported - records.count(),
        "records": records.filter(is_removed=False).count(),
        "removed": records.filter(is_removed=True).count(),
        "possible_duplicates": selectors.duplicate_pair_queue(review=review).count(),
    }


def _by_source_from_rows(review) -> list[tuple[str, int]]:
    return list(
        SourceRecord.objects.filter(review=review)
        .values_list("batch__source_name")
        .annotate(n=Count("id"))
        .order_by("batch__source_name")
    )


def _assert_counts_agree(review) -> None:
    assert selectors.import_counts(review=review) == _counted_from_rows(review)
    assert selectors.import_counts_by_source(review=review) == _by_source_from_rows(review)


def test_the_totals_agree_with_the_rows_after_merges_removals_and_deletions(review_with_records, owner, lead):
    review = review_with_records
    _assert_counts_agree(review)
    assert selectors.import_counts_by_source(review=review) == [("Embase", 3), ("PubMed", 2)]

    duplicate_pair_mark_same(actor=lead, pair=DuplicatePair.objects.get(review=review))
    record_remove(
        actor=owner, record=Record.objects.filter(review=review, merged_into__isnull=True).last(), reason="x"
    )
    _assert_counts_agree(review)

    import_batch_delete(actor=owner, batch=ImportBatch.objects.get(review=review, source_name="PubMed"))
    _assert_counts_agree(review)
    assert selectors.import_counts_by_source(review=review) == [("Embase", 3)]


def test_files_from_one_database_add_up_and_a_failed_file_counts_nothing(review, owner):
    import_file(review, owner, "three.ris", source="Embase")
    import_file(review, owner, "two.nbib", source="Embase")
    import_file(review, owner, "notes.ris", content=b"Dear colleague,\nnothing here.\n", source="Scopus")
    assert ImportBatch.objects.get(review=review, source_name="Scopus").status == ImportBatch.Status.FAILED
    _assert_counts_agree(review)
    assert selectors.import_counts_by_source(review=review) == [("Embase", 5)]
