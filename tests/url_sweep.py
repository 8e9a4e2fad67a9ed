"""Every URL pattern of the project, with arguments pointing at objects of one review.

Sweep tests iterate ``review_urls(review)``; a pattern with an argument they cannot fill fails
loudly, so a new view cannot slip past the sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Namespaces guarded by something other than review membership.
SKIPPED_NAMESPACES = {"admin"}

# How to find, inside a review, an object for each URL argument name.
SWEEP_ARGUMENTS: dict[str, Callable] = {}


def sweep_argument(name: str):
    def register(finder: Callable) -> Callable:
        SWEEP_ARGUMENTS[name] = finder
        return finder

    return register


@sweep_argument("slug")
def _slug(review):
    return review.slug


@sweep_argument("stage_slug")
def _stage_slug(review):
    return "title-abstract"


@sweep_argument("membership_id")
def _membership_id(review):
    return review.memberships.order_by("pk").first().pk


@sweep_argument("invitation_id")
def _invitation_id(review):
    return review.invitations.order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("token")
def _token(review):
    """The link of the review's first waiting invitation (or one that is no invitation at all)."""
    from reviews.services.invitations import invitation_token

    invitation = review.invitations.filter(status="pending").order_by("pk").first()
    return invitation_token(invitation) if invitation is not None else "not-an-invitation"


@sweep_argument("user_id")
def _user_id(review):
    return review.memberships.order_by("pk").values_list("user_id", flat=True).first()


@sweep_argument("uidb64")
def _uidb64(review):
    return "MQ"


def _first_pk(queryset, what: str) -> int:
    pk = queryset.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        raise AssertionError(f"the swept review has no {what}; populate it in the sweep's fixture")
    return pk


@sweep_argument("batch_id")
def _batch_id(review):
    return _first_pk(review.import_batches.all(), "import batch")


@sweep_argument("record_id")
def _record_id(review):
    return _first_pk(review.records.filter(merged_into__isnull=True), "record")


@sweep_argument("merge_id")
def _merge_id(review):
    return _first_pk(review.merges.all(), "merge")


@sweep_argument("pair_id")
def _pair_id(review):
    return _first_pk(review.duplicate_pairs.all(), "possible duplicate pair")


# Extraction: a review without a form yet gets a number that matches nothing (the view's 404 is swept).
@sweep_argument("section_id")
def _section_id(review):
    from extraction.models import FormSection

    return FormSection.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("field_id")
def _field_id(review):
    from extraction.models import FormField

    return FormField.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("fmt")
def _fmt(review):
    return "csv"


# Coding: the first of each in the review, or a number that matches nothing (the view's 404 is swept).
@sweep_argument("excerpt_id")
def _excerpt_id(review):
    from coding.models import Excerpt

    return Excerpt.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("code_id")
def _code_id(review):
    from coding.models import Code

    return Code.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("label_id")
def _label_id(review):
    from coding.models import Valence

    return Valence.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first() or 0


@sweep_argument("kind")
def _kind(review):
    return "valence"


@sweep_argument("which")
def _which(review):
    return "records"


@sweep_argument("table_name")
def _table_name(review):
    return "domains"


@dataclass(frozen=True)
class SweptUrl:
    name: str
    url: str
    is_review_scoped: bool


def _walk(patterns, namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in SKIPPED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise AssertionError(f"URL pattern {entry.pattern} has no name; every view needs one")
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def review_urls(review) -> list[SweptUrl]:
    swept = []
    for name, pattern in _walk(get_resolver().url_patterns):
        argument_names = list(getattr(pattern.pattern, "converters", {}).keys())
        missing = [arg for arg in argument_names if arg not in SWEEP_ARGUMENTS]
        if missing:
            raise AssertionError(f"{name}: add a finder for {missing} to tests/url_sweep.py")
        kwargs = {arg: SWEEP_ARGUMENTS[arg](review) for arg in argument_names}
        swept.append(SweptUrl(name=name, url=reverse(name, kwargs=kwargs), is_review_scoped="slug" in kwargs))
    return swept


def response_text(response) -> str:
    """The body of any response, streamed (exports, files) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")
