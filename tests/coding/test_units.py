"""Two coders' excerpts paired into units, and the agreement between them (no database)."""

from __future__ import annotations

import pytest

from coding.units import Coded, Unit, overlap, pair_units, unit_agreement

BARRIER, FACILITATOR = 10, 20
KNOWLEDGE, SKILLS, RESOURCES = 1, 2, 3
DOMAINS = [KNOWLEDGE, SKILLS, RESOURCES]


def anchored(id, start, end, valence=BARRIER, domains=()):
    return Coded(
        id=id, quote="x" * (end - start), start=start, end=end, valence=valence, domains=frozenset(domains)
    )


def typed(id, quote, valence=BARRIER, domains=()):
    return Coded(id=id, quote=quote, valence=valence, domains=frozenset(domains))


def pairs_of(units: list[Unit]) -> list[tuple[int | None, int | None]]:
    return [
        (unit.first.id if unit.first else None, unit.second.id if unit.second else None) for unit in units
    ]


def test_passages_sharing_at_least_half_of_the_shorter_one_are_one_unit():
    # 0-100 and 60-110 share 40 characters; the shorter is 50 long: 40 >= 25.
    assert overlap(anchored(1, 0, 100), anchored(2, 60, 110)) == 40
    # Exactly half: 0-10 and 5-20 share 5 of the shorter 10.
    assert overlap(anchored(1, 0, 10), anchored(2, 5, 20)) == 5


def test_passages_sharing_less_than_half_of_the_shorter_one_are_not_one_unit():
    # 0-100 and 80-200 share 20 characters; the shorter is 100 long: 20 < 50.
    assert overlap(anchored(1, 0, 100), anchored(2, 80, 200)) == 0
    # Passages that only touch share nothing.
    assert overlap(anchored(1, 0, 10), anchored(2, 10, 20)) == 0


def test_typed_quotes_are_one_unit_when_one_contains_the_other_whatever_the_case_and_spacing():
    long = typed(1, "Time pressure was   the main\nbarrier for nurses.")
    short = typed(2, "TIME PRESSURE was the main barrier")
    assert overlap(long, short) == len("time pressure was the main barrier")
    assert overlap(long, typed(3, "the main barrier for doctors")) == 0
    assert overlap(long, typed(4, "   ")) == 0


def test_a_typed_quote_and_a_selected_passage_are_compared_by_their_quotes():
    selected = Coded(id=1, quote="Time pressure was the main barrier", start=0, end=34)
    assert overlap(selected, typed(2, "the main barrier")) == len("the main barrier")


def test_each_excerpt_is_in_one_unit_and_the_largest_overlap_is_paired_first():
    # First coder: A1 0-100. Second coder: B1 40-100 (shares 60 with A1), B2 0-90 (shares 90 with A1).
    # In the second coder's order A1 would go with B1; largest first it goes with B2, and B1 is alone.
    first = [anchored(1, 0, 100)]
    second = [anchored(11, 40, 100), anchored(12, 0, 90)]
    assert pairs_of(pair_units(first, second)) == [(1, 12), (None, 11)]


def test_units_are_in_text_order_with_lone_excerpts_of_either_coder_among_them():
    first = [anchored(1, 500, 600), anchored(2, 0, 50)]
    second = [anchored(11, 510, 600), anchored(12, 200, 260)]
    units = pair_units(first, second)
    assert pairs_of(units) == [(2, None), (None, 12), (1, 11)]
    assert [unit.is_paired for unit in units] == [False, False, True]


def test_agreement_counts_valence_per_unit_and_domain_presence_per_unit_and_domain():
    first = [
        anchored(1, 0, 10, BARRIER, {KNOWLEDGE}),  # U1, with 11
        anchored(2, 100, 110, FACILITATOR, {RESOURCES}),  # U2, with 12
        anchored(3, 200, 210, FACILITATOR, {SKILLS}),  # U3, with 13
        anchored(4, 300, 310, BARRIER, {KNOWLEDGE, RESOURCES}),  # U4, alone
        anchored(6, 500, 510, BARRIER, set()),  # U6, with 16
    ]
    second = [
        anchored(11, 0, 10, BARRIER, {KNOWLEDGE, SKILLS}),
        anchored(12, 100, 110, BARRIER, {RESOURCES}),
        anchored(13, 200, 210, FACILITATOR, {SKILLS}),
        anchored(15, 400, 410, FACILITATOR, {SKILLS}),  # U5, alone
        anchored(16, 500, 510, BARRIER, set()),
    ]
    units = pair_units(first, second)
    assert pairs_of(units) == [(1, 11), (2, 12), (3, 13), (4, None), (None, 15), (6, 16)]

    result = unit_agreement(units, DOMAINS)

    assert (result.units, result.paired) == (6, 4)
    # Valence, one category per unit (a lone excerpt against "no excerpt"):
    #   U1 B/B agree, U2 F/B, U3 F/F agree, U4 B/-, U5 -/F, U6 B/B agree: 3 of 6 = 50.0%.
    #   First coder: B 3, F 2, - 1. Second coder: B 3, F 2, - 1.
    #   pe = (3*3 + 2*2 + 1*1) / 36 = 14/36; po = 18/36; kappa = (18 - 14) / (36 - 14) = 4/22 = 0.182.
    assert (result.valence.pairs, result.valence.agreed) == (6, 3)
    assert result.valence.percent == 50.0
    assert result.valence.kappa == 0.182
    # Domains, yes/no per unit and domain (all three for a paired unit, the mapped ones for a lone one):
    #   U1: K yes/yes, S no/yes, R no/no.  U2: K no/no, S no/no, R yes/yes.  U3: K no/no, S yes/yes, R no/no.
    #   U6: three no/no.  U4 (first alone): K yes/no, R yes/no.  U5 (second alone): S no/yes.
    #   both yes 3, first only 2, second only 2, both no 8: n = 15, agreed 11 = 73.3%.
    #   yes_a = 5/15, yes_b = 5/15; pe = 1/9 + 4/9 = 5/9; po = 11/15;
    #   kappa = (33/45 - 25/45) / (20/45) = 8/20 = 0.4.
    assert (result.domains.pairs, result.domains.agreed) == (15, 11)
    assert result.domains.percent == 73.3
    assert result.domains.kappa == 0.4


def test_an_excerpt_only_one_coder_made_counts_as_a_disagreement():
    # One unit both coded alike (B, Knowledge), one excerpt only the second coder made (F, Skills, Resources).
    units = pair_units(
        [anchored(1, 0, 10, BARRIER, {KNOWLEDGE})],
        [anchored(11, 0, 10, BARRIER, {KNOWLEDGE}), anchored(12, 50, 60, FACILITATOR, {SKILLS, RESOURCES})],
    )
    result = unit_agreement(units, DOMAINS)
    # Valence: B/B agree, -/F disagree: 1 of 2 = 50.0%. Both coders: one B and one other category each
    #   (first: B, "-"; second: B, F): pe = (1*1) / 4 = 0.25; kappa = (0.5 - 0.25) / 0.75 = 0.333.
    assert [(unit.first is None, unit.second is None) for unit in units] == [(False, False), (True, False)]
    assert (result.valence.percent, result.valence.kappa) == (50.0, 0.333)
    # Domains: the paired unit gives K yes/yes, S no/no, R no/no; the lone one S no/yes, R no/yes.
    #   agreed 3 of 5 = 60.0%; yes_a = 1/5, yes_b = 3/5; pe = 3/25 + 8/25 = 11/25; po = 15/25;
    #   kappa = (15 - 11) / (25 - 11) = 4/14 = 0.286.
    assert (result.domains.pairs, result.domains.agreed) == (5, 3)
    assert (result.domains.percent, result.domains.kappa) == (60.0, 0.286)


@pytest.mark.parametrize("units", [[], [Unit(None, anchored(1, 0, 5))]])
def test_agreement_on_domains_is_blank_when_no_domain_was_judged(units):
    result = unit_agreement(units, [])
    assert (result.domains.pairs, result.domains.percent, result.domains.kappa) == (0, None, None)
