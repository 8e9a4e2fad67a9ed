"""Backup and restore of a review: a review built through the real services is exported, restored as a new
review and exported again; damaged archives are refused with nothing written; owners download the archive."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from coding.models import CodingStudy, Excerpt, StudyText
from coding.services.excerpts import coding_mark_done
from coding.services.reconcile import coding_reconciliation_open, coding_unit_reconcile
from extraction import services as extraction_services
from extraction.models import ReconciledValue
from report.backup import ArchiveError, review_archive_export, review_archive_restore
from report.backup.format import FORMAT_NAME, MANIFEST
from report.backup.tables import TABLES, table_columns
from report.services import other_methods_save
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent, ImportBatch, Merge, Record, Review, SourceRecord
from reviews.services.duplicates import merge_undo, records_merge
from reviews.services.records import record_remove
from screening.models import FullText, RecordStage, Stage
from screening.services import full_text_mark_not_retrievable, screening_conflict_resolve
from screening.services.ranking import ranking_settings_update
from tests.coding.helpers import code_excerpt, coded_studies, text_read
from tests.extraction.helpers import counting_fields, extract, starter_form
from tests.screening.helpers import decide, records_to_screen

User = get_user_model()
PASSAGE = "Time pressure was the main barrier for nurses."
TRAINING = "Training in pain assessment helped nurses feel confident."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _build(review, owner, lead, reviewer, second_reviewer) -> None:
    """Every stage once: imports with an automatic merge, a possible duplicate and a merge undone, a record
    removed, screening with a conflict the lead resolved, a PDF read into text, a record not retrievable, the
    report's other methods, an extraction reconciled, a dual-coded study reconciled, and the ranking turned on."""
    team = [reviewer, second_reviewer]
    studies = coded_studies(review, owner, team, count=3)
    spare = [
        record
        for record in records_to_screen(review, owner, count=3, prefix="Spare")
        if "Spare" in record.title
    ]
    merge = records_merge(actor=owner, target=spare[0], absorbed=[spare[1]], kind=Merge.Kind.MANUAL)
    merge_undo(actor=owner, merge=merge)
    record_remove(actor=owner, record=Record.objects.get(pk=spare[2].pk), reason="Not a study")

    conflicting = records_to_screen(review, owner, count=2, prefix="Conflict")[-2:]
    decide(review, conflicting[0], reviewer, "include")
    decide(review, conflicting[0], second_reviewer, "exclude", reason="")
    screening_conflict_resolve(
        review=review,
        record_stage=RecordStage.objects.get(record=conflicting[0], stage=Stage.TITLE_ABSTRACT),
        lead=lead,
        choice="include",
        note="Population fits on a second look.",
    )
    full_text_mark_not_retrievable(
        review=review, record=conflicting[0], actor=owner, note="Library has no copy"
    )
    other_methods_save(
        review=review,
        actor=owner,
        identified={"Citation searching": 3},
        sought=2,
        not_retrieved=0,
        assessed=2,
        excluded={"Wrong population": 1},
        included=1,
    )

    text_read(review, studies[0], owner)
    fields = counting_fields(review, owner, starter_form(review, owner))
    extract(review, studies[0], reviewer, fields, {"Country": "Norway"}, submit=True)
    extract(review, studies[0], second_reviewer, fields, {"Country": "Sweden"}, submit=True)
    extraction_services.extraction_reconcile(
        review=review,
        record=studies[0],
        lead=lead,
        choices={
            fields["Aims"].pk: {"source": "agreed", "version": 0, "consensus": ""},
            fields["Country"].pk: {"source": "second", "version": 0, "consensus": ""},
        },
    )

    bob = code_excerpt(
        review,
        studies[0],
        reviewer,
        passage=TRAINING,
        valence_name="Facilitator",
        domains=("Skills",),
        new_code="Training",
        new_code_theme="Skills and training",
    )
    carol = code_excerpt(review, studies[0], second_reviewer, passage=TRAINING, domains=("Knowledge",))
    code_excerpt(review, studies[0], second_reviewer, passage=PASSAGE, domains=("Knowledge",))
    for coder in team:
        coding_mark_done(review=review, record=studies[0], coder=coder)
    coding_reconciliation_open(review=review, record=studies[0], lead=lead)
    coding_unit_reconcile(
        review=review, record=studies[0], lead=lead, excerpt_ids=[bob.pk, carol.pk], action="merge"
    )
    ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.9)


@pytest.fixture
def built(review_with_records, owner, lead, reviewer, second_reviewer):
    _build(review_with_records, owner, lead, reviewer, second_reviewer)
    return review_with_records


def _export(review) -> bytes:
    buffer = io.BytesIO()
    review_archive_export(review=review, output=buffer)
    return buffer.getvalue()


def _restore(data: bytes, slug: str = "restored"):
    return review_archive_restore(source=io.BytesIO(data), slug=slug)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _table(data: bytes, label: str) -> list[dict]:
    return [json.loads(line) for line in _members(data)[f"tables/{label}.jsonl"].splitlines()]


def _rows_of(review) -> dict[str, int]:
    return {table.label: table.rows(review).count() for table in TABLES}


# --- The round trip ---------------------------------------------------------------------------------


def test_the_built_review_has_a_row_in_every_table(built):
    """So that the round trip below checks every table, not empty ones."""
    empty = [label for label, count in _rows_of(built).items() if count == 0]
    assert empty == []


def test_export_restore_export_gives_the_same_archive(built):
    first = _export(built)
    restored = _restore(first).review
    second = _export(restored)

    one, two = _members(first), _members(second)
    assert one.keys() == two.keys()
    for name in one:
        if name in (MANIFEST, "tables/reviews.review.jsonl", "tables/reviews.auditevent.jsonl"):
            continue
        assert one[name] == two[name], name
    # The review's row differs by its short name only; the history gains the restore and nothing else.
    [review_one], [review_two] = _table(first, "reviews.review"), _table(second, "reviews.review")
    assert review_one | {"slug": "restored"} == review_two
    history_one, history_two = _table(first, "reviews.auditevent"), _table(second, "reviews.auditevent")
    assert history_two[: len(history_one)] == history_one
    [restore] = history_two[len(history_one) :]
    assert restore["action"] == "review.restore" and restore["after"]["from"] == built.slug


def test_the_manifest_names_the_format_and_counts_and_hashes_every_member(built):
    data = _export(built)
    members = _members(data)
    manifest = json.loads(members[MANIFEST])

    assert manifest["format"] == FORMAT_NAME and manifest["version"] == 1
    assert manifest["review"] == {"slug": built.slug, "title": built.title}
    assert set(manifest["members"]) == set(members) - {MANIFEST}
    for name, entry in manifest["members"].items():
        assert entry == {"sha256": hashlib.sha256(members[name]).hexdigest(), "bytes": len(members[name])}
    assert manifest["counts"] == {"users": 4, **_rows_of(built)}


def test_the_restored_review_has_the_same_counts_and_relations(built):
    result = _restore(_export(built))
    restored = result.review

    assert restored.pk != built.pk and restored.slug == "restored" and restored.title == built.title
    counts = _rows_of(restored)
    assert counts == _rows_of(built) | {"reviews.auditevent": _rows_of(built)["reviews.auditevent"] + 1}
    # Every reference of every restored row stays inside the restored review.
    for table in TABLES:
        for column in table_columns(table):
            if column.kind == "ref":
                target = next(each for each in TABLES if each.label == column.target)
                outside = table.rows(restored).exclude(**{f"{column.attname}__isnull": True})
                outside = outside.exclude(**{f"{column.attname}__in": target.rows(restored).values("pk")})
                assert not outside.exists(), f"{table.label}.{column.name}"
    assert [m.user.username for m in restored.memberships.all()] == [
        m.user.username for m in built.memberships.all()
    ]
    assert {m.user.username: sorted(m.roles) for m in restored.memberships.all()} == {
        m.user.username: sorted(m.roles) for m in built.memberships.all()
    }


def test_the_restored_files_are_the_same_bytes_in_the_new_reviews_place(built):
    restored = _restore(_export(built)).review
    for model in (ImportBatch, FullText):
        originals = model.objects.filter(review=built).exclude(file="").order_by("pk")
        copies = model.objects.filter(review=restored).exclude(file="").order_by("pk")
        assert len(originals) == len(copies) > 0
        for original, copy in zip(originals, copies, strict=True):
            assert copy.file.name != original.file.name and f"/{restored.pk}/" in copy.file.name
            with original.file.open("rb") as one, copy.file.open("rb") as two:
                assert one.read() == two.read()
    assert FullText.objects.get(review=restored, is_not_retrievable=True).file.name == ""


def test_the_restored_review_keeps_its_merges_history_and_coding_linked(built):
    restored = _restore(_export(built)).review

    # A merge's moves name the restored source records and records, so it can still be undone.
    manual = Merge.objects.get(review=restored, kind=Merge.Kind.MANUAL)
    moved = [move["source"] for move in manual.moves]
    assert SourceRecord.objects.filter(review=restored, pk__in=moved).count() == len(moved)
    automatic = Merge.objects.get(review=restored, kind=Merge.Kind.AUTOMATIC)
    merge_undo(actor=User.objects.get(username="alice"), merge=automatic)

    # The history points at restored objects, times and people kept.
    original = AuditEvent.objects.filter(review=built, action="screening.resolve").get()
    copy = AuditEvent.objects.filter(review=restored, action="screening.resolve").get()
    assert copy.created_at == original.created_at and copy.actor == original.actor
    stage = RecordStage.objects.get(pk=int(copy.object_id))
    assert stage.review_id == restored.pk and copy.after["record"] == stage.record_id

    # Coding: the reconciled excerpt keeps its codes, domains and the coders' excerpts behind it.
    final = Excerpt.objects.get(review=restored, coder__isnull=True)
    assert sorted(final.domains.values_list("name", flat=True)) == ["Knowledge", "Skills"]
    assert list(final.codes.values_list("name", flat=True)) == ["Training"]
    assert final.codes.get().parent.name == "Skills and training"
    assert sorted(final.reconciled_from.values_list("coder__username", flat=True)) == ["bob", "carol"]
    text = StudyText.objects.get(review=restored)
    assert text.record_id == final.record_id and text.pages.count() == 3
    assert CodingStudy.objects.get(review=restored, record=final.record).is_reconciling
    assert ReconciledValue.objects.get(review=restored, field__label="Country").value == "Sweden"


def test_a_person_the_site_does_not_know_is_created_without_a_usable_password(built):
    data = _export(built)
    User.objects.filter(username="carol").update(username="carol-elsewhere")

    result = _restore(data)

    assert result.users_created == ["carol"]
    carol = User.objects.get(username="carol")
    assert not carol.has_usable_password()
    assert result.review.memberships.filter(user=carol, is_reviewer=True).exists()


def test_the_new_short_name_must_be_free(built):
    data = _export(built)
    before = _rows_of(built)
    with pytest.raises(ReviewRuleError, match="already exists"):
        _restore(data, slug=built.slug)
    assert Review.objects.count() == 1 and _rows_of(built) == before


# --- Damaged and foreign archives ---------------------------------------------------------------------


def _rewritten(data: bytes, changes: dict[str, bytes | None], *, rehash: bool = True) -> bytes:
    """The archive with members replaced (or removed, for None); the manifest's hashes and sizes follow
    unless told."""
    members = _members(data)
    manifest = json.loads(members[MANIFEST])
    for name, content in changes.items():
        if content is None:
            members.pop(name)
        else:
            members[name] = content
            if rehash and name in manifest["members"]:
                manifest["members"][name] = {
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "bytes": len(content),
                }
    if MANIFEST not in changes:
        members[MANIFEST] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _manifest_changed(data: bytes, **changes) -> bytes:
    manifest = json.loads(_members(data)[MANIFEST])
    return _rewritten(data, {MANIFEST: json.dumps(manifest | changes).encode()})


def _line_replaced(data: bytes, member: str, number: int, text: bytes) -> bytes:
    lines = _members(data)[member].splitlines(keepends=True)
    lines[number - 1] = text + b"\n"
    return _rewritten(data, {member: b"".join(lines)})


def _full_text_decision(data: bytes, **changes) -> tuple[int, bytes]:
    """The line of the first full-text decision, and that row changed."""
    for number, row in enumerate(_table(data, "screening.decision"), start=1):
        if row["stage"] == "full_text":
            return number, json.dumps(row | changes).encode()
    raise AssertionError("no full-text decision")


def _first_pdf(data: bytes) -> str:
    return next(name for name in _members(data) if name.startswith("files/screening.fulltext/"))


def _stored_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def archive(built) -> bytes:
    return _export(built)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


DAMAGES = {
    "not a zip": (lambda data: b"PK not really a zip" + data[:100], "not a zip file"),
    "foreign format": (
        lambda data: _manifest_changed(data, format="other-tool"),
        "not a Tandem review archive",
    ),
    "newer version": (
        lambda data: _manifest_changed(data, version=2),
        "version 2; this Tandem reads version 1",
    ),
    "no manifest": (lambda data: _rewritten(data, {MANIFEST: None}), "has no manifest.json"),
    "member missing": (
        lambda data: _rewritten(data, {"tables/screening.decision.jsonl": None}),
        "tables/screening.decision.jsonl is missing",
    ),
    "file missing": (
        lambda data: _rewritten(data, {_first_pdf(data): None}),
        r"files/screening.fulltext/\d+ is missing",
    ),
    "member changed": (
        lambda data: _rewritten(data, {"tables/reviews.record.jsonl": b"{}\n"}, rehash=False),
        "tables/reviews.record.jsonl does not match its SHA-256",
    ),
    "too many rows counted": (
        lambda data: _manifest_changed(
            data, counts=json.loads(_members(data)[MANIFEST])["counts"] | {"reviews.record": 10**9}
        ),
        "more rows counted than tables/reviews.record.jsonl holds",
    ),
    "bad JSON": (
        lambda data: _line_replaced(data, "tables/reviews.sourcerecord.jsonl", 2, b'{"id": 2, "title": '),
        "tables/reviews.sourcerecord.jsonl, line 2: not valid JSON",
    ),
    "bad JSON in the last table": (
        lambda data: _line_replaced(data, "tables/reviews.auditevent.jsonl", 3, b"[1, 2"),
        "tables/reviews.auditevent.jsonl, line 3: not valid JSON",
    ),
    "row that is not an object": (
        lambda data: _line_replaced(data, "tables/screening.decision.jsonl", 1, b"[1, 2]"),
        "tables/screening.decision.jsonl, line 1: a row must be a JSON object",
    ),
    "reference to nothing": (
        lambda data: _line_replaced(
            data,
            "tables/coding.excerpt_codes.jsonl",
            1,
            json.dumps({"excerpt": 1, "code": 999}).encode(),
        ),
        "tables/coding.excerpt_codes.jsonl, line 1: code names row 999 of coding.code",
    ),
    "row the database refuses": (
        lambda data: _line_replaced(
            data,
            "tables/screening.decision.jsonl",
            *_full_text_decision(data, choice="maybe"),
        ),
        r"tables/screening.decision.jsonl, (at or before )?line \d+: the database refused",
    ),
    "rows miscounted": (
        lambda data: _rewritten(
            data,
            {
                "tables/reviews.membership.jsonl": b"".join(
                    _members(data)["tables/reviews.membership.jsonl"].splitlines(keepends=True)[:-1]
                )
            },
        ),
        "tables/reviews.membership.jsonl has 3 rows; the manifest says 4",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_written(archive, settings, damage):
    damaged, message = DAMAGES[damage]
    data = damaged(archive)
    rows, files = _row_counts(), _stored_files(settings)

    with pytest.raises(ArchiveError, match=message):
        _restore(data)

    assert _row_counts() == rows
    assert _stored_files(settings) == files


# --- The commands -----------------------------------------------------------------------------------


def test_the_commands_export_and_restore_a_review(built, tmp_path):
    target = tmp_path / "backup.zip"
    out = io.StringIO()
    call_command("export_review", built.slug, "--output", str(target), stdout=out)
    assert "Wrote" in out.getvalue() and zipfile.is_zipfile(target)
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".part")] == []

    User.objects.filter(username="lena").update(username="lena-elsewhere")
    out = io.StringIO()
    call_command("import_review", str(target), "--slug", "copy", stdout=out)
    assert "Restored" in out.getvalue() and "/r/copy/" in out.getvalue()
    assert "no usable password" in out.getvalue() and "lena" in out.getvalue()
    assert Review.objects.filter(slug="copy").exists()


def test_the_import_command_refuses_a_damaged_archive_with_its_message(tmp_path, db):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"hello")
    with pytest.raises(CommandError, match="not a zip file.*Nothing was written"):
        call_command("import_review", str(broken), "--slug", "copy")
    assert not Review.objects.exists()


def test_the_export_command_names_an_unknown_review(db, tmp_path):
    with pytest.raises(CommandError, match="No review"):
        call_command("export_review", "nope", "--output", str(tmp_path / "x.zip"))


# --- The download -----------------------------------------------------------------------------------


def test_an_owner_downloads_the_archive_from_the_settings_page(built, owner, client_for):
    client = client_for(owner)
    settings_page = client.get(f"/r/{built.slug}/settings/").content.decode()
    assert f'href="/r/{built.slug}/backup.zip"' in settings_page and "Backup" in settings_page

    response = client.get(f"/r/{built.slug}/backup.zip")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith(f'attachment; filename="{built.slug}-backup-')
    assert response["Cache-Control"] == "private, no-store"
    data = b"".join(response.streaming_content)
    restored = _restore(data, slug="from-the-browser").review
    assert _rows_of(restored)["reviews.record"] == _rows_of(built)["reviews.record"]


@pytest.mark.parametrize("persona", ["lead", "reviewer"])
def test_members_who_are_not_owners_cannot_download_it(review, client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/r/{review.slug}/backup.zip").status_code == 403
    assert "backup.zip" not in client.get(f"/r/{review.slug}/settings/").content.decode()


def test_the_download_answers_get_only(review, owner, client_for):
    assert client_for(owner).post(f"/r/{review.slug}/backup.zip").status_code == 405


def test_an_archive_written_before_later_tables_and_columns_restores_with_them_empty(archive):
    """An older archive: no conflict votes, participant groups or ranking settings, form fields that count no
    group, and stage rows without the lease columns. It restores, those tables empty and those columns at their defaults."""
    from report.backup.format import table_member
    from report.backup.tables import TABLES_ADDED_LATER

    later = [table_member(label) for label in TABLES_ADDED_LATER]
    stage_member = table_member("screening.recordstage")
    stages = [json.loads(line) for line in _members(archive)[stage_member].splitlines()]
    for row in stages:
        row.pop("leased_to"), row.pop("leased_until")
    stage_rows = b"".join(json.dumps(row).encode() + b"\n" for row in stages)
    field_member = table_member("extraction.formfield")
    fields = [json.loads(line) for line in _members(archive)[field_member].splitlines()]
    for row in fields:
        row.pop("group")  # a field counting a participant group came with the groups
    field_rows = b"".join(json.dumps(row).encode() + b"\n" for row in fields)
    older = _rewritten(
        archive, {stage_member: stage_rows, field_member: field_rows, **dict.fromkeys(later, None)}
    )
    manifest = json.loads(_members(older)[MANIFEST])
    for label, member in zip(TABLES_ADDED_LATER, later, strict=True):
        manifest["members"].pop(member), manifest["counts"].pop(label)
    older = _rewritten(older, {MANIFEST: json.dumps(manifest).encode()})

    _restore(older, slug="older")
    restored = Review.objects.get(slug="older")
    assert RecordStage.objects.filter(review=restored).count() == len(stages)
    assert not RecordStage.objects.filter(review=restored, leased_to__isnull=False).exists()
    # A table the archive does lack that was always there is still an incomplete archive.
    stageless = _rewritten(archive, {stage_member: None})
    with pytest.raises(ArchiveError, match="incomplete"):
        _restore(stageless, slug="stageless")
