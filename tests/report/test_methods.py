"""The methods text says how records were ordered for screening as the ranking setting's history has it."""

import time_machine

from report.methods import RANDOM_ORDER, methods_text
from report.prisma import prisma_flow
from screening.selectors import screening_ranking_periods
from screening.services.ranking import ranking_settings_update
from tests.report.helpers import build_flow_review
from tests.screening.helpers import decide, records_to_screen


def _ranking(review, owner, day: str, *, on: bool) -> None:
    with time_machine.travel(f"{day} 09:00Z", tick=False):
        ranking_settings_update(review=review, actor=owner, is_enabled=on, recall_target=0.95)


def _screen(review, reviewers, records, day: str) -> None:
    with time_machine.travel(f"{day} 12:00Z", tick=False):
        for record in records:
            for reviewer in reviewers:
                decide(review, record, reviewer, "exclude")


def _selection(review) -> str:
    return methods_text(review=review, flow=prisma_flow(review=review))[0]


def test_a_review_that_never_ranked_says_random_order(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, 2)
    _screen(review, [reviewer, second_reviewer], records, "2026-03-02")
    assert RANDOM_ORDER in _selection(review)
    assert "ordered by relevance" not in _selection(review)


def test_ranking_on_from_the_start_is_reported_as_the_order(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, 2)
    _ranking(review, owner, "2026-03-01", on=True)
    _screen(review, [reviewer, second_reviewer], records, "2026-03-02")
    text = _selection(review)
    assert "Each reviewer's records were ordered by relevance by active learning (a linear support" in text
    assert "random order, the same for every reviewer" not in text


def test_ranking_for_part_of_the_screening_names_when(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, 3)
    _screen(review, [reviewer, second_reviewer], records[:1], "2026-03-02")
    _ranking(review, owner, "2026-03-03", on=True)
    _screen(review, [reviewer, second_reviewer], records[1:2], "2026-03-04")
    _ranking(review, owner, "2026-03-05", on=False)
    _screen(review, [reviewer, second_reviewer], records[2:], "2026-03-06")
    text = _selection(review)
    assert "For part of the screening (from 3 March 2026 to 5 March 2026)" in text
    assert "otherwise records were presented in a random order" in text


def test_ranking_turned_on_after_the_last_decision_changed_nothing(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, 2)
    _screen(review, [reviewer, second_reviewer], records, "2026-03-02")
    _ranking(review, owner, "2026-03-09", on=True)
    assert RANDOM_ORDER in _selection(review)


def test_periods_follow_the_setting_on_and_off_and_ignore_the_recall_target(review, owner):
    _ranking(review, owner, "2026-03-01", on=True)
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        ranking_settings_update(review=review, actor=owner, is_enabled=True, recall_target=0.9)
    _ranking(review, owner, "2026-03-03", on=False)
    _ranking(review, owner, "2026-03-04", on=True)
    periods = [
        (on.date().isoformat(), off.date().isoformat() if off else None)
        for on, off in screening_ranking_periods(review=review)
    ]
    assert periods == [("2026-03-01", "2026-03-03"), ("2026-03-04", None)]


def test_while_screening_goes_on_it_counts_what_was_screened_to_a_decision(
    review, owner, lead, reviewer, second_reviewer
):
    build_flow_review(review, owner, lead, reviewer, second_reviewer)  # by hand in tests/report/helpers.py

    text = _selection(review)

    assert "screened 12 titles and abstracts" in text  # 13 in the flow, 1 not yet decided
    assert " and 5 full texts" in text  # 6 assessed, 1 conflict not yet resolved
    assert "At the time of writing 1 title and abstract and 1 full text were still being screened." in text
