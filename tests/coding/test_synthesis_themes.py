"""The themes table (studies and excerpts per theme, sub-theme and code, with example quotes) and the study x
domain matrix, over the final set or one coder's excerpts, narrowed by group, valence and study."""

from __future__ import annotations

import pytest

from coding import synthesis
from coding.services.excerpt_import import excerpts_import
from coding.services.frameworks import framework_create
from tests.coding.helpers import csv_bytes, domain, group, valence

ECR = "Environmental Context and Resources"
LONG = "Nurses said time pressure left no room to assess pain properly."


@pytest.fixture
def coded(review, owner, reviewer, studies):
    """Four reconciled excerpts over three studies, and one of Bob's own (not final: the review is dual)."""
    s1, s2, s3 = (str(study.pk) for study in studies)
    rows = [
        {"study": s1, "quote": LONG, "page": "3", "valence": "Barrier", "group": "HCP"}
        | {
            "domains": f"{ECR}; Knowledge",
            "theme": "Workload",
            "subtheme": "Staffing",
            "codes": "Time pressure",
        },
        {"study": s2, "quote": "Short of staff.", "page": "5", "valence": "Barrier", "group": "Patient"}
        | {
            "domains": "Knowledge",
            "theme": "Workload",
            "subtheme": "Staffing",
            "codes": "Time pressure; Turnover",
        },
        {"study": s2, "quote": "Breaks helped.", "valence": "Facilitator", "group": "HCP"}
        | {"domains": "Knowledge; Skills", "theme": "Workload", "codes": "Breaks"},
        {"study": s3, "quote": "The tests cost too much.", "page": "2", "valence": "Barrier", "group": "HCP"}
        | {"domains": ECR, "codes": "Cost"},
        {"study": s3, "quote": "Bob only.", "valence": "Barrier", "group": "HCP"}
        | {"domains": "Emotion", "theme": "Workload", "codes": "Time pressure", "coder": "bob"},
    ]
    excerpts_import(review=review, actor=owner, data=csv_bytes(rows))
    return studies


def _counts(rows) -> list[tuple[str, int, int, int]]:
    return [(row.code.name, row.depth, row.studies, row.excerpts) for row in rows]


def test_the_themes_table_counts_studies_and_excerpts_behind_each_node_with_its_descendants(review, coded):
    rows = synthesis.theme_table(review=review)

    # Workload: excerpts 1, 2 (Staffing) and 3 (Breaks), from studies 1 and 2. Excerpt 2 has two codes under
    # Staffing and counts once there. Bob's excerpt is not in the final set (its code "Time pressure" sits
    # right under Workload, with nothing final behind it). Cost is a code under no theme.
    assert _counts(rows) == [
        ("Workload", 0, 2, 3),
        ("Staffing", 1, 2, 2),
        ("Time pressure", 2, 2, 2),
        ("Turnover", 2, 1, 1),
        ("Breaks", 1, 1, 1),
        ("Time pressure", 1, 0, 0),
        ("Cost", 0, 1, 1),
    ]


def test_each_node_gives_example_quotes_longest_first_with_study_and_page(review, coded):
    rows = {row.code.name: row for row in synthesis.theme_table(review=review)}

    assert [(each.quote, each.study, each.page) for each in rows["Workload"].examples] == [
        (LONG, "Author1 2001", 3),
        ("Short of staff.", "Author2 2002", 5),
        ("Breaks helped.", "Author2 2002", None),
    ]
    assert [(each.quote, each.study) for each in rows["Cost"].examples] == [
        ("The tests cost too much.", "Author3 2003")
    ]
    exported = synthesis.theme_table_export(list(rows.values()))
    assert exported.rows[0][:4] == ["Theme", "Workload", 2, 3]
    assert f"“{LONG}” (Author1 2001, p. 3)" in exported.rows[0][4]


def test_the_themes_table_of_one_coder_counts_their_own_excerpts(review, reviewer, coded):
    rows = synthesis.theme_table(review=review, scope=synthesis.Scope(coder_id=reviewer.pk))

    assert _counts(rows) == [
        ("Workload", 0, 1, 1),
        ("Staffing", 1, 0, 0),
        ("Time pressure", 2, 0, 0),
        ("Turnover", 2, 0, 0),
        ("Breaks", 1, 0, 0),
        ("Time pressure", 1, 1, 1),
        ("Cost", 0, 0, 0),
    ]


def test_filters_narrow_the_themes_table(review, coded):
    def counts(**filters) -> dict[str, int]:
        rows = synthesis.theme_table(review=review, scope=synthesis.Scope(**filters))
        return {row.code.name: row.excerpts for row in rows if row.excerpts}

    assert counts(group_ids=(group(review, "Patient").pk,)) == {
        "Workload": 1,
        "Staffing": 1,
        "Time pressure": 1,
        "Turnover": 1,
    }
    assert counts(valence_ids=(valence(review, "Facilitator").pk,)) == {"Workload": 1, "Breaks": 1}
    assert counts(record_ids=(coded[2].pk,)) == {"Cost": 1}


def _matrix(matrix) -> dict[tuple[int, str], int]:
    names = {each.pk: each.name for each in matrix.domains}
    return {(record_id, names[domain_id]): n for (record_id, domain_id), n in matrix.counts.items()}


def test_the_matrix_counts_items_per_study_and_domain(review, coded):
    s1, s2, s3 = coded

    matrix = synthesis.study_domain_matrix(review=review)

    assert _matrix(matrix) == {
        (s1.pk, ECR): 1,
        (s1.pk, "Knowledge"): 1,
        (s2.pk, "Knowledge"): 2,
        (s2.pk, "Skills"): 1,
        (s3.pk, ECR): 1,
    }
    assert [label for _, label in matrix.studies] == ["Author1 2001", "Author2 2002", "Author3 2003"]
    assert matrix.max_count == 2
    # Heat: 2 of the largest 2 is level 5; 1 of 2 is ceil(5 / 2) = level 3.
    knowledge = domain(review, "Knowledge")
    row = {each.name: (n, heat) for each, n, heat in matrix.row(s2)}
    assert (row["Knowledge"], row["Skills"], row["Optimism"]) == ((2, 5), (1, 3), (0, 0))
    exported = synthesis.matrix_export(matrix)
    assert exported.rows[1][:2] == ["Author2 2002", s2.pk]
    assert exported.rows[1][2 + [each.pk for each in matrix.domains].index(knowledge.pk)] == 2
    assert exported.rows[1][-1] == 3


def test_filters_and_the_coder_narrow_the_matrix(review, reviewer, coded):
    s1, s2, s3 = coded

    def matrix(**filters):
        return _matrix(synthesis.study_domain_matrix(review=review, scope=synthesis.Scope(**filters)))

    assert matrix(coder_id=reviewer.pk) == {(s3.pk, "Emotion"): 1}
    assert matrix(group_ids=(group(review, "Patient").pk,)) == {(s2.pk, "Knowledge"): 1}
    assert matrix(valence_ids=(valence(review, "Facilitator").pk,)) == {
        (s2.pk, "Knowledge"): 1,
        (s2.pk, "Skills"): 1,
    }
    assert matrix(record_ids=(s1.pk,)) == {(s1.pk, ECR): 1, (s1.pk, "Knowledge"): 1}


def test_the_matrix_of_one_framework_counts_only_that_frameworks_domains(review, owner, coded):
    s1, s2, s3 = coded
    com_b = framework_create(
        review=review,
        actor=owner,
        name="COM-B",
        rows=[("Opportunity", ""), ("Motivation", "")],
        source="typed",
    )
    opportunity = {"study": str(s3.pk), "valence": "Barrier", "group": "HCP", "domains": "COM-B: Opportunity"}
    rows = [{**opportunity, "quote": f"Opportunity {n}."} for n in range(4)]
    excerpts_import(review=review, actor=owner, data=csv_bytes(rows))
    tdf = domain(review, "Knowledge").framework

    by_tdf = synthesis.study_domain_matrix(review=review, scope=synthesis.Scope(framework_id=tdf.pk))
    by_com_b = synthesis.study_domain_matrix(review=review, scope=synthesis.Scope(framework_id=com_b.pk))

    assert {each.framework_id for each in by_tdf.domains} == {tdf.pk}
    assert _matrix(by_tdf) == {
        (s1.pk, ECR): 1,
        (s1.pk, "Knowledge"): 1,
        (s2.pk, "Knowledge"): 2,
        (s2.pk, "Skills"): 1,
        (s3.pk, ECR): 1,
    }
    assert by_tdf.max_count == 2
    assert _matrix(by_com_b) == {(s3.pk, "Opportunity"): 4}
    assert [record for record, _ in by_com_b.studies] == [s3]
    table = synthesis.domain_table(review=review, scope=synthesis.Scope(framework_id=com_b.pk))
    assert [(row.domain.name, row.total) for row in table.rows] == [("Opportunity", 4), ("Motivation", 0)]


def test_examples_come_from_as_many_studies_as_there_are_and_fill_up_from_the_same_study(
    review, owner, studies
):
    s1, s2 = (str(study.pk) for study in studies[:2])
    quotes = {
        s1: ["A long first quote from study one.", "Second quote from one.", "Third one.", "4th."],
        s2: ["Short in two."],
    }
    rows = [
        {"study": study, "quote": quote, "valence": "Barrier", "group": "HCP", "domains": "Knowledge"}
        | {"theme": theme, "codes": "Some code" if theme == "Spread" else "Lone code"}
        for theme, sources in (("Spread", (s1, s2)), ("Alone", (s1,)))
        for study in sources
        for quote in quotes[study]
    ]
    excerpts_import(review=review, actor=owner, data=csv_bytes(rows))
    themes = {row.code.name: row for row in synthesis.theme_table(review=review) if row.depth == 0}

    # Both studies are shown (the short quote of study two comes before study one's third and fourth),
    # longest first.
    assert [each.quote for each in themes["Spread"].examples] == [
        "A long first quote from study one.",
        "Second quote from one.",
        "Short in two.",
    ]
    # One study only: its three longest quotes, not one.
    assert [each.quote for each in themes["Alone"].examples] == [
        "A long first quote from study one.",
        "Second quote from one.",
        "Third one.",
    ]
