"""find_duplicates on small hand-written cases."""

from __future__ import annotations

import random
from dataclasses import replace

from reviews.dedup import DedupRecord, find_duplicates

TITLE = "Eculizumab in atypical haemolytic uraemic syndrome: a prospective multicentre trial"
AUTHORS = ("Legendre, C. M.", "Licht, C.", "Muus, P.", "Greenbaum, L. A.")


def article(key: int, **changes) -> DedupRecord:
    base = DedupRecord(
        key=key,
        title=TITLE,
        authors=AUTHORS,
        year=2013,
        journal="New England Journal of Medicine",
        volume="368",
        issue="23",
        pages="2169-2181",
    )
    return replace(base, **changes)


def other_study(key: int, **changes) -> DedupRecord:
    base = DedupRecord(
        key=key,
        title="Complement factor H mutations in children with recurrent thrombotic microangiopathy",
        authors=("Noris, M.", "Remuzzi, G."),
        year=2010,
        journal="Clin J Am Soc Nephrol",
        volume="5",
        issue="10",
        pages="1844-59",
    )
    return replace(base, **changes)


def pair_keys(result) -> set[tuple[int, int]]:
    return {(min(p.a, p.b), max(p.a, p.b)) for p in result.possible_pairs}


def test_nothing_in_nothing_out():
    result = find_duplicates([])
    assert result.groups == [] and result.possible_pairs == []


def test_same_doi_is_a_duplicate():
    records = [
        article(1, doi="10.1056/nejmoa1208981", pages=""),
        article(2, doi="10.1056/nejmoa1208981", title=TITLE.upper(), journal="N Engl J Med"),
        other_study(3),
    ]
    assert find_duplicates(records).groups == [[1, 2]]


def test_same_doi_with_a_clearly_different_title_is_not_merged():
    records = [article(1, doi="10.1/x"), other_study(2, doi="10.1/x")]
    assert find_duplicates(records).groups == []


def test_same_pmid_is_a_duplicate():
    records = [
        article(1, pmid="23738544", title=TITLE + " [Erratum appears in N Engl J Med 2014]"),
        article(
            2, pmid="23738544", journal="N Engl J Med", pages="2169-81", authors=("Legendre CM", "Licht C")
        ),
    ]
    assert find_duplicates(records).groups == [[1, 2]]


def test_fuzzy_title_with_typo_and_reformatted_authors_is_a_duplicate():
    records = [
        article(1),
        article(
            2,
            title="Eculizumab in atypical hemolytic uremic syndrom - a prospective multicenter trial.",
            authors=("Legendre CM", "Licht C", "Muus P", "Greenbaum LA"),
            journal="N Engl J Med",
            pages="2169-81",
            issue="",
        ),
        other_study(3),
    ]
    result = find_duplicates(records)
    assert result.groups == [[1, 2]]
    assert result.possible_pairs == []


def test_translated_title_with_the_same_volume_and_pages_is_a_duplicate():
    records = [
        article(
            1,
            title="[Eculizumab beim atypischen hamolytisch-uramischen Syndrom]",
            journal="Dtsch Med Wochenschr",
        ),
        article(2, journal="Deutsche Medizinische Wochenschrift"),
    ]
    assert find_duplicates(records).groups == [[1, 2]]


def test_different_dois_are_never_merged():
    records = [article(1, doi="10.1/a"), article(2, doi="10.1/b")]
    result = find_duplicates(records)
    assert result.groups == []
    assert pair_keys(result) == {(1, 2)}
    assert "different DOIs" in result.possible_pairs[0].reasons


def test_an_erratum_is_not_merged_with_its_article():
    records = [
        article(1),
        article(2, title="Erratum: " + TITLE, pages="1064", issue="11", year=2013),
        article(3, title=TITLE + " (vol 368, pg 2169, 2013)", pages="1064", issue="11"),
    ]
    result = find_duplicates(records)
    # The two copies of the erratum are one record; the article stays apart.
    assert result.groups == [[2, 3]]
    assert pair_keys(result) == {(1, 2)}


def test_comments_replies_and_retractions_are_not_merged_with_the_article():
    for title, publication_type in [
        ("Comment on: " + TITLE, ""),
        (TITLE + " - Reply", ""),
        ("Retraction note: " + TITLE, ""),
        (TITLE, "Comment"),
    ]:
        records = [article(1), article(2, title=title, publication_type=publication_type, pages="", issue="")]
        assert find_duplicates(records).groups == [], title


def test_conference_abstract_and_later_paper_are_offered_not_merged():
    abstract = article(
        1,
        year=2011,
        journal="Blood. Conference: 53rd ASH Annual Meeting",
        volume="118",
        issue="21",
        pages="193",
        publication_type="Conference Abstract",
    )
    result = find_duplicates([abstract, article(2)])
    assert result.groups == []
    assert pair_keys(result) == {(1, 2)}
    reasons = " ".join(result.possible_pairs[0].reasons)
    assert "years differ by 2" in reasons


def test_conference_paper_and_journal_article_a_year_apart_are_not_merged():
    records = [
        article(
            1,
            year=2012,
            journal="Americas Conference on Information Systems",
            volume="",
            issue="",
            pages="",
            publication_type="inproceedings",
        ),
        article(2, publication_type="article"),
    ]
    assert find_duplicates(records).groups == []


def test_cannot_link_is_respected_and_not_offered_again():
    records = [article(1), article(2), article(3, doi="")]
    result = find_duplicates(records, cannot_link=[(2, 1)])
    assert all(not {1, 2} <= set(group) for group in result.groups)
    assert (1, 2) not in pair_keys(result)
    # Record 3 joins one of them, deterministically.
    assert result.groups == [[1, 3]]


def test_cannot_link_also_blocks_joining_through_a_third_record():
    records = [article(1), article(2), article(3)]
    result = find_duplicates(records, cannot_link=[(1, 3)])
    assert len(result.groups) == 1
    assert not {1, 3} <= set(result.groups[0])


def test_must_link_is_kept_even_for_different_records():
    records = [article(1), other_study(2), article(3)]
    result = find_duplicates(records, must_link=[(1, 2)])
    assert result.groups == [[1, 2, 3]]


def test_must_link_wins_over_cannot_link():
    records = [article(1), other_study(2)]
    result = find_duplicates(records, must_link=[(1, 2)], cannot_link=[(1, 2)])
    assert result.groups == [[1, 2]]


def test_only_involving_restricts_to_pairs_with_new_records():
    records = [
        article(1),
        article(2),  # an old duplicate of 1, already merged: must_link
        other_study(3),
        other_study(4),  # an old duplicate pair nobody merged: not this import's business
        article(5, journal="N Engl J Med"),  # new
        replace(
            other_study(6), title="Something else entirely about renal transplantation", pages="12-19"
        ),  # new
    ]
    result = find_duplicates(records, must_link=[(1, 2)], only_involving={5, 6})
    assert result.groups == [[1, 2, 5]]
    assert all(5 in (p.a, p.b) or 6 in (p.a, p.b) for p in result.possible_pairs)


def test_only_involving_with_no_new_duplicates_returns_nothing():
    records = [article(1), article(2), other_study(3)]
    result = find_duplicates(records, only_involving={3})
    assert result.groups == [] and result.possible_pairs == []


def test_result_does_not_depend_on_input_order():
    records = [
        article(1, doi="10.1/a"),
        article(2),
        article(3, doi="10.1/b"),
        article(4, title=TITLE.lower(), authors=("Legendre CM", "Licht C")),
        other_study(5),
        other_study(6, journal="Clinical Journal of the American Society of Nephrology"),
        other_study(7, year=2013, doi="10.1/c"),
        article(8, title="Erratum: " + TITLE),
    ]
    expected = find_duplicates(records)
    for seed in range(10):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        result = find_duplicates(shuffled)
        assert result.groups == expected.groups
        assert [(p.a, p.b, p.score, p.reasons) for p in result.possible_pairs] == [
            (p.a, p.b, p.score, p.reasons) for p in expected.possible_pairs
        ]


def test_no_chaining_across_different_dois():
    records = [
        article(1, doi="10.1/a"),
        article(2),  # no DOI: could join either
        article(3, doi="10.1/b"),
        article(4, doi="10.1/a", journal="N Engl J Med"),
    ]
    result = find_duplicates(records)
    for group in result.groups:
        dois = {r.doi for r in records if r.key in group and r.doi}
        assert len(dois) <= 1
    assert [1, 2, 4] in result.groups or [1, 4] in result.groups


def test_a_doi_shared_by_many_meeting_abstracts_does_not_merge_them():
    supplement = "10.1007/s00125-017-4350-z"
    records = [
        other_study(1, doi=supplement, pages="S12", volume="60", issue="1 Suppl"),
        article(2, doi=supplement, pages="S13", volume="60", issue="1 Suppl"),
        replace(
            other_study(3), title="Patterns of glucose lowering medication in older people", doi=supplement
        ),
    ]
    assert find_duplicates(records).groups == []


def test_records_without_titles_are_only_offered():
    records = [article(1), article(2, title="")]
    result = find_duplicates(records)
    assert result.groups == []
    assert pair_keys(result) == {(1, 2)}


def test_recurring_editorials_are_not_merged():
    records = [
        DedupRecord(
            key=i,
            title="Editor's Comments",
            authors=("Weber, Ron",),
            year=2002,
            journal="MIS Quarterly",
            volume="26",
            issue=str(i),
        )
        for i in range(1, 5)
    ]
    assert find_duplicates(records).groups == []


def test_series_titles_differing_in_a_number_or_word_are_not_merged():
    records = [
        article(
            1, title="Long-term outcomes of eculizumab in atypical HUS: part 1, adults", pages="", issue=""
        ),
        article(
            2, title="Long-term outcomes of eculizumab in atypical HUS: part 2, adults", pages="", issue=""
        ),
        article(
            3, title="Long-term outcomes of eculizumab in atypical HUS: part 1, children", pages="", issue=""
        ),
    ]
    assert find_duplicates(records).groups == []


def test_possible_pairs_carry_reasons_and_scores():
    records = [article(1), article(2, year=2016, volume="371", issue="", pages="")]
    result = find_duplicates(records)
    assert result.groups == []
    [pair] = result.possible_pairs
    assert (pair.a, pair.b) == (1, 2)
    assert 0 <= pair.score <= 1
    assert "same title" in pair.reasons and "years differ by 3" in pair.reasons


def test_groups_are_sorted_and_records_with_repeated_keys_are_tolerated():
    records = [article(3), article(1), article(2), article(1)]
    assert find_duplicates(records).groups == [[1, 2, 3]]


def test_a_recurring_column_on_the_same_page_of_each_issue_is_not_merged():
    records = [
        DedupRecord(
            key=i,
            title="Editorial Introduction",
            authors=("Zwass, Vladimir",),
            year=2011,
            journal="Journal of Management Information Systems",
            volume="28",
            issue=str(i),
            pages="5-6",
        )
        for i in range(1, 4)
    ]
    assert find_duplicates(records).groups == []


def test_different_papers_on_the_same_pages_of_different_issues_are_not_merged():
    records = [
        article(1, title="The commodification of digital labor in the gig economy", issue="1", pages="54-59"),
        article(2, title="Big data analytics in human resource management", issue="2", pages="54-59"),
    ]
    assert find_duplicates(records).groups == []


def test_same_doi_survives_a_mistyped_year_and_online_first_pages():
    records = [
        article(1, doi="10.1007/s10899-013-9388-3", year=2014),
        article(2, doi="10.1007/s10899-013-9388-3", year=2007),
        article(3, doi="10.1007/s10899-013-9388-3", pages="1-13"),
        article(4, journal="N Engl J Med"),  # no DOI, joins through the fuzzy match
    ]
    assert find_duplicates(records).groups == [[1, 2, 3, 4]]


def test_old_style_dois_with_a_double_slash_are_the_same_doi():
    records = [article(1, doi="10.1037//0022-3514.83.3.606"), article(2, doi="10.1037/0022-3514.83.3.606")]
    assert find_duplicates(records).groups == [[1, 2]]


def test_anonymous_meeting_abstract_books_merge_only_when_everything_agrees():
    book = DedupRecord(
        key=1,
        title="Abstracts of the Diabetes UK Professional Conference 2017",
        authors=("Anonymous",),
        year=2017,
        journal="Diabetic Medicine",
        volume="34",
        issue="Supplement 1",
    )
    records = [book, replace(book, key=2, authors=()), replace(book, key=3, year=2018, volume="35")]
    assert find_duplicates(records).groups == [[1, 2]]


def test_a_retracted_article_marked_in_its_title_is_the_same_record():
    records = [article(1), article(2, title="RETRACTED: " + TITLE, publication_type="Retracted Publication")]
    assert find_duplicates(records).groups == [[1, 2]]


def test_a_letter_is_not_a_notice():
    records = [article(1, publication_type="Letter"), article(2, publication_type="JOUR")]
    assert find_duplicates(records).groups == [[1, 2]]
