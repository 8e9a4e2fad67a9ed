import csv
import io

import pytest
from django.core.management import CommandError, call_command

from reviews.errors import ReviewRuleError
from reviews.services import membership_change_roles
from screening.exports import DECISION_CSV_COLUMNS, decision_rows
from screening.models import Stage
from tests.reviews.importing import import_file
from tests.screening.commands import three_records
from tests.screening.helpers import decide

FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def screened(review, owner, reviewer, second_reviewer):
    """101 included by both (then excluded at full text by bob alone), 102 a conflict, 103 bob's alone."""
    records = three_records(review, owner)
    decide(review, records["101"], reviewer, "include", note="fits")
    decide(review, records["101"], second_reviewer, "include")
    decide(review, records["102"], reviewer, "include")
    decide(review, records["102"], second_reviewer, "exclude", note="carol-on-102")
    decide(review, records["103"], second_reviewer, "exclude", note="carol-pending")
    decide(review, records["101"], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    return records


def _export(review, tmp_path, *options) -> list[dict]:
    output = tmp_path / "decisions.csv"
    call_command("export_decisions", review.slug, "--format", "csv", "--output", str(output), *options)
    return list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))


def _keys(rows) -> set[tuple[int, str, str]]:
    return {(int(row["record_id"]), row["stage"], row["reviewer"]) for row in rows}


def test_it_exports_every_decision_for_an_administrator(review, screened, tmp_path):
    rows = _export(review, tmp_path)
    assert tuple(rows[0]) == DECISION_CSV_COLUMNS
    assert len(rows) == 6
    first = screened["101"].pk
    bob_on_101 = next(row for row in rows if row["record_id"] == str(first) and row["reviewer"] == "bob")
    assert bob_on_101["stage"] == "title_abstract" and bob_on_101["decision"] == "include"
    assert bob_on_101["note"] == "fits" and bob_on_101["record_status"] == "included"
    assert bob_on_101["title"].startswith("Barriers to physical activity") and bob_on_101["decided_at"]
    conflict = next(row for row in rows if row["note"] == "carol-on-102")
    assert conflict["record_status"] == "conflict"
    # Title/abstract rows first, then full text.
    assert [row["stage"] for row in rows][-1] == "full_text"
    full_text = rows[-1]
    assert (full_text["reason"], full_text["record_status"]) == ("Wrong population", "open")


def test_a_lead_sees_every_decision(review, screened, tmp_path):
    assert len(_export(review, tmp_path, "--as-user", "lena")) == 6


def test_a_reviewer_sees_settled_records_and_their_own_decisions_only(review, screened, tmp_path):
    rows = _export(review, tmp_path, "--as-user", "bob")
    first, second, third = (screened[source_id].pk for source_id in ("101", "102", "103"))
    assert _keys(rows) == {
        (first, "title_abstract", "bob"),
        (first, "title_abstract", "carol"),  # settled: both may see it now
        (second, "title_abstract", "bob"),  # own, on a record in conflict
        (first, "full_text", "bob"),  # own, on a record still open
    }
    notes = {row["note"] for row in rows}
    assert "carol-pending" not in notes and "carol-on-102" not in notes
    own_conflict = next(row for row in rows if row["record_id"] == str(second))
    # "conflict" would tell bob that carol chose differently.
    assert own_conflict["record_status"] == "unsettled"
    assert third not in {int(row["record_id"]) for row in rows}


def test_an_owner_who_also_screens_is_blinded_like_a_reviewer(review, screened, owner, tmp_path):
    membership = review.memberships.get(user=owner)
    membership_change_roles(actor=owner, membership=membership, roles={"owner", "reviewer"})
    assert len(_export(review, tmp_path, "--as-user", "alice")) == 2
    membership_change_roles(actor=owner, membership=membership, roles={"owner"})
    assert len(_export(review, tmp_path, "--as-user", "alice")) == 6


def test_it_refuses_a_non_member_and_writes_no_file(review, screened, outsider, tmp_path):
    output = tmp_path / "decisions.csv"
    with pytest.raises(CommandError, match="dave is not a member of this review"):
        call_command(
            "export_decisions", review.slug, "--format", "csv", "--output", str(output), "--as-user", "dave"
        )
    assert not output.exists()
    with pytest.raises(ReviewRuleError):
        decision_rows(review, outsider)


def test_it_neutralises_spreadsheet_formulas(review, owner, reviewer, tmp_path):
    import_file(review, owner, "formula.ris", f"TY  - JOUR\nTI  - {FORMULA_TITLE}\nER  - \n".encode())
    record = review.records.get()
    decide(review, record, reviewer, "include", note="+SUM(A1:A9)")
    (row,) = _export(review, tmp_path)
    assert row["title"] == "'" + FORMULA_TITLE
    assert row["note"] == "'+SUM(A1:A9)"


def test_it_writes_to_standard_output_without_output(review, screened, capsys):
    call_command("export_decisions", review.slug, "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(DECISION_CSV_COLUMNS) and len(lines) == 7


def test_it_names_an_unknown_review_and_user(review):
    with pytest.raises(CommandError, match="No review"):
        call_command("export_decisions", "missing", "--format", "csv")
    with pytest.raises(CommandError, match="No user 'zed'"):
        call_command("export_decisions", review.slug, "--format", "csv", "--as-user", "zed")
