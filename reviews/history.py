"""The History page in words: what each audit action means, and which record an entry is about.

Each stage registers the labels of its own actions when its app starts (``history_labels_register``), as it
registers the actions it blinds; an action nobody labelled reads as its code with the dots and underscores
turned into words.
"""

from __future__ import annotations

from typing import Any

_labels: dict[str, str] = {
    "review.create": "created the review",
    "review.update_settings": "changed the review's settings",
    "review.restore": "restored the review from an archive",
    "membership.add": "added a member",
    "membership.change_roles": "changed a member's roles",
    "membership.remove": "removed a member",
    "membership.leave": "left the review",
    "invitation.create": "invited someone",
    "invitation.resend": "sent an invitation again",
    "invitation.revoke": "withdrew an invitation",
    "invitation.accept": "accepted an invitation",
    "account.sign_up": "created an account from an invitation",
    "import.upload": "uploaded a search export",
    "import.done": "imported a search export",
    "import.fail": "import failed",
    "import.retry": "tried an import again",
    "import.delete": "deleted an imported file and its records",
    "records.merge": "merged records as one study",
    "records.unmerge": "undid a merge",
    "merge": "merged duplicates",
    "duplicates.same": "marked a possible duplicate as the same study",
    "duplicates.different": "marked a possible duplicate as different studies",
    "record.edit": "edited a record",
    "record.remove": "removed a record",
    "record.restore": "restored a record",
    "admin.add": "added (site administration)",
    "admin.change": "changed (site administration)",
    "admin.delete": "deleted (site administration)",
}


def history_labels_register(labels: dict[str, str]) -> None:
    _labels.update(labels)


def history_label(action: str) -> str:
    return _labels.get(action) or action.replace(".", ": ").replace("_", " ")


def history_record_id(event: Any) -> int | None:
    """The record an entry is about: named in its before or after values, or the entry's own object."""
    for values in (event.after, event.before):
        if isinstance(values, dict) and str(values.get("record", "")).isdigit():
            return int(values["record"])
    if event.object_type == "reviews.record" and str(event.object_id).isdigit():
        return int(event.object_id)
    return None
