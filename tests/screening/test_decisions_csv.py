"""The decisions CSV PostgreSQL writes itself (COPY) is byte for byte the one written row by row."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from screening.exports import _csv_pieces, decision_rows, decisions_csv_lines
from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]


def test_the_copied_csv_is_the_written_csv_for_every_viewer(review, owner, lead, reviewer, second_reviewer):
    first, second, third, fourth = records_to_screen(review, owner, count=4)
    first.title = '=HYPERLINK("http://x")  — “quoted”, with a comma\nand a new line'
    first.save(update_fields=["title"])
    decide(review, first, reviewer, "include", note='-1 said "no", then\r\nyes')
    decide(review, first, second_reviewer, "include", note="")
    decide(review, second, reviewer, "include")
    decide(review, second, second_reviewer, "exclude", note="@lead please look ✓")  # a conflict
    decide(review, third, reviewer, "maybe")  # open: waits for Carol
    decide(review, fourth, second_reviewer, "exclude", note="+")
    decide(review, first, reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    for viewer in (None, lead, reviewer, second_reviewer):
        copied = "".join(decisions_csv_lines(review, viewer))
        written = "".join(_csv_pieces(decision_rows(review, viewer)))
        assert copied == written, viewer
    rows = list(csv.DictReader(io.StringIO("".join(decisions_csv_lines(review, reviewer)))))
    assert {row["record_status"] for row in rows if row["record_id"] == str(second.pk)} == {"unsettled"}
    assert rows[0]["title"].startswith("'=HYPERLINK")
