import json

import pytest
from django.core.management import CommandError, call_command

from reviews.services import membership_add
from tests.factories import UserFactory
from tests.screening.commands import three_records
from tests.screening.helpers import decide


@pytest.fixture
def screened(review, owner, reviewer, second_reviewer):
    """101 included by both, 102 a conflict, 103 excluded by bob alone."""
    records = three_records(review, owner)
    decide(review, records["101"], reviewer, "include")
    decide(review, records["101"], second_reviewer, "maybe")
    decide(review, records["102"], reviewer, "exclude")
    decide(review, records["102"], second_reviewer, "include")
    decide(review, records["103"], reviewer, "exclude")
    return records


def _status(review, capsys) -> dict:
    call_command("screening_status", review.slug, "--json")
    return json.loads(capsys.readouterr().out)


def test_it_counts_each_stage_after_a_few_decisions(review, screened, capsys):
    status = _status(review, capsys)
    title_abstract = status["title_abstract"]
    assert {key: title_abstract[key] for key in ("records", "to_screen", "awaiting_second")} == {
        "records": 3,
        "to_screen": 0,
        "awaiting_second": 1,
    }
    assert (title_abstract["conflicts"], title_abstract["included"], title_abstract["excluded"]) == (1, 1, 0)
    assert title_abstract["not_retrievable"] == 0
    # The included record waits at full text, where nobody has decided yet.
    assert status["full_text"]["records"] == 1 and status["full_text"]["to_screen"] == 1


def test_it_measures_agreement_over_the_records_with_two_decisions(review, screened, capsys):
    title_abstract = _status(review, capsys)["title_abstract"]
    # bob and carol agree on 101 and disagree on 102; carol advances both, bob one.
    assert title_abstract["double_screened"] == 2
    assert title_abstract["percent_agreement"] == 50.0
    assert title_abstract["kappa"] == 0.0
    assert title_abstract["ac1"] == 0.2
    assert title_abstract["pairs"] == [
        {
            "reviewers": ["bob", "carol"],
            "records": 2,
            "agreed": 1,
            "percent_agreement": 50.0,
            "kappa": 0.0,
            "ac1": 0.2,
        }
    ]


def test_the_json_has_one_object_per_stage_with_the_same_keys(review, screened, capsys):
    status = _status(review, capsys)
    assert set(status) == {"title_abstract", "full_text"}
    expected = {
        "records",
        "to_screen",
        "awaiting_second",
        "conflicts",
        "included",
        "excluded",
        "not_retrievable",
        "set_aside",
        "double_screened",
        "agreed",
        "percent_agreement",
        "kappa",
        "ac1",
        "pairs",
    }
    assert set(status["title_abstract"]) == set(status["full_text"]) == expected
    assert status["full_text"]["pairs"] == []
    assert status["full_text"]["percent_agreement"] is None and status["full_text"]["kappa"] is None


def test_it_combines_every_pair_of_reviewers(review, screened, owner, reviewer, capsys):
    erin = UserFactory(username="erin")
    membership_add(actor=owner, review=review, user=erin, roles={"reviewer"})
    decide(review, screened["103"], erin, "exclude")
    title_abstract = _status(review, capsys)["title_abstract"]
    assert [pair["reviewers"] for pair in title_abstract["pairs"]] == [["bob", "carol"], ["bob", "erin"]]
    assert title_abstract["double_screened"] == sum(pair["records"] for pair in title_abstract["pairs"]) == 3
    assert title_abstract["agreed"] == 2 and title_abstract["percent_agreement"] == 66.7


def test_it_prints_a_readable_table_without_json(review, screened, capsys):
    call_command("screening_status", review.slug)
    out = capsys.readouterr().out
    assert "Title and abstract" in out and "Full text" in out
    assert "Awaiting second reviewer" in out and "Conflicts" in out
    assert "bob and carol: 2 records, 50.0% agreed" in out
    assert "Full text agreement: no record has two decisions yet." in out


def test_it_names_an_unknown_review(db):
    with pytest.raises(CommandError, match="No review with the short name 'missing'"):
        call_command("screening_status", "missing", "--json")
