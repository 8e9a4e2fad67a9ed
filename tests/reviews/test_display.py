"""What a study record shows: the most complete of its sources."""

import pytest

from reviews.models import Record
from reviews.services.display import DISPLAY_FIELDS, completeness, completeness_filled

EMPTY = {"title": "", "abstract": "", "authors": [], "journal": "", "volume": "", "issue": "", "pages": ""}
EMPTY |= {
    "year": None,
    "doi": "",
    "pmid": "",
    "keywords": [],
    "language": "",
    "publication_type": "",
    "urls": [],
}


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"title": "Nurses’ views", "year": 2020},
        {"abstract": "Ünïcode abstract – of some length", "authors": ["Smith, J"], "keywords": ["a", "b"]},
        {name: "x" for name in DISPLAY_FIELDS if name not in ("year", "authors", "keywords", "urls")}
        | {"year": 0, "authors": ["A"], "keywords": ["k"], "urls": ["https://example.org"]},
    ],
)
def test_the_database_counts_completeness_as_the_import_does(review, values):
    """After an import, records are compared by the database's count against the newcomers' own."""
    from django.db.models.functions import Length

    record = Record.objects.create(review=review, **(EMPTY | values))
    filled, length = (
        Record.objects.filter(pk=record.pk)
        .annotate(filled=completeness_filled(), length=Length("abstract"))
        .values_list("filled", "length")
        .get()
    )
    assert (filled, length) == completeness(EMPTY | values)
