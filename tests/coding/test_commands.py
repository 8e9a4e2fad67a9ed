"""import_excerpts and synthesis from the command line: the paper's table, end to end."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from coding.models import Excerpt
from tests.coding.helpers import coded_studies, csv_bytes
from tests.coding.test_synthesis_domains import ECR, PAPER


@pytest.fixture
def paper_csv(review, owner, reviewer, second_reviewer, tmp_path):
    studies = coded_studies(review, owner, [reviewer, second_reviewer], count=4)
    rows = []
    for valence_name, group_name, domains, count in PAPER:
        for _ in range(count):
            rows.append(
                {
                    "study": str(studies[len(rows) % len(studies)].pk),
                    "quote": f"Quote {len(rows)}.",
                    "valence": valence_name,
                    "group": group_name,
                    "domains": domains,
                }
            )
    path = tmp_path / "coded.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def _synthesis(review, *options) -> str:
    out = io.StringIO()
    call_command("synthesis", review.slug, *options, stdout=out)
    return out.getvalue()


def test_the_paper_round_trip(review, paper_csv):
    out = io.StringIO()
    call_command("import_excerpts", review.slug, str(paper_csv), stdout=out)
    assert "583 excerpts imported from coded.csv into 4 studies" in out.getvalue()
    rows = json.loads(_synthesis(review, "--format", "json"))
    assert set(rows[0]) == {"framework", "domain", "valence", "group", "n", "percent", "denominator"}
    ecr = {(row["valence"], row["group"]): row for row in rows if row["domain"] == ECR}
    assert (
        ecr["Barrier", "HCP"]["n"],
        ecr["Barrier", "HCP"]["percent"],
        ecr["Barrier", "HCP"]["denominator"],
    ) == (84, 23.5, 357)
    assert (ecr["Barrier", "Patient"]["n"], ecr["Barrier", "Patient"]["percent"]) == (15, 4.2)
    assert (
        ecr["Facilitator", "HCP"]["n"],
        ecr["Facilitator", "HCP"]["percent"],
        ecr["Facilitator", "HCP"]["denominator"],
    ) == (44, 16.6, 265)
    assert (ecr["Facilitator", "Patient"]["n"], ecr["Facilitator", "Patient"]["percent"]) == (10, 3.8)
    assert ecr["Barrier", "HCP"]["framework"] == "TDF"
    # 14 domains × 3 valences × 3 groups, ranked by total: ECR first.
    assert len(rows) == 14 * 9 and rows[0]["domain"] in (ECR, "Knowledge")
    table = list(csv.DictReader(io.StringIO(_synthesis(review, "--format", "csv"))))
    assert {
        "framework": "TDF",
        "domain": ECR,
        "valence": "Barrier",
        "group": "HCP",
        "n": "84",
        "percent": "23.5",
        "denominator": "357",
    } in table
    by_group = json.loads(_synthesis(review, "--denominator", "group"))
    cell = next(
        row
        for row in by_group
        if row["domain"] == ECR and row["valence"] == "Barrier" and row["group"] == "HCP"
    )
    # Barrier items from HCPs: ECR 84, Knowledge 40 + 60, Social Influences 60 (the same 60 excerpts).
    assert (cell["denominator"], cell["percent"]) == (84 + 100 + 60, 34.4)


def test_a_bad_file_imports_nothing_and_names_every_line(review, paper_csv, tmp_path):
    lines = paper_csv.read_text().splitlines()
    lines[3] = lines[3].replace("Barrier", "Sideways")
    lines[7] = lines[7].replace("HCP", "Martians")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_excerpts", review.slug, str(bad))
    message = str(raised.value)
    assert "Nothing was imported from bad.csv" in message
    assert "bad.csv, line 4: valence “Sideways”" in message and "bad.csv, line 8: group “Martians”" in message
    assert not Excerpt.objects.exists()


def test_unknown_reviews_and_files_are_refused(review, tmp_path):
    with pytest.raises(CommandError, match="No review"):
        call_command("synthesis", "no-such-review")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_excerpts", review.slug, str(tmp_path / "missing.csv"))
