"""The one guard every review-scoped view goes through.

A person who is not a member of a review gets 404 for anything in it, so that a URL does not even
confirm that the review exists. A member without the role a view needs gets 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from reviews.blinding import sees_unsettled
from reviews.models import Membership, Review, Role
from reviews.security import log_denied
from reviews.selectors import membership_get


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class ReviewAccess:
    review: Review
    membership: Membership

    @property
    def user(self):
        return self.membership.user

    @property
    def is_owner(self) -> bool:
        return self.membership.is_owner

    @property
    def is_lead(self) -> bool:
        return self.membership.is_lead

    @property
    def is_reviewer(self) -> bool:
        return self.membership.is_reviewer

    @property
    def may_decide(self) -> bool:
        return self.membership.may_decide

    @property
    def sees_unsettled(self) -> bool:
        """Sees other people's unsettled work at every stage (``reviews.blinding`` has the rule)."""
        return sees_unsettled(self.membership)

    def has_any(self, roles: tuple[str, ...]) -> bool:
        return any(self.membership.has_role(role) for role in roles)


def review_access_get(request: HttpRequest, slug: str, roles: tuple[str, ...] = ()) -> ReviewAccess:
    membership = membership_get(user=request.user, slug=slug) if request.user.is_authenticated else None
    if membership is None:
        log_denied(request, f"not a member of review {slug!r}")
        raise Http404("No such review.")
    access = ReviewAccess(review=membership.review, membership=membership)
    if roles and not access.has_any(roles):
        log_denied(request, f"needs role {'/'.join(roles)} in review {slug!r}")
        raise PermissionDenied(f"This needs the {' or '.join(roles)} role in this review.")
    return access


def review_member_required(*roles: str) -> Callable:
    """Decorate a view taking ``(request, access, **kwargs)``; the URL must carry ``slug``.

    With roles given, the member needs at least one of them.
    """
    for role in roles:
        Role(role)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, slug: str, **kwargs) -> HttpResponse:
            access = review_access_get(request, slug, roles)
            return view(request, access, **kwargs)

        wrapper.review_roles = roles  # read by the URL sweep tests
        return wrapper

    return decorator


def may_create_reviews(user) -> bool:
    """REVIEW_CREATORS: "anyone" with an account, or "staff" (site administrators) only."""
    return user.is_authenticated and (settings.REVIEW_CREATORS == "anyone" or user.is_staff)


def site_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the site administration pages: staff only (others get 403, logged)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            forbid(request, "site administration is for staff")
        return view(request, **kwargs)

    return wrapper


def forbid(request: HttpRequest, message: str) -> None:
    """Refuse a member a write their roles do not allow (for views open to all members on GET)."""
    log_denied(request, message)
    raise PermissionDenied(message)
