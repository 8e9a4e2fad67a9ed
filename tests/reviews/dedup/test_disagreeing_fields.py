"""Copies of one article whose fields disagree in ways exports are known for, and the different articles
those disagreements must not hide."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviews.dedup import DedupRecord, find_duplicates
from reviews.dedup.normalise import page_ranges, pages_comparable

TITLE = "Intrapleural fibrinolytic therapy for loculated pleural effusion in adults: a randomised trial"
AUTHORS = ("Okafor, Chidi E.", "Lindqvist, Maria", "Barros, Paulo", "Tanaka, Hiroshi")


def article(key: int, **changes) -> DedupRecord:
    base = DedupRecord(
        key=key,
        title=TITLE,
        authors=AUTHORS,
        year=2011,
        journal="Respiratory Medicine",
        volume="105",
        issue="4",
        pages="512-519",
    )
    return replace(base, **changes)


def offered(result) -> set[tuple[int, int]]:
    return {(min(p.a, p.b), max(p.a, p.b)) for p in result.possible_pairs}


@pytest.mark.parametrize(
    ("pages", "comparable"),
    [
        ("512-519", True),
        ("512-9", True),
        ("233-8, 246-51", True),
        ("47", True),
        ("S12-S14", False),
        ("e43268", False),
        ("CD001876", False),
        ("811a", False),
        ("742-8; discussion 748-9", False),
        ("21-Apr", False),
        ("1524-3", False),
        ("106482", False),
        ("", False),
    ],
)
def test_only_plain_printed_ranges_are_comparable(pages, comparable):
    assert pages_comparable(pages, page_ranges(pages)) is comparable


@pytest.mark.parametrize(
    "other_pages",
    [
        "S512",  # a supplement's page for the printed one
        "e0168396",  # an electronic locator
        "12-19",  # the range cut to its last digits
        "Suppl",  # a bare supplement marker
        "5 p",  # a page count
    ],
)
def test_pages_that_are_not_a_clean_range_do_not_stand_against_a_match(other_pages):
    records = [article(1), article(2, pages=other_pages, issue="")]

    assert find_duplicates(records).groups == [[1, 2]]


def test_two_clean_ranges_that_differ_still_keep_two_articles_apart():
    records = [
        article(1, title=TITLE + " (part one)"),
        article(2, title=TITLE + " (part one)", pages="620-628", issue="5"),
    ]

    assert find_duplicates(records).groups == []


def test_the_same_garbled_page_value_on_both_copies_is_the_same_pages():
    records = [article(1, pages="21-Apr", issue="1104"), article(2, pages="21-Apr", issue="1105")]

    assert find_duplicates(records).groups == [[1, 2]]


def test_record_numbers_in_the_issue_field_do_not_keep_copies_apart():
    """A reference manager's record numbers exported as "number" (every value different)."""
    records = [
        article(1, issue="1347"),
        article(2, issue="1348", journal="Respir Med"),
        article(3, issue="1351", pages=""),
        article(4, issue="1350", pages="512-9", authors=("Okafor, C. E.", "Lindqvist, M.", "Barros, P.")),
    ]

    assert find_duplicates(records).groups == [[1, 2, 3, 4]]


def test_a_translated_title_with_record_numbers_for_issues_is_still_the_same_article():
    records = [
        article(1, issue="65", title="Antibiotic prophylaxis in pulmonary surgery: a double-blind study"),
        article(
            2,
            issue="266",
            title="[Comparison of amoxicillin and cefamandole in the prevention of infections after lung surgery]",
        ),
    ]

    assert find_duplicates(records).groups == [[1, 2]]


def test_the_issue_still_tells_apart_a_column_without_pages_in_each_issue():
    records = [
        article(
            i,
            title="Remarks from the editor: the state of the field",
            authors=("Lee, Allen S.",),
            issue=str(i),
            pages="",
        )
        for i in range(1, 4)
    ]

    result = find_duplicates(records)

    assert result.groups == []


def test_a_group_author_named_first_in_one_export_does_not_hide_the_same_article():
    records = [article(1), article(2, authors=("TRIPLE Study Group", *AUTHORS))]
    assert find_duplicates(records).groups == [[1, 2]]


def test_a_list_naming_only_a_group_is_compared_as_a_record_without_authors():
    group_only = ("Pleural Disease Investigators Collaborative Group",)
    # Nothing to compare the authors by: everything else must agree, as for a record without authors.
    assert find_duplicates([article(1), article(2, authors=group_only)]).groups == [[1, 2]]
    assert find_duplicates([article(1), article(2, authors=group_only, volume="106")]).groups == []


def test_a_surname_with_two_letters_swapped_is_the_same_author():
    swapped = ("Okafor, Chidi E.", "Lindqvsit, Maria", "Barros, Paulo", "Tanaka, Hiroshi")
    assert find_duplicates([article(1), article(2, authors=swapped)]).groups == [[1, 2]]


def test_the_meeting_abstract_of_the_article_on_one_page_of_the_same_volume_is_one_study():
    records = [article(1), article(2, pages="47", issue="Suppl 1")]
    assert find_duplicates(records).groups == [[1, 2]]


def test_two_one_page_abstracts_with_different_author_lists_stay_apart():
    other_team = ("Okafor, Chidi E.", "Lindqvist, Maria", "Barros, Paulo", "Mensah, Kofi")
    records = [article(1, pages="47"), article(2, pages="48", authors=other_team)]
    assert find_duplicates(records).groups == []


def test_titles_a_word_apart_with_everything_else_the_same_are_one_article():
    records = [article(1), article(2, title=TITLE.replace("randomised", "randomized controlled"))]
    assert find_duplicates(records).groups == [[1, 2]]


def test_a_retitled_copy_by_the_same_team_in_the_same_journal_and_year_is_offered():
    retitled = "Clot-dissolving drugs given into the chest for infected fluid around the lung"
    records = [article(1), article(2, title=retitled, pages="")]
    result = find_duplicates(records)
    assert result.groups == []
    assert offered(result) == {(1, 2)}
