"""Records, included studies, the workbook and the decision history, downloaded from the browser."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from reviews.models import Record
from screening.models import Stage
from tests.factories import review_with_team
from tests.reviews.importing import import_file
from tests.screening.helpers import decide, records_to_screen


def _download(client, name, review, *args) -> bytes:
    response = client.get(reverse(f"report:{name}", args=[review.slug, *args]))
    assert response.status_code == 200, (name, args, response.status_code)
    assert (
        response["Cache-Control"] == "private, no-store" and "attachment" in response["Content-Disposition"]
    )
    return b"".join(response.streaming_content) if response.streaming else response.content


def _fields(record: Record) -> tuple:
    return (record.title, tuple(record.authors), record.year, record.journal, record.doi, record.abstract)


def test_the_ris_of_every_record_imports_again_as_the_same_records(review, owner, reviewer, client_for):
    import_file(review, owner, "three.ris", source="Embase")
    import_file(review, owner, "two.nbib", source="PubMed")
    before = sorted(_fields(r) for r in Record.objects.filter(review=review, merged_into__isnull=True))
    ris = _download(client_for(reviewer), "records_download", review, "records", "ris")
    again = review_with_team(slug="again", title="Again", team={"owner": owner})
    import_file(again, owner, "tandem.ris", ris, source="Tandem")
    after = sorted(_fields(r) for r in Record.objects.filter(review=again, merged_into__isnull=True))
    assert after == before


def test_included_studies_come_as_ris_and_csv(review, owner, reviewer, second_reviewer, client_for):
    records = records_to_screen(review, owner, count=3)
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        for person in (reviewer, second_reviewer):
            decide(review, records[0], person, "include", stage=stage)
    client = client_for(second_reviewer)
    ris = _download(client, "records_download", review, "included", "ris").decode()
    assert ris.count("ER  -") == 1 and records[0].title in ris
    rows = list(
        csv.DictReader(io.StringIO(_download(client, "records_download", review, "included", "csv").decode()))
    )
    assert [row["record_id"] for row in rows] == [str(records[0].pk)]
    every = _download(client, "records_download", review, "records", "csv").decode()
    assert every.count("\n") == 4  # the header and one row per source record


def test_the_workbook_carries_every_table(review, owner, lead, client_for):
    records_to_screen(review, owner, count=2)
    workbook = load_workbook(io.BytesIO(_download(client_for(lead), "workbook", review)))
    assert workbook.sheetnames == [
        "PRISMA flow",
        "Searches",
        "Methods",
        "Characteristics of included stu",
        "Data as extracted",
        "Domains",
        "Themes",
        "Study x domain",
    ]
    flow = {
        (row[0], row[1]): row[2] for row in workbook["PRISMA flow"].iter_rows(min_row=2, values_only=True)
    }
    assert flow[("Records screened", None)] == 2
    assert flow[("Records identified", "MEDLINE")] == 2


def test_an_owner_who_reviews_gets_no_raw_extractions_in_the_workbook(review, owner, client_for):
    from reviews.models import Membership, Role
    from reviews.services import membership_change_roles

    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.REVIEWER},
    )
    workbook = load_workbook(io.BytesIO(_download(client_for(owner), "workbook", review)))
    assert "Data as extracted" not in workbook.sheetnames


def test_the_decision_history_is_blinded_like_the_history_page(
    review, owner, lead, reviewer, second_reviewer, client_for
):
    from reviews.models import Membership, Role
    from reviews.services import membership_change_roles

    records = records_to_screen(review, owner, count=2)
    decide(review, records[0], reviewer, "include", note="bob's first thought")
    decide(review, records[0], reviewer, "exclude")
    decide(review, records[1], second_reviewer, "include")
    lead_history = _download(client_for(lead), "decision_history", review).decode()
    rows = list(csv.DictReader(io.StringIO(lead_history)))
    assert [row["action"] for row in rows] == ["screening.decide", "screening.change", "screening.decide"]
    assert rows[0]["who"] == "bob" and rows[0]["record"] == str(records[0].pk)
    # An owner who also screens is blinded: carol's pending decision is not theirs to see.
    membership_change_roles(
        actor=owner,
        membership=Membership.objects.get(review=review, user=owner),
        roles={Role.OWNER, Role.REVIEWER},
    )
    owner_history = _download(client_for(owner), "decision_history", review).decode()
    assert "carol" not in owner_history and "bob" not in owner_history
    assert client_for(reviewer).get(reverse("report:decision_history", args=[review.slug])).status_code == 403
