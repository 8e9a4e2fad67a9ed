"""Exports that write HTML character references (Scopus RIS: "p &lt; 0.05") are read as the text they stand
for, so the record and screening pages show "p < 0.05", not "&lt;"."""

from __future__ import annotations

import re

from django.urls import reverse

from reviews.models import Record, SourceRecord
from tests.reviews.importing import import_file

TITLE = "Soil carbon & plant diversity after restoration: a <10-year meta-analysis"
ABSTRACT = "Diversity rose in restored plots (p < 0.05; β = 0.31) but not in R&D sites & controls (p > 0.2)."


def _imported(review, owner) -> Record:
    import_file(review, owner, "scopus_character_references.ris", source="Scopus")
    return Record.objects.get(review=review, doi="10.5555/restoration.entities.1")


def test_titles_abstracts_and_journals_are_stored_decoded_and_the_raw_fields_as_written(review, owner):
    record = _imported(review, owner)
    assert (record.title, record.abstract, record.journal) == (TITLE, ABSTRACT, "Ecology & Evolution")
    source = SourceRecord.objects.get(record=record)
    assert (source.title, source.abstract) == (TITLE, ABSTRACT)
    assert source.raw_fields["TI"] == [
        "Soil carbon &amp; plant diversity after restoration: a &lt;10-year meta-analysis"
    ]
    untouched = Record.objects.get(review=review, doi="10.5555/restoration.entities.2")
    assert untouched.abstract == "No references here & none &notnamed either."


def test_the_record_and_screening_pages_show_the_characters(review, owner, reviewer, client_for):
    record = _imported(review, owner)
    pages = [
        client_for(owner).get(reverse("reviews:record", args=[review.slug, record.pk])),
        client_for(reviewer).get(
            reverse("screening:record", args=[review.slug, "title-abstract", record.pk])
        ),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        assert "(p &lt; 0.05; β = 0.31)" in page and "a &lt;10-year meta-analysis" in page
        # Only the table of the file's own fields shows what the file wrote.
        shown = re.sub(r'<table class="table raw">.*?</table>', "", page, flags=re.S)
        assert "&amp;lt;" not in shown and "&amp;amp;" not in shown


def test_the_same_study_with_and_without_references_is_merged(review, owner):
    """Deduplication compares the decoded text: the same paper from a database that writes "<" plainly is
    found to be the same study."""
    import_file(review, owner, "scopus_character_references.ris", source="Scopus")
    plain = (
        b"TY  - JOUR\nTI  - Soil carbon & plant diversity after restoration: a <10-year meta-analysis\n"
        b"T2  - Ecology & Evolution\nPY  - 2022\nAU  - Okafor, N.\nER  - \n"
    )
    import_file(review, owner, "embase.ris", plain, source="Embase")
    assert Record.objects.filter(review=review, merged_into__isnull=True, title=TITLE).count() == 1
