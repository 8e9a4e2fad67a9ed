import pytest
from django.core.management import CommandError, call_command

from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent, Review
from screening.models import Decision, RecordStage, Stage
from screening.services import decision_import
from tests.factories import review_with_team
from tests.reviews.importing import import_file
from tests.screening.commands import csv_file, three_records
from tests.screening.helpers import decide, status


@pytest.fixture
def records(review, owner):
    return three_records(review, owner)


@pytest.fixture
def at_full_text(review, records, reviewer, second_reviewer):
    """101 and 102 included at title/abstract, so they wait at full text; 103 never got there."""
    for source_id in ("101", "102"):
        decide(review, records[source_id], reviewer, "include")
        decide(review, records[source_id], second_reviewer, "include")
    return records


def _import(review, path, *options, stage="title_abstract", reviewer="bob"):
    call_command("import_decisions", review.slug, path, "--stage", stage, "--reviewer", reviewer, *options)


def _choices(reviewer, stage=Stage.TITLE_ABSTRACT) -> dict[int, str]:
    return dict(Decision.objects.filter(reviewer=reviewer, stage=stage).values_list("record_id", "choice"))


def test_it_imports_decisions_by_record_id(review, records, reviewer, tmp_path, capsys):
    first, second = records["101"], records["102"]
    path = csv_file(tmp_path, f"record_id,decision,note\n{first.pk},include,fits\n{second.pk},Exclude,\n")
    _import(review, path)
    assert _choices(reviewer) == {first.pk: "include", second.pk: "exclude"}
    assert Decision.objects.get(record=first, reviewer=reviewer).note == "fits"
    assert AuditEvent.objects.filter(action="screening.decide", actor=reviewer).count() == 2
    out = capsys.readouterr().out
    assert "Imported 2 decisions by bob at title and abstract from decisions.csv" in out
    assert "2 awaiting another reviewer" in out


def test_it_imports_decisions_by_source_record_id(review, records, reviewer, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision\n101,included\n102,excluded\n103,MAYBE\n")
    _import(review, path)
    assert _choices(reviewer) == {
        records["101"].pk: "include",
        records["102"].pk: "exclude",
        records["103"].pk: "maybe",
    }


def test_it_reads_a_file_with_a_byte_order_mark(review, records, reviewer, tmp_path):
    path = csv_file(tmp_path, "Record ID,Decision\r\n" + f"{records['101'].pk},Include\r\n", bom=True)
    _import(review, path)
    assert _choices(reviewer) == {records["101"].pk: "include"}


def test_it_refuses_the_whole_file_when_one_row_is_bad(review, records, reviewer, tmp_path):
    other_review = review_with_team(slug="other-review", team={"owner": review.created_by})
    import_file(other_review, review.created_by, "two.nbib", source="PubMed")
    elsewhere = other_review.records.first()
    path = csv_file(
        tmp_path,
        "record_id,source_record_id,decision\n"
        f"{records['101'].pk},,include\n"
        "999999,,include\n"
        ",102,perhaps\n"
        f"{elsewhere.pk},,exclude\n"
        ",,include\n"
        f"{records['103'].pk},,include\n"
        f"{records['103'].pk},,exclude\n",
    )
    with pytest.raises(CommandError) as refused:
        _import(review, path)
    message = str(refused.value)
    assert message.startswith("Nothing was imported: 5 problems in decisions.csv.")
    assert "decisions.csv, line 3: there is no record 999999 in this review." in message
    assert "decisions.csv, line 4: decision “perhaps” is not include, maybe or exclude." in message
    assert f"decisions.csv, line 5: there is no record {elsewhere.pk} in this review." in message
    assert "decisions.csv, line 6: no record_id or source_record_id." in message
    assert f"decisions.csv, line 8: record {records['103'].pk} already has a decision on line 7." in message
    assert not Decision.objects.exists()


def test_it_counts_lines_in_the_file_not_rows(review, records, tmp_path):
    path = csv_file(tmp_path, f'record_id,decision,note\n\n{records["101"].pk},include,"two\nlines"\n0,x,\n')
    with pytest.raises(CommandError, match=r"line 5: there is no record 0"):
        _import(review, path)


def test_it_refuses_a_source_record_id_that_names_several_records(review, records, owner, tmp_path):
    # Another database's export reuses the id 101 for a different study.
    import_file(review, owner, "other.ris", b"TY  - JOUR\nTI  - Goats on the moon\nID  - 101\nER  - \n")
    path = csv_file(tmp_path, "source_record_id,decision\n101,include\n")
    with pytest.raises(CommandError, match=r"line 2: source_record_id “101” matches several records"):
        _import(review, path)


def test_it_refuses_a_record_not_at_the_stage(review, at_full_text, reviewer, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision\n103,include\n")
    with pytest.raises(CommandError, match=r"line 2: record \d+ is not at the full text stage"):
        _import(review, path, stage="full_text")


def test_it_refuses_maybe_and_a_missing_reason_at_full_text(review, at_full_text, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision,reason\n101,maybe,\n102,exclude,\n")
    with pytest.raises(CommandError) as refused:
        _import(review, path, stage="full_text")
    assert "line 2: At full text the choice is Include or Exclude." in str(refused.value)
    assert "line 3: Choose the reason for excluding this full text." in str(refused.value)
    assert not Decision.objects.filter(stage=Stage.FULL_TEXT).exists()


def test_it_matches_reasons_regardless_of_case(review, at_full_text, reviewer, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision,reason\n101,exclude,wrong  POPULATION\n")
    _import(review, path, stage="full_text")
    assert Decision.objects.get(reviewer=reviewer, stage=Stage.FULL_TEXT).reason == "Wrong population"


def test_it_refuses_a_reason_the_review_does_not_list(review, at_full_text, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision,reason\n101,exclude,Wrong outcome\n")
    with pytest.raises(CommandError, match=r"line 2: “Wrong outcome” is not one of .*--add-missing-reasons"):
        _import(review, path, stage="full_text")
    review.refresh_from_db()
    assert review.fulltext_exclusion_reasons == ["Wrong population", "Wrong study design"]


def test_it_adds_missing_reasons_when_asked_and_audits_it(review, at_full_text, reviewer, tmp_path, capsys):
    path = csv_file(
        tmp_path, "source_record_id,decision,reason\n101,exclude,Wrong outcome\n102,exclude,wrong outcome\n"
    )
    _import(review, path, "--add-missing-reasons", stage="full_text")
    review.refresh_from_db()
    assert review.fulltext_exclusion_reasons == ["Wrong population", "Wrong study design", "Wrong outcome"]
    event = AuditEvent.objects.get(review=review, action="review.update_settings")
    assert event.after == {"fulltext_exclusion_reasons": review.fulltext_exclusion_reasons}
    assert set(
        Decision.objects.filter(reviewer=reviewer, stage=Stage.FULL_TEXT).values_list("reason", flat=True)
    ) == {"Wrong outcome"}
    assert "Added the full-text exclusion reason “Wrong outcome”" in capsys.readouterr().out


def test_a_refused_file_adds_no_reasons(review, at_full_text, tmp_path):
    path = csv_file(tmp_path, "source_record_id,decision,reason\n101,exclude,Wrong outcome\n102,maybe,\n")
    with pytest.raises(CommandError):
        _import(review, path, "--add-missing-reasons", stage="full_text")
    review.refresh_from_db()
    assert "Wrong outcome" not in review.fulltext_exclusion_reasons
    assert not AuditEvent.objects.filter(action="review.update_settings").exists()


def test_importing_both_reviewers_settles_the_records(
    review, records, reviewer, second_reviewer, tmp_path, capsys
):
    bob = csv_file(tmp_path, "source_record_id,decision\n101,include\n102,include\n", "bob.csv")
    carol = csv_file(tmp_path, "source_record_id,decision\n101,maybe\n102,exclude\n", "carol.csv")
    _import(review, bob)
    _import(review, carol, reviewer="carol")
    assert status(records["101"]) == RecordStage.Status.INCLUDED
    assert status(records["102"]) == RecordStage.Status.CONFLICT
    assert status(records["101"], Stage.FULL_TEXT) == RecordStage.Status.OPEN
    assert AuditEvent.objects.filter(action="screening.conflict").count() == 1
    assert "1 included, 0 excluded, 1 conflict, 0 awaiting another reviewer" in capsys.readouterr().out


def test_importing_the_same_file_again_changes_nothing(
    review, records, reviewer, second_reviewer, tmp_path, capsys
):
    path = csv_file(tmp_path, "source_record_id,decision\n101,include\n")
    _import(review, path)
    decide(review, records["101"], second_reviewer, "include")
    events = AuditEvent.objects.count()
    capsys.readouterr()
    _import(review, path)
    assert AuditEvent.objects.count() == events
    out = capsys.readouterr().out
    assert "Imported 0 decisions" in out and "1 already recorded as they are" in out


def test_it_reports_every_decision_the_rules_refuse(review, records, reviewer, second_reviewer, tmp_path):
    for source_id, choice in (("101", "include"), ("102", "exclude")):
        decide(review, records[source_id], reviewer, choice)
        decide(review, records[source_id], second_reviewer, choice)
    path = csv_file(tmp_path, "source_record_id,decision\n101,exclude\n0,include\n102,include\n103,include\n")
    with pytest.raises(CommandError) as refused:
        _import(review, path)
    message = str(refused.value)
    assert message.startswith("Nothing was imported: 3 problems")
    for line, source_id in ((2, "101"), (4, "102")):
        assert (
            f"line {line}: record {records[source_id].pk}: This record is already settled at this stage"
            in message
        )
    assert "line 3: no record in this review has source_record_id “0”." in message
    assert not Decision.objects.filter(record=records["103"]).exists()


@pytest.mark.parametrize("username", ["lena", "alice", "dave"])
def test_it_refuses_someone_without_the_reviewer_role(review, records, outsider, tmp_path, username):
    path = csv_file(tmp_path, "source_record_id,decision\n101,include\n")
    with pytest.raises(CommandError, match="Only the review's reviewers screen records"):
        _import(review, path, reviewer=username)
    assert not Decision.objects.exists()


def test_it_undoes_every_decision_when_one_write_fails(review, records, reviewer, tmp_path, monkeypatch):
    real = decision_import.decisions.screening_decision_record
    calls = []

    def fails_on_the_second(**kwargs):
        calls.append(kwargs["record"].pk)
        if len(calls) == 2:
            raise ReviewRuleError("settled by a colleague a moment ago")
        return real(**kwargs)

    monkeypatch.setattr(decision_import.decisions, "screening_decision_record", fails_on_the_second)
    path = csv_file(tmp_path, "source_record_id,decision\n101,include\n102,include\n")
    with pytest.raises(CommandError, match=r"line 3: record \d+: settled by a colleague a moment ago"):
        _import(review, path)
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="screening.").exists()


def test_it_refuses_a_file_without_the_needed_columns(review, records, tmp_path):
    path = csv_file(tmp_path, "id,choice\n1,include\n")
    with pytest.raises(CommandError) as refused:
        _import(review, path)
    assert "line 1: The file needs a record_id or a source_record_id column." in str(refused.value)
    assert "line 1: The file needs a decision column." in str(refused.value)


def test_it_refuses_a_file_that_is_not_utf8(review, records, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("source_record_id,decision,note\n101,include,caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="latin1.csv, line 2: the file is not UTF-8"):
        _import(review, str(path))


def test_it_warns_about_reasons_it_cannot_keep(review, records, reviewer, tmp_path, capsys):
    path = csv_file(tmp_path, "source_record_id,decision,reason\n101,exclude,Wrong population\n")
    _import(review, path)
    assert "1 row(s) give a reason that Tandem does not keep" in capsys.readouterr().err
    assert Decision.objects.get(reviewer=reviewer).reason == ""


def test_it_names_an_unknown_review_and_reviewer(review, tmp_path):
    path = csv_file(tmp_path, "record_id,decision\n")
    with pytest.raises(CommandError, match="No review"):
        call_command("import_decisions", "missing", path, "--stage", "full_text", "--reviewer", "bob")
    with pytest.raises(CommandError, match="No user 'zed'"):
        _import(review, path, reviewer="zed")
    assert Review.objects.count() == 1


def test_it_refuses_removed_records_and_ids_that_disagree(review, records, owner, tmp_path):
    from reviews.services.records import record_remove

    record_remove(actor=owner, record=records["103"], reason="retracted")
    path = csv_file(
        tmp_path,
        "record_id,source_record_id,decision\n"
        f"{records['103'].pk},,include\n"
        f"{records['101'].pk},102,include\n"
        f"{records['102'].pk},102,include\n",
    )
    with pytest.raises(CommandError) as refused:
        _import(review, path)
    message = str(refused.value)
    assert f"line 2: record {records['103'].pk} was removed from the review." in message
    assert (
        f"line 3: record_id {records['101'].pk} and source_record_id “102” name different records." in message
    )
    assert "line 4" not in message
