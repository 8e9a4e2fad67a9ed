"""Coded data from a CSV: all or nothing, every bad line listed; studies by record or source record id;
domains by name, case-insensitive; a coder's excerpts or the reconciled set."""

from __future__ import annotations

import pytest

from coding.models import Code, CodingAssignment, Excerpt
from coding.services.excerpt_import import ExcerptImportInvalid, excerpts_import
from reviews.models import AuditEvent
from tests.coding.helpers import code, csv_bytes, domain, span, studies_with_source_ids


def _row(record, **cells) -> dict:
    return {
        "study": str(record.pk),
        "quote": "Time pressure was the main barrier for nurses.",
        "valence": "Barrier",
        "group": "HCP",
        "domains": "Knowledge",
        **cells,
    }


def test_a_file_with_bad_lines_is_refused_whole_with_every_bad_line_listed(
    review, owner, lead, outsider, studies
):
    data = csv_bytes(
        [
            _row(studies[0], theme="Workload", codes="Time pressure"),
            _row(studies[0], study="999999"),
            _row(studies[1], domains="Knowledge; Telepathy"),
            _row(studies[1], quote="  ", valence="Hindrance"),
            _row(studies[2], subtheme="Staffing", page="p. 4"),
            _row(studies[2], coder="dave"),
            _row(studies[2], coder="lena"),
        ]
    )

    with pytest.raises(ExcerptImportInvalid) as refused:
        excerpts_import(review=review, actor=owner, data=data)

    by_line: dict[int, list[str]] = {}
    for line, message in refused.value.errors:
        by_line.setdefault(line, []).append(message)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "“999999” is not an included study" in by_line[3][0]
    assert "domain “Telepathy” is not one of this review's" in by_line[4][0]
    assert sorted(by_line[5]) == [
        "the quote is empty.",
        "valence “Hindrance” is not one of this review's (Barrier, Facilitator, Neither).",
    ]
    assert sorted(by_line[6]) == ["a sub-theme needs its theme.", "page “p. 4” is not a page number."]
    assert by_line[7] == ["coder “dave”: Only the review's reviewers code studies."]
    assert by_line[8] == ["coder “lena”: Only the review's reviewers code studies."]
    assert "line 3: study" in str(refused.value)
    assert not Excerpt.objects.exists()
    assert not Code.objects.exists()
    assert not AuditEvent.objects.filter(action="coding.import").exists()


def test_a_file_without_the_needed_columns_is_refused(review, owner, studies):
    with pytest.raises(ExcerptImportInvalid, match="needs the columns study, quote, valence, group, domains"):
        excerpts_import(review=review, actor=owner, data=b"study,quote\n1,hello\n")
    with pytest.raises(ExcerptImportInvalid, match="empty"):
        excerpts_import(review=review, actor=owner, data=b"  \n")
    with pytest.raises(ExcerptImportInvalid, match="not UTF-8"):
        excerpts_import(review=review, actor=owner, data="study,quote\nÅ,ø\n".encode("utf-16"))


def test_domains_are_read_case_insensitively_separated_by_semicolons(review, owner, studies):
    excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes(
            [
                _row(studies[0], domains="environmental context and RESOURCES ;knowledge;"),
                _row(studies[0], domains="TDF: Social Influences; tdf:knowledge"),
                _row(studies[1], domains=""),
            ]
        ),
    )

    first, second, unmapped = Excerpt.objects.order_by("pk")
    assert sorted(each.name for each in first.domains.all()) == [
        "Environmental Context and Resources",
        "Knowledge",
    ]
    assert sorted(each.name for each in second.domains.all()) == ["Knowledge", "Social Influences"]
    assert not unmapped.domains.exists()


def test_valences_and_groups_are_matched_whatever_the_case(review, owner, studies):
    excerpts_import(
        review=review, actor=owner, data=csv_bytes([_row(studies[0], valence="FACILITATOR", group="patient")])
    )

    excerpt = Excerpt.objects.get()
    assert (excerpt.valence.name, excerpt.group.name) == ("Facilitator", "Patient")


def test_a_study_is_named_by_its_record_id_or_its_source_record_id(review, owner, reviewer, second_reviewer):
    first, second = studies_with_source_ids(
        review, owner, [reviewer, second_reviewer], ["EMB-0001", "EMB-0002"]
    )

    result = excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes([_row(first), _row(first, study="EMB-0002"), _row(first, study=" EMB-0001 ")]),
    )

    assert [each.record_id for each in Excerpt.objects.order_by("pk")] == [first.pk, second.pk, first.pk]
    assert (result.excerpts, result.studies) == (3, 2)


def test_rows_without_a_coder_are_the_reconciled_set_and_rows_with_one_are_that_coders(
    review, owner, reviewer, studies
):
    excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes([_row(studies[0]), _row(studies[1], coder="bob"), _row(studies[1], coder="bob")]),
    )

    reconciled, *bobs = Excerpt.objects.order_by("pk")
    assert (reconciled.coder, reconciled.is_final) == (None, True)
    assert [(each.coder, each.is_final) for each in bobs] == [(reviewer, False), (reviewer, False)]
    assert [each.coder for each in CodingAssignment.objects.all()] == [reviewer]
    assert CodingAssignment.objects.get().study.record == studies[1]


def test_an_unknown_account_as_coder_is_an_error(review, owner, studies):
    with pytest.raises(ExcerptImportInvalid) as refused:
        excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0], coder="nobody")]))
    assert refused.value.errors == [(2, "coder “nobody”: no such account")]


def test_codes_themes_and_sub_themes_are_made_once_and_linked(review, owner, studies):
    result = excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes(
            [
                _row(studies[0], theme="Workload", subtheme="Staffing", codes="Time pressure; Turnover"),
                _row(studies[1], theme="workload", subtheme="staffing", codes="time pressure"),
                _row(studies[2], theme="Workload"),
            ]
        ),
    )

    assert result.codes_created == 4
    first, second, third = Excerpt.objects.order_by("pk")
    assert sorted(each.name for each in first.codes.all()) == ["Time pressure", "Turnover"]
    assert list(second.codes.all()) == [code(review, "Time pressure")]
    assert list(third.codes.all()) == [code(review, "Workload")]
    assert code(review, "Time pressure").parent == code(review, "Staffing")


def test_a_quote_found_in_the_studys_text_is_anchored_there_and_one_not_found_stays_typed(
    review, owner, study
):
    passage = "Training in pain assessment helped nurses feel confident."

    result = excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes(
            [_row(study, quote=passage, page="9"), _row(study, quote="Not in the paper.", page="9")]
        ),
    )

    found, typed = Excerpt.objects.order_by("pk")
    assert (found.anchor, (found.start, found.end), found.page) == ("anchored", span(study, passage), 2)
    assert (typed.anchor, typed.start, typed.page) == ("typed", None, 9)
    assert result.anchored == 1
    assert AuditEvent.objects.get(action="coding.import").after["anchored"] == 1


def test_domains_named_in_two_frameworks_must_say_which(review, owner, studies):
    from coding.services.frameworks import framework_create

    framework_create(
        review=review,
        actor=owner,
        name="COM-B",
        rows=[("Knowledge", ""), ("Opportunity", "")],
        source="typed",
    )

    with pytest.raises(ExcerptImportInvalid, match="write it as “Framework: Domain”"):
        excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0], domains="Knowledge")]))
    excerpts_import(
        review=review,
        actor=owner,
        data=csv_bytes([_row(studies[0], domains="com-b: knowledge; TDF: Knowledge")]),
    )

    assert sorted(each.framework.name for each in Excerpt.objects.get().domains.all()) == [
        "COM-B",
        domain(review, "Knowledge").framework.name,
    ]


def test_a_coders_rows_are_refused_for_a_study_that_has_the_coders_it_needs(
    review, owner, reviewer, second_reviewer, studies
):
    from coding.services.excerpts import ExcerptInput, excerpt_save
    from reviews import services as review_services
    from tests.factories import UserFactory

    review_services.membership_add(
        actor=owner, review=review, user=UserFactory(username="erin"), roles={"reviewer"}
    )
    for coder in (reviewer, second_reviewer):
        excerpt_save(review=review, record=studies[0], actor=coder, data=ExcerptInput(quote="Coded by hand."))

    with pytest.raises(ExcerptImportInvalid) as refused:
        excerpts_import(
            review=review,
            actor=owner,
            data=csv_bytes(
                [
                    _row(studies[0], coder="bob"),
                    _row(studies[0], coder="erin"),
                    _row(studies[1], coder="bob"),
                    _row(studies[1], coder="carol"),
                    _row(studies[1], coder="erin"),
                ]
            ),
        )

    # Study 1 has Bob and Carol already; study 2 would get three coders from the file alone.
    assert [line for line, _ in refused.value.errors] == [3, 4, 5, 6]
    assert {message for _, message in refused.value.errors} == {"This study already has the coders it needs."}
    assert Excerpt.objects.count() == 2
    assert CodingAssignment.objects.count() == 2


def test_in_single_coding_a_second_coders_rows_are_refused_so_nothing_is_counted_twice(
    review, owner, reviewer, studies
):
    from coding.services.excerpts import coding_settings_update

    coding_settings_update(review=review, actor=owner, coders_per_study=1)
    excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0], coder="bob")]))

    with pytest.raises(ExcerptImportInvalid, match="line 2: This study already has the coders it needs"):
        excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0], coder="carol")]))
    assert [(each.coder, each.is_final) for each in Excerpt.objects.all()] == [(reviewer, True)]


def test_a_coders_rows_are_refused_for_a_study_the_lead_is_reconciling(
    review, owner, lead, reviewer, second_reviewer, studies
):
    from coding.services.excerpts import ExcerptInput, coding_mark_done, excerpt_save
    from coding.services.reconcile import coding_reconciliation_open

    for coder in (reviewer, second_reviewer):
        excerpt_save(review=review, record=studies[0], actor=coder, data=ExcerptInput(quote="Coded by hand."))
        coding_mark_done(review=review, record=studies[0], coder=coder)
    coding_reconciliation_open(review=review, record=studies[0], lead=lead)

    with pytest.raises(ExcerptImportInvalid, match="line 2: The lead is reconciling this study"):
        excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0], coder="bob")]))
    excerpts_import(review=review, actor=owner, data=csv_bytes([_row(studies[0])]))
    assert Excerpt.objects.filter(coder__isnull=True, is_final=True).count() == 1
