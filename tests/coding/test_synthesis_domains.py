"""The domain table a results section prints, from coded data brought in as a CSV."""

from __future__ import annotations

import pytest

from coding import synthesis
from coding.services.excerpt_import import excerpts_import
from tests.coding.helpers import coded_studies, csv_bytes, domain, valence

ECR = "Environmental Context and Resources"

# (valence, group, domains, excerpts). An item is one excerpt mapped to one domain.
#   Barrier:     ECR HCP 84, ECR Patient 15, Knowledge HCP 40 + 60 (the 60 also Social Influences HCP),
#                Knowledge Patient 50, Social Influences Other 48:
#                84 + 15 + 100 + 50 + 60 + 48 = 357 items.
#   Facilitator: ECR HCP 44, ECR Patient 10, Knowledge HCP 80, Skills Patient 71, Emotion Other 60:
#                44 + 10 + 80 + 71 + 60 = 265 items.
#   Neither:     ECR Other 7, Knowledge HCP 5: 12 items.
#   And 9 barrier excerpts from HCPs mapped to no domain: no items.
PAPER = [
    ("Barrier", "HCP", ECR, 84),
    ("barrier", "Patient", ECR.lower(), 15),
    ("Barrier", "HCP", "Knowledge", 40),
    ("Barrier", "hcp", "Knowledge; Social Influences", 60),
    ("Barrier", "Patient", "KNOWLEDGE", 50),
    ("Barrier", "Other", "Social Influences", 48),
    ("Facilitator", "HCP", ECR, 44),
    ("Facilitator", "Patient", f"TDF: {ECR}", 10),
    ("Facilitator", "HCP", "knowledge", 80),
    ("Facilitator", "Patient", "Skills", 71),
    ("Facilitator", "Other", "Emotion", 60),
    ("Neither", "Other", ECR, 7),
    ("Neither", "HCP", "Knowledge", 5),
    ("Barrier", "HCP", "", 9),
]


@pytest.fixture
def paper(review, owner, reviewer, second_reviewer):
    studies = coded_studies(review, owner, [reviewer, second_reviewer], count=5)
    rows, number = [], 0
    for valence_name, group_name, domains, count in PAPER:
        for _ in range(count):
            number += 1
            rows.append(
                {
                    "study": str(studies[number % len(studies)].pk),
                    "quote": f"Quote {number}: {valence_name} from {group_name}.",
                    "valence": valence_name,
                    "group": group_name,
                    "domains": domains,
                }
            )
    result = excerpts_import(review=review, actor=owner, data=csv_bytes(rows))
    assert (result.excerpts, result.studies) == (583, 5)
    return studies


def _row(table, name):
    return next(row for row in table.rows if row.domain.name == name)


def _cell(review, table, name, valence_name, group_name):
    from tests.coding.helpers import group

    cell = _row(table, name).cells[(valence(review, valence_name).pk, group(review, group_name).pk)]
    return (cell.n, cell.percent, cell.denominator)


def test_the_domain_table_gives_the_papers_figures_with_all_items_of_a_valence_as_denominator(review, paper):
    table = synthesis.domain_table(review=review)

    # 84/357 = 23.53 → 23.5; 15/357 = 4.20 → 4.2; 44/265 = 16.60 → 16.6; 10/265 = 3.77 → 3.8.
    assert _cell(review, table, ECR, "Barrier", "HCP") == (84, 23.5, 357)
    assert _cell(review, table, ECR, "Barrier", "Patient") == (15, 4.2, 357)
    assert _cell(review, table, ECR, "Facilitator", "HCP") == (44, 16.6, 265)
    assert _cell(review, table, ECR, "Facilitator", "Patient") == (10, 3.8, 265)
    assert _cell(review, table, ECR, "Barrier", "Other") == (0, 0.0, 357)
    # Knowledge barriers from HCPs: 40 + 60 = 100 of 357 = 28.01 → 28.0.
    assert _cell(review, table, "Knowledge", "Barrier", "HCP") == (100, 28.0, 357)
    assert _cell(review, table, "Social Influences", "Barrier", "HCP") == (60, 16.8, 357)
    totals = {
        name: table.totals.get(valence(review, name).pk) for name in ("Barrier", "Facilitator", "Neither")
    }
    assert totals == {"Barrier": 357, "Facilitator": 265, "Neither": 12}
    # 583 excerpts; 357 + 265 + 12 = 634 items (the 60 two-domain excerpts count twice); 9 unmapped.
    assert (table.excerpts, table.items, table.unmapped) == (583, 634, 9)


def test_the_json_rows_give_the_same_figures(review, paper):
    rows = synthesis.domain_rows_json(synthesis.domain_table(review=review))

    resources = {
        (row["valence"], row["group"]): (row["n"], row["percent"], row["denominator"])
        for row in rows
        if row["domain"] == ECR
    }
    assert resources[("Barrier", "HCP")] == (84, 23.5, 357)
    assert resources[("Barrier", "Patient")] == (15, 4.2, 357)
    assert resources[("Facilitator", "HCP")] == (44, 16.6, 265)
    assert resources[("Facilitator", "Patient")] == (10, 3.8, 265)
    assert {row["framework"] for row in rows} == {"TDF"}
    # Every domain of the TDF (14), for each of 3 valences x 3 groups.
    assert len(rows) == 14 * 9


def test_rows_come_busiest_domain_first(review, paper):
    table = synthesis.domain_table(review=review)

    # Knowledge 100 + 50 + 80 + 5 = 235; ECR 84 + 15 + 44 + 10 + 7 = 160; Social Influences 60 + 48 = 108;
    # Skills 71; Emotion 60; the other nine domains nothing.
    assert [(row.domain.name, row.total) for row in table.rows[:5]] == [
        ("Knowledge", 235),
        (ECR, 160),
        ("Social Influences", 108),
        ("Skills", 71),
        ("Emotion", 60),
    ]
    assert len(table.rows) == 14 and {row.total for row in table.rows[5:]} == {0}
    knowledge = _row(table, "Knowledge")
    assert knowledge.by_valence == {
        valence(review, "Barrier").pk: 150,
        valence(review, "Facilitator").pk: 80,
        valence(review, "Neither").pk: 5,
    }


def test_with_the_group_as_denominator_each_cell_is_a_share_of_its_valence_and_group(review, paper):
    table = synthesis.domain_table(review=review, denominator="group")

    # Barrier HCP: 84 + 100 + 60 = 244, 84/244 = 34.43 → 34.4. Barrier Patient: 15 + 50 = 65, 15/65 = 23.08 → 23.1.
    # Facilitator HCP: 44 + 80 = 124, 44/124 = 35.48 → 35.5. Facilitator Patient: 10 + 71 = 81, 10/81 = 12.35 → 12.3.
    assert _cell(review, table, ECR, "Barrier", "HCP") == (84, 34.4, 244)
    assert _cell(review, table, ECR, "Barrier", "Patient") == (15, 23.1, 65)
    assert _cell(review, table, ECR, "Facilitator", "HCP") == (44, 35.5, 124)
    assert _cell(review, table, ECR, "Facilitator", "Patient") == (10, 12.3, 81)
    # Neither from HCPs: only the 5 Knowledge items, so 0 of 5 for ECR; nothing of Barrier Other in ECR of 48.
    assert _cell(review, table, ECR, "Neither", "HCP") == (0, 0.0, 5)
    assert _cell(review, table, ECR, "Barrier", "Other") == (0, 0.0, 48)


def test_with_the_domain_as_denominator_each_cell_is_a_share_of_its_domain(review, paper):
    table = synthesis.domain_table(review=review, denominator="domain")

    # ECR: 160 items. 84/160 = 52.5; 15/160 = 9.375 → 9.4; 44/160 = 27.5; 10/160 = 6.25 → 6.3; 7/160 = 4.375 → 4.4.
    assert _cell(review, table, ECR, "Barrier", "HCP") == (84, 52.5, 160)
    assert _cell(review, table, ECR, "Barrier", "Patient") == (15, 9.4, 160)
    assert _cell(review, table, ECR, "Facilitator", "HCP") == (44, 27.5, 160)
    assert _cell(review, table, ECR, "Facilitator", "Patient") == (10, 6.3, 160)
    assert _cell(review, table, ECR, "Neither", "Other") == (7, 4.4, 160)
    # A domain with no items has no percentages.
    assert _cell(review, table, "Optimism", "Barrier", "HCP") == (0, None, 0)


def test_an_unknown_denominator_is_an_error(review, paper):
    with pytest.raises(ValueError, match="unknown denominator"):
        synthesis.domain_table(review=review, denominator="study")


def test_narrowing_to_a_group_narrows_columns_and_denominators(review, paper):
    from tests.coding.helpers import group

    table = synthesis.domain_table(
        review=review, scope=synthesis.Scope(group_ids=(group(review, "Patient").pk,))
    )

    assert [each.name for each in table.groups] == ["Patient"]
    # Patient barrier items: 15 + 50 = 65; 15/65 = 23.08 → 23.1.
    assert _cell(review, table, ECR, "Barrier", "Patient") == (15, 23.1, 65)
    assert _row(table, "Knowledge").total == 50


def test_the_export_and_the_chart_follow_the_table(review, paper):
    table = synthesis.domain_table(review=review)

    exported = synthesis.domain_table_export(table)
    resources = next(row for row in exported.rows if row[1] == ECR)
    assert exported.header[2:4] == ["Barrier HCP n", "Barrier HCP %"]
    assert resources[:4] == ["TDF", ECR, 84, 23.5]
    assert resources[-1] == 160
    chart = synthesis.domain_chart(table)
    assert [row.domain for row in chart] == ["Knowledge", ECR, "Social Influences", "Skills", "Emotion"]
    barrier_bar = chart[1].bars[0]
    # The largest bar is Knowledge's barriers (150): ECR's barrier bar is HCP 84 then Patient 15, on that scale.
    assert [(each.label, each.n, each.x, each.width) for each in barrier_bar.segments] == [
        ("HCP", 84, 0.0, 56.0),
        ("Patient", 15, 56.0, 10.0),
    ]
    assert domain(review, ECR) == _row(table, ECR).domain


@pytest.mark.parametrize(
    ("n", "denominator", "expected"),
    [
        (84, 357, 23.5),
        (1, 16, 6.3),  # 6.25: a half, rounded up (not to the even 6.2)
        (3, 16, 18.8),  # 18.75
        (1, 40, 2.5),
        (15, 160, 9.4),  # 9.375
        (1, 3, 33.3),
        (2, 3, 66.7),
        (0, 10, 0.0),
        (5, 0, None),
    ],
)
def test_percentages_are_to_one_decimal_with_halves_rounded_up(n, denominator, expected):
    assert synthesis.percent(n, denominator) == expected
