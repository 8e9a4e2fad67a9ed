"""The demo review ``make run`` sets up, carried through every stage so each page has something to show:
the imports (``reviews.demo``), both screening stages with a conflict for the lead, full texts, the
participant groups extraction adds up (HCPs and patients), relevance ranking with its stopping aid, and the
coding of a few studies by bob and carol, two of them reconciled by alice. Idempotent: each stage is set up
once, the first time."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from coding.models import CodingStudy, Excerpt, StudyText
from coding.selectors import study_label
from coding.services import excerpts as coding
from coding.services import reconcile
from coding.services.frameworks import coding_setup
from coding.services.texts import quote_find, study_text_read
from extraction.models import ParticipantGroup
from extraction.selectors import included_studies
from extraction.services import participant_group_create
from lib.simple_pdf import text_pdf
from reviews import demo as core_demo
from reviews.models import Record, Review
from screening.models import Decision, RankingSettings, Stage
from screening.services import full_text_upload, screening_decision_record
from screening.services.ranking import ranking_settings_update

DEMO_PASSWORD = core_demo.DEMO_PASSWORD
INCLUDED = 5  # studies included at full text
CODED = 3  # of which bob and carol code
RECONCILED = 2  # of which alice reconciles
# The people the demo's studies involve, named as the overview's sentence reads: "involving 307 HCPs and 76
# patients".
PARTICIPANT_GROUPS = ("HCPs", "patients")

# What the studies' participants said, by (valence, group, domain, theme, code): the demo's coded passages.
PASSAGES = [
    (
        "Barrier",
        "HCP",
        "Environmental Context and Resources",
        "Resources",
        "Time pressure",
        "There is simply no time in a ten-minute consultation to go through every medicine with the patient.",
    ),
    (
        "Barrier",
        "HCP",
        "Beliefs about Consequences",
        "Risk and responsibility",
        "Fear of harm",
        "I worry that if I stop something and the patient gets worse, it will be on me.",
    ),
    (
        "Facilitator",
        "HCP",
        "Social Influences",
        "Working together",
        "Pharmacist support",
        "Having the practice pharmacist review the list first made the conversation much easier.",
    ),
    (
        "Barrier",
        "Patient",
        "Emotion",
        "Risk and responsibility",
        "Anxiety about change",
        "I have taken these tablets for years and I was frightened of what would happen without them.",
    ),
    (
        "Facilitator",
        "Patient",
        "Knowledge",
        "Understanding",
        "Clear explanations",
        "Once the doctor explained why the tablet was no longer needed, I was happy to try without it.",
    ),
    (
        "Facilitator",
        "HCP",
        "Environmental Context and Resources",
        "Resources",
        "Protected time",
        "When the clinic protected an hour for medication reviews, we finally managed to do them properly.",
    ),
]


def _study_pages(record: Record) -> list[str]:
    quotes = [passage[-1] for passage in PASSAGES]
    return [
        f"{record.title}\n\nBackground. {record.abstract[:600] or 'Deprescribing in primary care is hard.'}\n\n"
        "Methods. Semi-structured interviews were held with health care professionals and patients, "
        "recorded, transcribed verbatim and analysed inductively.",
        "Results. Three themes were found.\n\n"
        + "\n\n".join(
            f"“{quote}” (participant {number})" for number, quote in enumerate(quotes[:3], start=1)
        ),
        "Results, continued.\n\n"
        + "\n\n".join(f"“{quote}” (participant {number})" for number, quote in enumerate(quotes[3:], start=4))
        + "\n\nDiscussion. Time, trust and clear explanations shaped what happened.",
    ]


def _screen(review: Review, people: dict, records: list[Record]) -> list[Record]:
    """bob and carol screen the first records: most included at both stages, a few excluded, one conflict."""
    bob, carol = people["bob"], people["carol"]
    for number, record in enumerate(records[:12]):
        include = number < INCLUDED + 2
        for reviewer, choice in (
            (bob, "include" if include else "exclude"),
            (carol, "include" if include else "exclude"),
        ):
            if number == 8 and reviewer == carol:
                choice = "include"  # a conflict for alice on the overview
            screening_decision_record(
                review=review, record=record, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT, choice=choice
            )
    at_full_text = records[: INCLUDED + 2]
    for number, record in enumerate(at_full_text):
        full_text_upload(
            review=review,
            record=record,
            actor=bob,
            uploaded=SimpleUploadedFile(f"study-{record.pk}.pdf", text_pdf(_study_pages(record))),
        )
        for reviewer in (bob, carol):
            if number < INCLUDED:
                screening_decision_record(
                    review=review, record=record, reviewer=reviewer, stage=Stage.FULL_TEXT, choice="include"
                )
            else:
                screening_decision_record(
                    review=review,
                    record=record,
                    reviewer=reviewer,
                    stage=Stage.FULL_TEXT,
                    choice="exclude",
                    reason="No barriers or facilitators reported",
                )
    return list(included_studies(review=review))


def _code(review: Review, study: Record, coder, passages) -> None:
    from coding.models import Domain, PerspectiveGroup, Valence

    pages = StudyText.objects.get(record=study).pages.all()
    text = "".join(page.text for page in pages)
    for valence, group, domain, theme, code, quote in passages:
        # Found as a coder would select it: the PDF may have broken the line inside the quote.
        start, end = quote_find(text, quote, None) or (None, None)
        data = coding.ExcerptInput(
            start=start,
            end=end,
            quote=quote,
            valence_id=Valence.objects.get(review=review, name=valence).pk,
            group_id=PerspectiveGroup.objects.get(review=review, name=group).pk,
            domain_ids=[Domain.objects.get(framework__review=review, name=domain).pk],
            new_code=code,
            new_code_theme=theme,
        )
        coding.excerpt_save(review=review, record=study, actor=coder, data=data)
    coding.coding_mark_done(review=review, record=study, coder=coder)


def _coding(review: Review, people: dict, studies: list[Record]) -> None:
    coding_setup(review=review)
    for study in studies:
        StudyText.objects.get_or_create(review=review, record=study)
        study_text_read(record_id=study.pk)
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    for number, study in enumerate(studies[:CODED]):
        # Each coder codes most passages; they differ on one each, so reconciliation has work to do.
        _code(review, study, bob, PASSAGES[: 5 + (number % 2)])
        _code(review, study, carol, PASSAGES[1:])
        if number < RECONCILED:
            reconcile.coding_reconciliation_open(review=review, record=study, lead=alice)
            for unit_excerpts in _units(study):
                keep = unit_excerpts[0]
                reconcile.coding_unit_reconcile(
                    review=review,
                    record=study,
                    lead=alice,
                    excerpt_ids=[e.pk for e in unit_excerpts],
                    action="merge" if len(unit_excerpts) == 2 else "accept",
                    keep_id=keep.pk,
                )
            reconcile.coding_reconciliation_finish(review=review, record=study, lead=alice)


def _units(study: Record) -> list[list[Excerpt]]:
    from coding.selectors import reconcile_units

    units, _, _ = reconcile_units(review=study.review, record=study)
    return [[each for each in (unit.first, unit.second) if each is not None] for unit in units]


@transaction.atomic
def demo_setup() -> Review:
    review = core_demo.demo_setup()
    people = {username: core_demo.demo_user(username) for username in core_demo.DEMO_PEOPLE}
    if not Decision.objects.filter(review=review).exists():
        records = list(
            Record.objects.filter(review=review, merged_into__isnull=True, is_removed=False).order_by("pk")
        )
        studies = _screen(review, people, records)
        _coding(review, people, studies)
    elif not CodingStudy.objects.filter(review=review).exists():
        _coding(review, people, list(included_studies(review=review)))
    if not ParticipantGroup.objects.filter(review=review).exists():
        for name in PARTICIPANT_GROUPS:
            participant_group_create(review=review, actor=people["alice"], name=name)
    if not RankingSettings.objects.filter(review=review).exists():
        # bob's and carol's queues ordered by relevance, and the stopping aid on the overview: their models
        # are trained by a job, as after any decision.
        ranking_settings_update(review=review, actor=people["alice"], is_enabled=True, recall_target=0.95)
    return review


def demo_summary(review: Review) -> str:
    studies = list(included_studies(review=review))
    coded = CodingStudy.objects.filter(review=review).count()
    return (
        f"{len(studies)} included studies ({', '.join(study_label(s) for s in studies[:5])}), {coded} coded"
    )
