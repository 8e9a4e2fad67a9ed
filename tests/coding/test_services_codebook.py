"""The codebook: themes, sub-themes and codes made on the fly, reused, moved, merged and deleted."""

from __future__ import annotations

import pytest

from coding.models import Code, Excerpt
from coding.services.codebook import code_create, code_delete, code_ensure, code_merge, code_move
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from tests.coding.helpers import code_excerpt

THEME, SUBTHEME, CODE = Code.Kind.THEME, Code.Kind.SUBTHEME, Code.Kind.CODE


def _tree(review) -> list[tuple[str, str, str | None]]:
    return sorted(
        (code.kind, code.name, code.parent.name if code.parent else None)
        for code in Code.objects.filter(review=review).select_related("parent")
    )


def test_ensuring_a_code_makes_its_theme_and_sub_theme_as_needed(review, owner, studies):
    code = code_ensure(
        review=review, actor=owner, name="Time pressure", theme="Workload", subtheme="Staffing"
    )

    assert (code.kind, code.parent.kind, code.parent.parent.kind) == (CODE, SUBTHEME, THEME)
    assert _tree(review) == [
        (CODE, "Time pressure", "Staffing"),
        (SUBTHEME, "Staffing", "Workload"),
        (THEME, "Workload", None),
    ]
    assert AuditEvent.objects.filter(action="coding.code_add").count() == 3


def test_ensuring_a_code_again_reuses_what_exists_whatever_the_case(review, owner, studies):
    first = code_ensure(
        review=review, actor=owner, name="Time pressure", theme="Workload", subtheme="Staffing"
    )

    again = code_ensure(
        review=review, actor=owner, name=" TIME pressure", theme="workload ", subtheme="STAFFING"
    )
    theme = code_ensure(review=review, actor=owner, theme="WorkLoad")
    subtheme = code_ensure(review=review, actor=owner, theme="workload", subtheme="staffing")
    by_name_alone = code_ensure(review=review, actor=owner, name="time Pressure")

    assert again == by_name_alone == first
    assert (theme, subtheme) == (first.parent.parent, first.parent)
    assert Code.objects.filter(review=review).count() == 3


def test_a_code_named_without_a_theme_that_does_not_exist_yet_is_made_loose(review, owner, studies):
    code = code_ensure(review=review, actor=owner, name="Cost")

    assert (code.kind, code.parent) == (CODE, None)
    assert code_ensure(review=review, actor=owner) is None


def test_a_sub_theme_needs_a_theme(review, owner, studies):
    with pytest.raises(ReviewRuleError, match="sub-theme"):
        code_ensure(review=review, actor=owner, name="Time pressure", subtheme="Staffing")
    with pytest.raises(ReviewRuleError, match="sub-theme"):
        code_create(review=review, actor=owner, kind=SUBTHEME, name="Staffing")
    theme = code_create(review=review, actor=owner, kind=THEME, name="Workload")
    subtheme = code_create(review=review, actor=owner, kind=SUBTHEME, name="Staffing", parent=theme)
    with pytest.raises(ReviewRuleError, match="sub-theme"):
        code_move(code=subtheme, actor=owner, parent=None)
    assert _tree(review) == [(SUBTHEME, "Staffing", "Workload"), (THEME, "Workload", None)]


def test_a_theme_stays_at_the_top_and_a_name_is_not_taken_twice_in_one_place(review, owner, studies):
    theme = code_create(review=review, actor=owner, kind=THEME, name="Workload")
    with pytest.raises(ReviewRuleError, match="theme cannot go under a theme"):
        code_create(review=review, actor=owner, kind=THEME, name="Nested", parent=theme)
    with pytest.raises(ReviewRuleError, match="already exists"):
        code_create(review=review, actor=owner, kind=THEME, name="workload")


def test_merging_codes_moves_their_excerpts_without_linking_one_twice(review, reviewer, study):
    gone = code_ensure(review=review, actor=reviewer, name="Lack of time", theme="Workload")
    into = code_ensure(review=review, actor=reviewer, name="Time pressure", theme="Workload")
    only_gone = code_excerpt(review, study, reviewer, quote="No time to assess pain.", codes=(gone,))
    both = code_excerpt(review, study, reviewer, quote="Too busy, never enough time.", codes=(gone, into))
    only_into = code_excerpt(review, study, reviewer, quote="Rushed visits.", codes=(into,))

    result = code_merge(code=gone, actor=reviewer, into=into)

    assert result == into
    assert not Code.objects.filter(pk=gone.pk).exists()
    for excerpt in (only_gone, both, only_into):
        assert list(excerpt.codes.all()) == [into]
    assert Excerpt.codes.through.objects.filter(code=into).count() == 3
    event = AuditEvent.objects.get(action="coding.code_merge")
    assert event.after == {"into": "Time pressure", "excerpts_moved": 2}


def test_merging_themes_moves_their_children_and_merges_children_of_the_same_name(
    review, owner, reviewer, study
):
    staff = code_ensure(review=review, actor=owner, name="Too few nurses", theme="Staff", subtheme="Staffing")
    code_ensure(review=review, actor=owner, name="Time pressure", theme="Staff")
    kept_staffing = code_ensure(
        review=review, actor=owner, name="Turnover", theme="Workload", subtheme="staffing"
    )
    excerpt = code_excerpt(review, study, reviewer, quote="We are always short of nurses.", codes=(staff,))
    workload = kept_staffing.parent.parent

    code_merge(code=staff.parent.parent, actor=owner, into=workload)

    assert _tree(review) == [
        (CODE, "Time pressure", "Workload"),
        (CODE, "Too few nurses", "staffing"),
        (CODE, "Turnover", "staffing"),
        (SUBTHEME, "staffing", "Workload"),
        (THEME, "Workload", None),
    ]
    staff.refresh_from_db()
    assert staff.parent == kept_staffing.parent
    assert list(excerpt.codes.all()) == [staff]


def test_only_codes_of_one_kind_merge_and_never_into_themselves(review, owner, studies):
    code = code_ensure(review=review, actor=owner, name="Time pressure", theme="Workload")
    with pytest.raises(ReviewRuleError, match="Merge a code into another code"):
        code_merge(code=code, actor=owner, into=code.parent)
    with pytest.raises(ReviewRuleError, match="Choose another code"):
        code_merge(code=code, actor=owner, into=code)


def test_a_code_with_excerpts_or_children_cannot_be_deleted(review, owner, reviewer, study):
    code = code_ensure(review=review, actor=owner, name="Time pressure", theme="Workload")
    excerpt = code_excerpt(review, study, reviewer, quote="No time.", codes=(code,))

    with pytest.raises(ReviewRuleError, match="1 excerpt\\(s\\) and 0 item\\(s\\)"):
        code_delete(code=code, actor=owner)
    with pytest.raises(ReviewRuleError, match="0 excerpt\\(s\\) and 1 item\\(s\\)"):
        code_delete(code=code.parent, actor=owner)

    code_excerpt(review, study, reviewer, excerpt=excerpt, quote="No time.", codes=())
    code_delete(code=code, actor=owner)
    code_delete(code=code.parent, actor=owner)
    assert not Code.objects.filter(review=review).exists()
    assert AuditEvent.objects.filter(action="coding.code_delete").count() == 2


def test_a_theme_cannot_go_under_its_own_sub_theme(review, owner, studies):
    code = code_ensure(
        review=review, actor=owner, name="Time pressure", theme="Workload", subtheme="Staffing"
    )
    subtheme, theme = code.parent, code.parent.parent

    with pytest.raises(ReviewRuleError, match="cannot go under itself"):
        code_move(code=theme, actor=owner, parent=subtheme)
    with pytest.raises(ReviewRuleError, match="cannot go under itself"):
        code_move(code=subtheme, actor=owner, parent=subtheme)
    assert _tree(review)[1:] == [(SUBTHEME, "Staffing", "Workload"), (THEME, "Workload", None)]


def test_a_code_moves_to_another_theme_at_the_end_of_it(review, owner, studies):
    code = code_ensure(review=review, actor=owner, name="Time pressure", theme="Workload")
    other = code_ensure(review=review, actor=owner, name="Cost", theme="Resources")

    moved = code_move(code=code, actor=owner, parent=other.parent)

    assert (moved.parent, moved.position) == (other.parent, other.position + 1)
    assert AuditEvent.objects.get(action="coding.code_move").before["parent"] == "Workload"
