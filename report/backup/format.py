"""What a review archive is: its name, version and manifest, and the checks an archive must pass to be read."""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass

FORMAT_NAME = "tandem-review-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
USERS = "users"  # the people the review's rows name, by username
HASH_BLOCK = 1024 * 1024

ARCHIVE_NOT_A_ZIP = "This file is not a Tandem review archive: it is not a zip file."
ARCHIVE_NO_MANIFEST = "This zip is not a Tandem review archive: it has no manifest.json."
ARCHIVE_BAD_MANIFEST = "manifest.json is damaged: {problem}."
ARCHIVE_FOREIGN = "This zip is not a Tandem review archive (its manifest names the format {name!r})."
ARCHIVE_VERSION = "This archive is version {version!r}; this Tandem reads version {supported}."
ARCHIVE_MEMBER_MISSING = "The archive is incomplete: {member} is missing."
ARCHIVE_MEMBER_DAMAGED = (
    "The archive is damaged: {member} does not match its SHA-256 and size in the manifest."
)
ARCHIVE_MEMBER_UNREADABLE = "The archive is damaged: {member} cannot be read ({problem})."


class ArchiveError(Exception):
    """An archive that cannot be written or read; the message names the member (and line) at fault."""


def table_member(label: str) -> str:
    return f"tables/{label}.jsonl"


def file_member(label: str, local_id: int) -> str:
    return f"files/{label}/{local_id}"


@dataclass(frozen=True)
class Manifest:
    review_slug: str
    review_title: str
    counts: dict[str, int]  # table label -> rows
    members: dict[str, dict]  # member name -> {"sha256", "bytes"}

    def as_json(self, created_at: str) -> bytes:
        document = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "created_at": created_at,
            "review": {"slug": self.review_slug, "title": self.review_title},
            "counts": self.counts,
            "members": self.members,
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode()


def manifest_read(
    archive: zipfile.ZipFile, labels: list[str], added_later: frozenset[str] = frozenset()
) -> Manifest:
    """The manifest, checked: our format and version, a count and member for every table, every member there.
    A table in ``added_later`` that an older archive does not list counts as empty."""
    document = _document_read(archive)
    counts, members, review = document.get("counts"), document.get("members"), document.get("review")
    if not isinstance(counts, dict) or not isinstance(members, dict) or not isinstance(review, dict):
        raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem="counts, members or review missing"))
    _members_check(archive, members)
    for label in labels:
        member = table_member(label)
        if label in added_later and member not in members and label not in counts:
            counts[label] = 0
            continue
        if member not in members:
            raise ArchiveError(ARCHIVE_MEMBER_MISSING.format(member=member))
        if not isinstance(counts.get(label), int) or counts[label] < 0:
            raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem=f"no row count for {member}"))
        # A row takes a line of at least three bytes: a larger count is not to be believed (ids are taken
        # for the counted rows before they are read).
        if counts[label] * 3 > members[member]["bytes"]:
            raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem=f"more rows counted than {member} holds"))
    return Manifest(
        review_slug=str(review.get("slug", "")),
        review_title=str(review.get("title", "")),
        counts=counts,
        members=members,
    )


def _document_read(archive: zipfile.ZipFile) -> dict:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise ArchiveError(ARCHIVE_NO_MANIFEST) from None
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem=f"not valid JSON ({error})")) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        name = document.get("format") if isinstance(document, dict) else None
        raise ArchiveError(ARCHIVE_FOREIGN.format(name=name))
    if document.get("version") != FORMAT_VERSION:
        raise ArchiveError(ARCHIVE_VERSION.format(version=document.get("version"), supported=FORMAT_VERSION))
    return document


def _members_check(archive: zipfile.ZipFile, members: dict) -> None:
    present = set(archive.namelist())
    for member, entry in members.items():
        if member not in present:
            raise ArchiveError(ARCHIVE_MEMBER_MISSING.format(member=member))
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem=f"no SHA-256 for {member}"))
        if not isinstance(entry.get("bytes"), int):
            raise ArchiveError(ARCHIVE_BAD_MANIFEST.format(problem=f"no size for {member}"))


def members_verify(archive: zipfile.ZipFile, manifest: Manifest) -> None:
    """Read every member once and compare its SHA-256 and size with the manifest's, before anything is
    written."""
    for member, entry in manifest.members.items():
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(member) as stream:
                while block := stream.read(HASH_BLOCK):
                    digest.update(block)
                    size += len(block)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise ArchiveError(ARCHIVE_MEMBER_UNREADABLE.format(member=member, problem=error)) from None
        if digest.hexdigest() != entry["sha256"] or size != entry["bytes"]:
            raise ArchiveError(ARCHIVE_MEMBER_DAMAGED.format(member=member))
