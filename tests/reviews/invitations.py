"""Inviting people in tests, through the real service, with the link the mail carried."""

from __future__ import annotations

import re

from django.core import mail

SITE_URL = "http://testserver/"


def invite(review, owner, invitee: str, roles=("reviewer",)):
    from reviews.services.invitations import invitation_create

    return invitation_create(actor=owner, review=review, invitee=invitee, roles=set(roles), site_url=SITE_URL)


def link_in_last_mail(to: str) -> str:
    """The invitation's path from the last mail sent to ``to``."""
    sent = [message for message in mail.outbox if to in message.to]
    assert sent, f"no mail to {to}"
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", sent[-1].body)
    assert match, sent[-1].body
    return match.group(1)
