"""The demo review that ``make run`` sets up: idempotent, so running it twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from reviews import services
from reviews.models import ImportBatch, Membership, Review, Role
from reviews.services.imports import import_batch_create, import_batch_run

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_FILES = (("medline.nbib", "MEDLINE (Ovid)"), ("embase.ris", "Embase (Ovid)"))
DEMO_SLUG = "demo"
DEMO_PASSWORD = "tandem-demo-2026"
DEMO_PEOPLE = {
    "alice": {Role.OWNER, Role.LEAD},
    "bob": {Role.REVIEWER},
    "carol": {Role.REVIEWER},
}
DEMO_SETTINGS = {
    "question": "What are the barriers to and facilitators of the care studied, as reported by health care "
    "professionals (HCPs) and patients, mapped to the Theoretical Domains Framework?",
    "protocol_registration": "https://doi.org/10.17605/OSF.IO/EXAMPLE",
    "population": "Health care professionals and adult patients",
    "concept": "Barriers and facilitators, mapped to the 14 TDF domains",
    "context": "Any health care setting",
    "inclusion_criteria": [
        "Primary qualitative or mixed-methods study",
        "Reports barriers or facilitators from HCPs or patients",
        "Published in English",
    ],
    "exclusion_criteria": ["Reviews, editorials, letters", "No qualitative data", "Conference abstract only"],
    "fulltext_exclusion_reasons": [
        "Wrong study design",
        "Wrong population",
        "No barriers or facilitators reported",
        "Conference abstract only",
        "Full text not in English",
    ],
    "include_keywords": ["barrier*", "facilitat*", "qualitative", "interview*", "focus group*"],
    "exclude_keywords": ["randomi*", "trial", "rat", "mice", "in vitro"],
}


def demo_user(username: str):
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_setup() -> Review:
    users = {username: demo_user(username) for username in DEMO_PEOPLE}
    review = Review.objects.filter(slug=DEMO_SLUG).first()
    if review is None:
        review = services.review_create(
            actor=users["alice"],
            owner=users["alice"],
            owner_roles=tuple(DEMO_PEOPLE["alice"]),
            slug=DEMO_SLUG,
            title="Demo: barriers and facilitators mapped to the TDF",
            review_type=Review.ReviewType.SCOPING,
            **DEMO_SETTINGS,
        )
    for username, roles in DEMO_PEOPLE.items():
        membership = Membership.objects.filter(review=review, user=users[username]).first()
        if membership is None:
            services.membership_add(
                actor=users["alice"], review=review, user=users[username], roles=set(roles)
            )
    _demo_imports(review, users["alice"])
    return review


def _demo_imports(review: Review, owner) -> None:
    if ImportBatch.objects.filter(review=review).exists():
        return
    for filename, database in DEMO_FILES:
        upload = SimpleUploadedFile(filename, (DEMO_DATA / filename).read_bytes())
        batch = import_batch_create(
            actor=owner, review=review, uploaded=upload, source_name=database, enqueue=False
        )
        import_batch_run(batch_id=batch.pk)
