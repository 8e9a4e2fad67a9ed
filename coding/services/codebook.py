"""The codebook, built as the team codes: themes → sub-themes → codes, made on the fly from the coding panel,
then renamed, described, moved, merged (their excerpts follow) and deleted when nothing uses them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from coding.models import Code, Excerpt
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record

CODE_NEEDS_NAME = "Give the code a name."
CODE_NAME_TAKEN = "“{name}” already exists there."
CODE_BAD_PARENT = "A {kind} cannot go under a {parent}."
CODE_NEEDS_THEME = "A sub-theme goes under a theme: choose its theme."
CODE_NOT_IN_REVIEW = "That code belongs to another review."
CODE_MERGE_KIND = "Merge a {kind} into another {kind}."
CODE_MERGE_ITSELF = "Choose another {kind} to merge into."
CODE_IN_USE = (
    "“{name}” still has {excerpts} excerpt(s) and {children} item(s) under it: merge or move them first."
)
CODE_UNDER_ITSELF = "“{name}” cannot go under itself or one of its own sub-themes."
COLOURS = 8

# Which kinds may hold which: a sub-theme sits in a theme, a code in either (or at the top, not yet placed).
ALLOWED_PARENTS = {
    Code.Kind.THEME: (None,),
    Code.Kind.SUBTHEME: (Code.Kind.THEME,),
    Code.Kind.CODE: (None, Code.Kind.THEME, Code.Kind.SUBTHEME),
}


def _snapshot(code: Code) -> dict:
    return {
        "kind": code.kind,
        "name": code.name,
        "parent": code.parent.name if code.parent_id else None,
        "description": code.description,
        "colour": code.colour,
    }


def _check_place(
    review: Review, kind: str, parent: Code | None, name: str, exclude: int | None = None
) -> None:
    if parent is not None and parent.review_id != review.pk:
        raise ReviewRuleError(CODE_NOT_IN_REVIEW)
    if parent is None and None not in ALLOWED_PARENTS[kind]:
        raise ReviewRuleError(CODE_NEEDS_THEME)
    if (parent.kind if parent else None) not in ALLOWED_PARENTS[kind]:
        raise ReviewRuleError(
            CODE_BAD_PARENT.format(
                kind=Code.Kind(kind).label.lower(), parent=parent.get_kind_display().lower()
            )
        )
    siblings = Code.objects.filter(review=review, parent=parent, kind=kind, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise ReviewRuleError(CODE_NAME_TAKEN.format(name=name))


@transaction.atomic
def code_create(
    *,
    review: Review,
    actor: AbstractBaseUser,
    kind: str,
    name: str,
    parent: Code | None = None,
    description: str = "",
) -> Code:
    name = name.strip()
    if not name:
        raise ReviewRuleError(CODE_NEEDS_NAME)
    _check_place(review, kind, parent, name)
    top = Code.objects.filter(review=review, parent=parent).aggregate(top=Max("position"))["top"] or 0
    themes = Code.objects.filter(review=review, kind=Code.Kind.THEME).count()
    code = Code.objects.create(
        review=review,
        kind=kind,
        parent=parent,
        name=name[:200],
        description=description.strip(),
        colour=(themes % COLOURS) + 1 if kind == Code.Kind.THEME else (parent.colour if parent else 1),
        position=top + 1,
        created_by=actor,
    )
    audit_record(actor=actor, review=review, action="coding.code_add", target=code, after=_snapshot(code))
    return code


def _find_or_create(review: Review, actor, kind: str, name: str, parent: Code | None) -> Code:
    found = Code.objects.filter(review=review, kind=kind, parent=parent, name__iexact=name.strip()).first()
    return found or code_create(review=review, actor=actor, kind=kind, name=name, parent=parent)


@transaction.atomic
def code_ensure(
    *, review: Review, actor: AbstractBaseUser, name: str = "", theme: str = "", subtheme: str = ""
) -> Code | None:
    """The codebook node a coder or an import names: the code (else the sub-theme, else the theme), made
    with whatever of its theme and sub-theme does not exist yet. A code named without a theme is the
    existing code of that name wherever it sits, or a new code not yet placed under a theme."""
    name, theme, subtheme = name.strip(), theme.strip(), subtheme.strip()
    parent = _find_or_create(review, actor, Code.Kind.THEME, theme, None) if theme else None
    if subtheme:
        if parent is None:
            raise ReviewRuleError(CODE_BAD_PARENT.format(kind="sub-theme", parent="nothing (name its theme)"))
        parent = _find_or_create(review, actor, Code.Kind.SUBTHEME, subtheme, parent)
    if not name:
        return parent
    if parent is None:
        anywhere = (
            Code.objects.filter(review=review, kind=Code.Kind.CODE, name__iexact=name).order_by("pk").first()
        )
        if anywhere is not None:
            return anywhere
    return _find_or_create(review, actor, Code.Kind.CODE, name, parent)


@transaction.atomic
def code_update(
    *,
    code: Code,
    actor: AbstractBaseUser,
    name: str | None = None,
    description: str | None = None,
    colour: int | None = None,
) -> Code:
    code = Code.objects.select_for_update().get(pk=code.pk)
    before = _snapshot(code)
    if name is not None:
        name = name.strip()
        if not name:
            raise ReviewRuleError(CODE_NEEDS_NAME)
        _check_place(code.review, code.kind, code.parent, name, exclude=code.pk)
        code.name = name[:200]
    if description is not None:
        code.description = description.strip()
    if colour is not None:
        code.colour = max(1, min(COLOURS, colour))
    code.save()
    if _snapshot(code) != before:
        audit_record(
            actor=actor,
            review=code.review,
            action="coding.code_change",
            target=code,
            before=before,
            after=_snapshot(code),
        )
    return code


@transaction.atomic
def code_move(*, code: Code, actor: AbstractBaseUser, parent: Code | None) -> Code:
    code = Code.objects.select_for_update().get(pk=code.pk)
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == code.pk:
            raise ReviewRuleError(CODE_UNDER_ITSELF.format(name=code.name))
        ancestor = ancestor.parent
    _check_place(code.review, code.kind, parent, code.name, exclude=code.pk)
    before = _snapshot(code)
    code.parent = parent
    top = Code.objects.filter(review=code.review, parent=parent).aggregate(top=Max("position"))["top"] or 0
    code.position = top + 1
    code.save(update_fields=["parent", "position"])
    audit_record(
        actor=actor,
        review=code.review,
        action="coding.code_move",
        target=code,
        before=before,
        after=_snapshot(code),
    )
    return code


@transaction.atomic
def code_merge(*, code: Code, actor: AbstractBaseUser, into: Code) -> Code:
    """Merge ``code`` into ``into``: its excerpts and the items under it follow; then it is gone."""
    code = Code.objects.select_for_update().get(pk=code.pk)
    into = Code.objects.select_for_update().get(pk=into.pk)
    kind = code.get_kind_display().lower()
    if into.review_id != code.review_id:
        raise ReviewRuleError(CODE_NOT_IN_REVIEW)
    if into.pk == code.pk:
        raise ReviewRuleError(CODE_MERGE_ITSELF.format(kind=kind))
    if into.kind != code.kind:
        raise ReviewRuleError(CODE_MERGE_KIND.format(kind=kind))
    links = Excerpt.codes.through.objects
    moved = list(links.filter(code=code).values_list("excerpt_id", flat=True))
    already = set(links.filter(code=into, excerpt_id__in=moved).values_list("excerpt_id", flat=True))
    links.bulk_create(
        links.model(excerpt_id=excerpt_id, code=into) for excerpt_id in moved if excerpt_id not in already
    )
    links.filter(code=code).delete()
    children = list(Code.objects.filter(parent=code))
    for child in children:
        twin = Code.objects.filter(parent=into, kind=child.kind, name__iexact=child.name).first()
        if twin is not None:
            code_merge(code=child, actor=actor, into=twin)
        else:
            child.parent = into
            child.save(update_fields=["parent"])
    audit_record(
        actor=actor,
        review=code.review,
        action="coding.code_merge",
        target=into,
        before=_snapshot(code),
        after={"into": into.name, "excerpts_moved": len(moved)},
    )
    code.delete()
    return into


@transaction.atomic
def code_delete(*, code: Code, actor: AbstractBaseUser) -> None:
    code = Code.objects.select_for_update().get(pk=code.pk)
    excerpts = code.excerpts.count()
    children = Code.objects.filter(parent=code).count()
    if excerpts or children:
        raise ReviewRuleError(CODE_IN_USE.format(name=code.name, excerpts=excerpts, children=children))
    audit_record(
        actor=actor, review=code.review, action="coding.code_delete", target=code, before=_snapshot(code)
    )
    code.delete()
