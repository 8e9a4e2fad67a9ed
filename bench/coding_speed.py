"""Qualitative coding at scale on PostgreSQL: 10,000 reconciled excerpts over 100 included studies.

Targets (issue: coding): the synthesis pages <= 200 ms server time with 10,000 excerpts over 100 studies;
saving an excerpt <= 50 ms p95; the reading pane of a 40-page PDF <= 300 ms once its text is extracted.

The review is dual-coded. 100 studies are reconciled: their texts (about 3,000 characters a page, wrapped
as a PDF's text layer is), the lead's final set of 10,000 excerpts and both coders' own excerpts behind it
are written straight into the tables with COPY. Five more studies are being coded: their PDFs are made
with ``lib.simple_pdf``, uploaded and read by the job the reading pane queues, and bob has coded the first
part of each. The quotes are participants' words of 100-500 characters, coded with a codebook of 6 themes,
12 sub-themes and 60 codes, mapped to the 14 TDF domains, with valence and group in the proportions such a
review reports. The requests go through the real views, services and templates (Django's test client).
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import sys
import textwrap
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SLUG = "bench"
RECORDS = 3_000  # screened; 500 reach full text, 105 are included
FULL_TEXT_RECORDS = 500
RECONCILED_STUDIES = 100
FINAL_EXCERPTS = 10_000
PDF_PAGES = 40
PANE_EXCERPTS = 100  # bob's own excerpts in the 40-page study when its reading pane is timed
IN_PROGRESS_PAGES = (PDF_PAGES, 14, 18, 22, 28)  # the studies being coded; the first is the one timed
SAVES_PER_STUDY = 40
PAGE_REQUESTS = 12
PANE_REQUESTS = 20
PAGE_CHARACTERS = 3_000
LINE_CHARACTERS = 95  # as lib.simple_pdf wraps its lines
TARGET_SYNTHESIS_MS = 200
TARGET_SAVE_P95_MS = 50
TARGET_PANE_MS = 300

# --- What the studies say ---------------------------------------------------------------------------

KNOW, SKILL, ROLE, CAP = (
    "Knowledge",
    "Skills",
    "Social/Professional Role and Identity",
    "Beliefs about Capabilities",
)
OPT, CONS, REIN, INT = "Optimism", "Beliefs about Consequences", "Reinforcement", "Intentions"
GOAL, MEM = "Goals", "Memory, Attention and Decision Processes"
ENV, SOC, EMO, REG = (
    "Environmental Context and Resources",
    "Social Influences",
    "Emotion",
    "Behavioural Regulation",
)


@dataclass(frozen=True)
class CodeSpec:
    name: str
    domains: tuple[str, ...]  # the usual domain first, then one it is sometimes mapped to
    lean: str  # B: mostly barriers, F: mostly facilitators, M: either
    who: str  # H: said mostly by professionals, P: by patients, A: by anyone
    theme: int = 0
    subtheme: str = ""


# Theme -> sub-themes -> codes: a deprescribing review's codebook.
CODEBOOK = (
    (
        "Time and resources",
        (
            (
                "Workload and time",
                (
                    CodeSpec("Short consultations", (ENV,), "B", "A"),
                    CodeSpec("Competing priorities", (ENV, GOAL), "B", "H"),
                    CodeSpec("Administrative burden", (ENV,), "B", "H"),
                    CodeSpec("Staff shortages", (ENV,), "B", "H"),
                    CodeSpec("Protected time for reviews", (ENV, REG), "F", "H"),
                ),
            ),
            (
                "Tools and systems",
                (
                    CodeSpec("Electronic alerts", (MEM, ENV), "M", "H"),
                    CodeSpec("Deprescribing guidelines", (KNOW, ENV), "F", "H"),
                    CodeSpec("Medication review templates", (REG, MEM), "F", "H"),
                    CodeSpec("Access to records", (ENV,), "M", "H"),
                    CodeSpec("Pharmacist-led clinics", (ENV, ROLE), "F", "A"),
                ),
            ),
        ),
    ),
    (
        "Knowledge and evidence",
        (
            (
                "Evidence gaps",
                (
                    CodeSpec("Lack of evidence in older adults", (KNOW, CONS), "B", "H"),
                    CodeSpec("Uncertain benefit", (CONS, KNOW), "B", "H"),
                    CodeSpec("Guidelines focused on starting", (KNOW,), "B", "H"),
                    CodeSpec("Conflicting advice", (SOC, KNOW), "B", "A"),
                    CodeSpec("Single-disease guidelines", (KNOW, ENV), "B", "H"),
                ),
            ),
            (
                "Training and confidence",
                (
                    CodeSpec("Training in deprescribing", (SKILL, KNOW), "F", "H"),
                    CodeSpec("Confidence in tapering", (CAP, SKILL), "M", "H"),
                    CodeSpec("Knowing withdrawal effects", (KNOW, CAP), "M", "A"),
                    CodeSpec("Learning from colleagues", (SOC, SKILL), "F", "H"),
                    CodeSpec("Not knowing what a medicine is for", (KNOW,), "B", "P"),
                ),
            ),
        ),
    ),
    (
        "Risk and responsibility",
        (
            (
                "Fear of harm",
                (
                    CodeSpec("Fear of withdrawal symptoms", (CONS, EMO), "B", "A"),
                    CodeSpec("Fear of relapse", (CONS, EMO), "B", "P"),
                    CodeSpec("Medico-legal worries", (CONS, EMO), "B", "H"),
                    CodeSpec("Blame if things go wrong", (EMO, CONS), "B", "H"),
                    CodeSpec("Safety netting", (CONS, REG), "F", "A"),
                ),
            ),
            (
                "Shared responsibility",
                (
                    CodeSpec("Unclear ownership of prescribing", (ROLE,), "B", "H"),
                    CodeSpec("Specialists' prescriptions", (ROLE, SOC), "B", "H"),
                    CodeSpec("Prescribing inertia", (MEM, REG), "B", "H"),
                    CodeSpec("Continuity of care", (ENV, SOC), "F", "A"),
                    CodeSpec("Documenting the decision", (REG, MEM), "F", "H"),
                ),
            ),
        ),
    ),
    (
        "Relationships and communication",
        (
            (
                "Trust between patient and clinician",
                (
                    CodeSpec("Trust in the GP", (SOC,), "F", "P"),
                    CodeSpec("Long-standing relationship", (SOC, ENV), "M", "A"),
                    CodeSpec("Fear of damaging the relationship", (EMO, CONS), "B", "H"),
                    CodeSpec("Feeling abandoned", (EMO,), "B", "P"),
                    CodeSpec("Being listened to", (SOC, EMO), "F", "P"),
                ),
            ),
            (
                "Team working",
                (
                    CodeSpec("Pharmacist support", (SOC, ROLE), "F", "A"),
                    CodeSpec("Nurse involvement", (ROLE, SOC), "F", "H"),
                    CodeSpec("Communication across settings", (ENV, SOC), "B", "H"),
                    CodeSpec("Interprofessional respect", (ROLE,), "M", "H"),
                    CodeSpec("Care home staff input", (SOC, ENV), "M", "A"),
                ),
            ),
        ),
    ),
    (
        "Patients' beliefs and experiences",
        (
            (
                "Attachment to medicines",
                (
                    CodeSpec("Medicines as lifelines", (CONS, EMO), "B", "P"),
                    CodeSpec("Habit and routine", (REG, MEM), "B", "P"),
                    CodeSpec("Belief that medicines prevent decline", (CONS,), "B", "P"),
                    CodeSpec("Previous bad experience of stopping", (EMO, REIN), "B", "P"),
                    CodeSpec("Family expectations", (SOC,), "B", "A"),
                ),
            ),
            (
                "Understanding and involvement",
                (
                    CodeSpec("Clear explanations", (KNOW, SOC), "F", "P"),
                    CodeSpec("Shared decision-making", (ROLE, SKILL), "F", "A"),
                    CodeSpec("Written information", (KNOW, ENV), "F", "P"),
                    CodeSpec("Involving carers", (SOC,), "F", "A"),
                    CodeSpec("Complex tapering regimens", (CAP, MEM), "B", "P"),
                ),
            ),
        ),
    ),
    (
        "Goals and priorities",
        (
            (
                "Quality of life",
                (
                    CodeSpec("Reducing pill burden", (GOAL,), "F", "P"),
                    CodeSpec("Side effects", (CONS,), "F", "P"),
                    CodeSpec("Prioritising what matters", (GOAL, INT), "F", "A"),
                    CodeSpec("Talking about life expectancy", (CONS, EMO), "B", "H"),
                    CodeSpec("Staying independent", (GOAL,), "F", "P"),
                ),
            ),
            (
                "Motivation to change",
                (
                    CodeSpec("Professional satisfaction", (REIN, OPT), "F", "H"),
                    CodeSpec("Incentives and targets", (REIN,), "M", "H"),
                    CodeSpec("Patient requests", (INT, SOC), "F", "A"),
                    CodeSpec("Trial withdrawal", (INT, OPT), "F", "A"),
                    CodeSpec("Monitoring after stopping", (REG,), "F", "H"),
                ),
            ),
        ),
    ),
)
CODES = [
    CodeSpec(code.name, code.domains, code.lean, code.who, theme, subtheme)
    for theme, (_, subthemes) in enumerate(CODEBOOK)
    for subtheme, codes in subthemes
    for code in codes
]

# What participants said, by theme, valence (B/F) and speaker (H: professional, P: patient).
SAYINGS = {
    (0, "B", "H"): [
        "You get ten minutes, and by the time you've dealt with what they came in for there is nothing left "
        "for going through the {medicines}.",
        "Medication reviews are always the thing that slips when the list is full and the phones don't stop.",
        "We've lost two partners in the last year, so a proper review of every {medicine} is a luxury we "
        "don't have.",
        "The paperwork around stopping something is worse than the paperwork around starting it, which "
        "tells you a lot.",
        "The system flags every interaction under the sun but it never once tells me that something could "
        "come off.",
    ],
    (0, "F", "H"): [
        "Once the practice set aside a Thursday afternoon just for medication reviews, we actually started "
        "getting through them.",
        "Having the pharmacist run the review clinic meant the list was already marked up before I saw the "
        "patient.",
        "The template walks you through each {medicine} in turn, so nothing gets missed even on a busy day.",
        "Being able to see the hospital letters on the same screen saved me a lot of guessing about why "
        "things were started.",
    ],
    (0, "B", "P"): [
        "I only ever see the doctor for a few minutes and there never seems to be time to ask about my "
        "tablets.",
        "Every time I phone I get a different doctor, so nobody really knows what I'm taking or why.",
        "The chemist just sends the same bag every month, and nobody has looked at what's in it for years.",
    ],
    (0, "F", "P"): [
        "The pharmacist sat with me for half an hour and went through every single box I brought in.",
        "They booked me a longer appointment just to talk about my {medicines}, which I'd never had before.",
        "It was the first time anyone had put all my tablets on one list and asked me about each of them.",
    ],
    (1, "B", "H"): [
        "The guidelines tell you very clearly when to start {a_medicine}, and almost nothing about when to "
        "stop it.",
        "Most of the trials stopped at seventy-five, so for my ninety-year-olds I'm really guessing.",
        "If you follow every single-disease guideline you end up with fifteen drugs, and nobody has written "
        "the guideline for that.",
        "I'm not confident about how quickly to taper {a_medicine}, and I don't want to get it wrong.",
        "Cardiology says one thing, the renal team says another, and I'm left in the middle.",
    ],
    (1, "F", "H"): [
        "The deprescribing workshop gave me a way of talking about it, and a taper plan I could actually "
        "use.",
        "Once I'd seen a colleague take someone off their {medicine} without any drama, it felt possible.",
        "The tapering charts we got from the medicines team are on the wall in every consulting room now.",
        "Knowing what withdrawal looks like, and how long it lasts, makes me much braver about trying.",
    ],
    (1, "B", "P"): [
        "Nobody ever told me what the {medicine} was for, so how would I know whether I still need it?",
        "I read that you must never stop it suddenly, so I wasn't going to listen to anyone who said "
        "otherwise.",
        "My daughter looked it up and she said the leaflet didn't say anything about coming off it.",
    ],
    (1, "F", "P"): [
        "Once she explained that the {medicine} was only ever meant for a few months, I was happy to try "
        "without it.",
        "He drew me a little picture of what the tablet does, and then it made sense why I didn't need it "
        "any more.",
        "I was given a leaflet to take home, and I read it twice with my husband before I decided.",
    ],
    (2, "B", "H"): [
        "If I stop it and they have a stroke next month, it's my name on the notes, and that stays with you.",
        "I'm very reluctant to stop something a consultant started; it feels like overruling them.",
        "It's easier to leave things as they are: nobody ever got into trouble for carrying on {a_medicine}.",
        "There's a real worry about complaints, especially from families who weren't part of the "
        "conversation.",
        "Nobody actually owns the list; the hospital thinks we do it, we think they do it, and so nobody does.",
    ],
    (2, "F", "H"): [
        "When the specialist wrote in the letter that we could stop it after six months, that took all the "
        "worry away.",
        "Writing down the plan and the reason in the notes means anyone who sees them next knows what we "
        "agreed.",
        "Seeing the same patients year after year, you can try a change and catch any problem early.",
    ],
    (2, "B", "P"): [
        "I was frightened that if I stopped the tablets my heart would go funny again, like it did before.",
        "The last time they took me off something I ended up in hospital, so I'm not keen to go through "
        "that again.",
        "I've been on them for {years} years, and I think they're what's kept me going.",
    ],
    (2, "F", "P"): [
        "Knowing I could ring the surgery and go straight back on it if anything happened made all the "
        "difference.",
        "They said we'd try it for a month and see, and that felt safe enough to give it a go.",
        "The nurse rang me every week for a month after I stopped, just to see how I was doing.",
    ],
    (3, "B", "H"): [
        "Some patients take it very personally, as if you're giving up on them because they're old.",
        "You don't want to damage a relationship you've built over twenty years for the sake of one tablet.",
        "We never hear back from the hospital when they restart something, so the list just grows again.",
        "The care home staff are so busy that by the time anyone notices a change it's already a crisis.",
    ],
    (3, "F", "H"): [
        "The pharmacist is brilliant at this; patients seem to hear it differently from her than from me.",
        "Our nurses know the patients better than any of us, and they pick up who is struggling with their "
        "tablets.",
        "We have a monthly meeting with the care home where we go through everyone's chart together.",
        "When patients trust you, they're willing to try stopping something because they know you'll follow "
        "them up.",
    ],
    (3, "B", "P"): [
        "I felt like they just wanted to save money, and nobody asked what I thought about it.",
        "The new doctor didn't know me at all, and suddenly he wanted to take away my sleeping tablets.",
        "I felt a bit abandoned, to be honest, like they'd decided I wasn't worth treating any more.",
    ],
    (3, "F", "P"): [
        "I've known my doctor a long time, and if she thinks I don't need it, I trust her on that.",
        "She actually listened to me about the dizziness, which nobody had done before.",
        "The pharmacist and the doctor had obviously talked to each other, because they both said the same "
        "thing.",
    ],
    (4, "B", "H"): [
        "A lot of older patients see their {medicines} as what keeps them alive, and you can't argue with "
        "that in ten minutes.",
        "Families are often the ones who push back; they see fewer tablets as less care.",
        "Some patients simply can't follow the explanation, and a taper with changing doses is a recipe for "
        "mistakes.",
    ],
    (4, "F", "H"): [
        "When you frame it as a trial and not as taking something away, most people are happy to give it a "
        "go.",
        "Involving the daughter or son from the start makes a huge difference to whether it sticks.",
        "Asking what matters to them first, before talking about any {medicine}, changes the whole "
        "conversation.",
    ],
    (4, "B", "P"): [
        "I take them with my breakfast every morning, it's just what I do, and I don't like my routine being "
        "changed.",
        "My {medicines} are like my lifeline; I'd be lost without them.",
        "My son says I should keep taking everything the hospital gave me, and he knows about these things.",
        "It's all very confusing, halving this one and stopping that one, and I got it wrong the first week.",
    ],
    (4, "F", "P"): [
        "I'd been wanting to come off some of them for ages, so I was pleased when the doctor brought it up.",
        "We made the decision together, and I think that's why I stuck with it.",
        "Having it all written down on one sheet, what to take and when, meant I could manage it myself.",
    ],
    (5, "B", "H"): [
        "The targets we're paid on are all about starting things, so stopping them works against the "
        "practice.",
        "With so many other problems to sort out in one visit, the {medicine} is rarely the priority.",
        "It's hard to talk about life expectancy; nobody wants to say that {a_medicine} won't help in the "
        "time they have left.",
    ],
    (5, "F", "H"): [
        "Seeing someone brighten up once we took away the sedating tablets is one of the most satisfying "
        "things in this job.",
        "When the patient asks to cut down, half of the work is already done.",
        "We agree a date to review it, so stopping is never final, and that reassures everyone.",
        "The local incentive scheme for medication reviews gave us a reason to make the time.",
    ],
    (5, "B", "P"): [
        "If it's doing me good, why would I want less of it?",
        "I don't mind how many tablets I take as long as I stay out of hospital.",
        "At my age I'd rather not start changing things that seem to be working.",
    ],
    (5, "F", "P"): [
        "I was rattling with all those tablets, and getting it down to five a day has made my life so much "
        "easier.",
        "Since I stopped the water tablet I can go out to the shops again without worrying about finding a "
        "toilet.",
        "What matters to me is staying in my own home, and the doctor understood that.",
        "The side effects were worse than whatever it was meant to prevent, so I was glad to stop.",
    ],
}
# Carers and care home staff (the "Other" group), by valence.
OTHERS = {
    "B": [
        "As her carer, I'm the one who sorts out the tablets, and nobody asked me what I'd noticed.",
        "On the night shift we don't have anyone to ask if a resident seems unwell after a change.",
        "I worry that if something goes wrong when they've stopped a tablet, it'll be the home that gets the "
        "blame.",
        "We only find out a medicine has been stopped when the pharmacy delivery changes.",
    ],
    "F": [
        "Mum was so much brighter once the sleeping tablet was stopped; it was like having her back.",
        "The home manager made sure every resident's chart was looked at before the GP round.",
        "Being told in advance what to watch for after a change made our staff much more comfortable.",
        "My father wouldn't have agreed if I hadn't been there to explain it again at home.",
    ],
}
NEUTRAL = [
    "I have about eleven different tablets now, some in the morning and some at night.",
    "Usually the review happens once a year, around the time of the flu jab.",
    "It depends on the patient really; some want to talk about every tablet and some don't want to know.",
    "The hospital started most of them, and the rest came from the practice over the years.",
    "We do discuss it at the practice meeting now and again, but it's not a formal thing.",
    "I keep them all in a box on the kitchen table, with the days of the week on it.",
    "The pharmacist does the reviews for the care homes, and we do the ones for people at home.",
]
# What people add as they talk, by speaker (H: professionals; P: patients, carers and staff).
ASIDES = {
    "H": [
        "I mean, that's just the reality of it.",
        "And I think a lot of my colleagues would say the same.",
        "It sounds simple when you say it like that, but it isn't.",
        "Some weeks it's fine and some weeks it's impossible.",
        "It's a conversation you have to come back to more than once.",
        "It's not perfect, but it's better than it was.",
        "I wouldn't say that in front of the partners, but it's true.",
    ],
    "P": [
        "You know, it's not something you think about until it happens.",
        "That's how it's always been, really.",
        "Honestly, I hadn't really thought about it before you asked.",
        "My husband says I worry too much, but there you are.",
        "That was a few years ago now, mind you.",
        "We talked it through at length, more than once.",
        "I suppose it varies from week to week.",
    ],
}
MEDICINES = [
    ("statin", "statins"),
    ("aspirin", "aspirin and the rest"),
    ("proton pump inhibitor", "stomach tablets"),
    ("sleeping tablet", "sleeping tablets"),
    ("blood pressure tablet", "blood pressure tablets"),
    ("antipsychotic", "antipsychotics"),
    ("bisphosphonate", "bone tablets"),
    ("opioid", "painkillers"),
    ("antidepressant", "antidepressants"),
    ("water tablet", "water tablets"),
]
NARRATIVE = [
    "Participants described how this shaped what happened in practice.",
    "This was a recurring concern among {people}.",
    "Several participants gave examples of this.",
    "{People} often contrasted this with their experience elsewhere.",
    "As one participant put it:",
    "Others saw it differently.",
    "This view was shared by participants in both focus groups.",
    "The following account was typical.",
    "For some, this was the deciding factor.",
    "A few participants described the opposite experience.",
    "This was raised in almost every interview, usually without prompting.",
    "The same point came up when participants talked about their last medication review.",
]
BACKGROUND = [
    "Polypharmacy is common in older adults and is associated with falls, hospital admission and death.",
    "Deprescribing is the planned and supervised process of dose reduction or stopping of medicines that "
    "may be causing harm or are no longer of benefit.",
    "Although tools to support deprescribing exist, they are rarely used in routine care.",
    "Little is known about how {people} weigh the benefits and harms of continuing long-term medicines.",
    "Previous studies have focused on single drug classes, often in hospital settings.",
    "The Theoretical Domains Framework offers a structured way to identify influences on clinical "
    "behaviour and to select interventions that address them.",
    "Understanding these influences is a first step towards interventions that change practice.",
]
METHODS = [
    "We conducted semi-structured interviews with {people} recruited from {setting} in {country}.",
    "Participants were sampled purposively for variation in age, experience and practice size.",
    "Interviews lasted between 30 and 75 minutes, were audio-recorded and transcribed verbatim.",
    "Two researchers coded the transcripts independently and met to agree a coding frame.",
    "Data were analysed thematically, and themes were mapped to the domains of the Theoretical Domains "
    "Framework.",
    "Recruitment continued until no new themes were identified in three consecutive interviews.",
    "The study was approved by the regional research ethics committee, and all participants gave written "
    "informed consent.",
]
DISCUSSION = [
    "This study shows that decisions to stop medicines are shaped as much by relationships and "
    "organisational context as by clinical evidence.",
    "Our findings are consistent with previous work in other health systems.",
    "Time pressure and unclear responsibility were the barriers most often described, by {people} in "
    "particular.",
    "Interventions that give clinicians protected time and a shared plan with patients may be most "
    "promising.",
    "The strengths of this study include its large and varied sample and the independent double coding "
    "of every transcript.",
    "Participants who agreed to take part may have been more interested in deprescribing than their peers.",
    "Future research should test interventions that target the domains identified here.",
    "Policy makers should consider how incentive schemes reward starting rather than stopping medicines.",
]
PRACTICES = [
    "deprescribing",
    "medication review",
    "stopping preventive medicines",
    "reducing polypharmacy",
    "tapering benzodiazepines",
    "reviewing antipsychotics in dementia",
    "stopping proton pump inhibitors",
    "opioid tapering",
    "statin discontinuation",
    "deprescribing at the end of life",
]
SETTINGS = [
    "primary care",
    "general practice",
    "care homes",
    "community pharmacy",
    "hospital discharge",
    "outpatient clinics",
    "nursing homes",
    "memory clinics",
]
PEOPLE = {
    "hcp": [
        "general practitioners",
        "community pharmacists",
        "practice nurses",
        "hospital physicians",
        "care home staff",
    ],
    "patient": ["older adults", "patients with multimorbidity", "people living with frailty", "older people"],
    "mixed": [
        "patients and general practitioners",
        "older adults and their clinicians",
        "patients and carers",
    ],
}
COUNTRIES = [
    "England",
    "Scotland",
    "the Netherlands",
    "Australia",
    "Canada",
    "Ireland",
    "Norway",
    "New Zealand",
    "Germany",
    "Belgium",
    "Denmark",
    "Sweden",
]
TITLES = [
    "Barriers and facilitators to {practice} in {setting}: a qualitative study",
    "{People_cap} perspectives on {practice}: an interview study in {country}",
    "Exploring {people}'s views of {practice} using the Theoretical Domains Framework",
    "Understanding {practice} in {setting}: a focus group study with {people}",
    "What influences {practice}? A qualitative study of {people} in {country}",
    "'It's my lifeline': {people}'s experiences of {practice}",
    "{Practice_cap} in {setting}: a qualitative exploration of {people}'s attitudes",
    "Why is {practice} so hard? Interviews with {people} in {country}",
]
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts Johnson Walker Wright Robinson "
    "Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Murphy O'Brien Kelly "
    "Byrne Ryan Walsh Nguyen Chen Wang Li Zhang Patel Shah Khan Singh Kumar Ahmed Ali Hansen Johansen "
    "Olsen Larsen Andersen Nielsen Pedersen Eriksson Lindqvist Berg Janssen deVries Bakker Visser Smit "
    "Meijer Mulder Peeters Maes Jacobs Muller Schmidt Schneider Fischer Weber Becker Wagner Hoffmann Rossi "
    "Russo Ferrari Garcia Martinez Lopez Gonzalez Rodriguez Tremblay Gagnon Roy Cote MacDonald Campbell "
    "Stewart Anderson Scott Reid Morrison Fraser"
).split()
JOURNALS = [
    ("BMC Family Practice", "10.1186"),
    ("BMJ Open", "10.1136"),
    ("British Journal of General Practice", "10.3399"),
    ("Age and Ageing", "10.1093"),
    ("Drugs & Aging", "10.1007"),
    ("Research in Social and Administrative Pharmacy", "10.1016"),
    ("International Journal of Clinical Pharmacy", "10.1007"),
    ("Journal of the American Geriatrics Society", "10.1111"),
    ("Family Practice", "10.1093"),
    ("Implementation Science", "10.1186"),
    ("Health Expectations", "10.1111"),
    ("Patient Education and Counseling", "10.1016"),
]
EXCLUSION_REASONS = [
    "Wrong study design",
    "Wrong population",
    "No barriers or facilitators reported",
    "Conference abstract only",
]
VALENCE_WEIGHTS = {"B": (0.8, 0.13, 0.07), "F": (0.17, 0.76, 0.07), "M": (0.55, 0.37, 0.08)}
VALENCES = ("Barrier", "Facilitator", "Neither")
GROUP_MIX = {  # which participants a study interviewed -> (HCP, Patient, Other)
    "hcp": (0.9, 0.0, 0.1),
    "patient": (0.0, 0.86, 0.14),
    "mixed": (0.5, 0.42, 0.08),
}
WHO_WEIGHT = {("H", "HCP"): 3.0, ("H", "Patient"): 0.2, ("P", "HCP"): 0.3, ("P", "Patient"): 3.0}


def _fill(rng: random.Random, sentence: str) -> str:
    medicine, medicines = rng.choice(MEDICINES)
    return sentence.format(
        medicine=medicine,
        a_medicine=("an " if medicine[0] in "aeiou" else "a ") + medicine,
        medicines=medicines,
        years=rng.choice(["five", "ten", "fifteen", "twenty"]),
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- Studies and their texts ------------------------------------------------------------------------


@dataclass
class Passage:
    """A participant's words in a study's text, and how they are coded."""

    theme: int
    valence: str
    group: str
    codes: list[CodeSpec]
    domains: list[str]
    sentences: list[str]
    coded: bool = True  # in the final set (a few quotes in a paper are left uncoded)
    # A second final excerpt over the last sentences of the same words, for another code: (cut, code).
    second: tuple[int, CodeSpec] | None = None
    start: int = 0  # of the quote (inside the quotation marks), in the study's whole text
    end: int = 0

    @property
    def quote(self) -> str:
        return " ".join(self.sentences)

    def cuts(self) -> list[int]:
        """Where each sentence after the first starts, relative to the quote's start."""
        offsets, at = [], 0
        for sentence in self.sentences[:-1]:
            at += len(sentence) + 1
            offsets.append(at)
        return offsets


@dataclass
class Study:
    record_id: int
    title: str
    authors: list[str]
    year: int
    journal: str
    doi: str
    people: str
    setting: str
    country: str
    mix: str
    passages: list[Passage] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.authors[0].split(',')[0]} {self.year}"


def _study(rng: random.Random, record_id: int) -> Study:
    mix = rng.choices(list(GROUP_MIX), weights=[0.4, 0.25, 0.35])[0]
    people = rng.choice(PEOPLE[mix])
    practice, setting, country = rng.choice(PRACTICES), rng.choice(SETTINGS), rng.choice(COUNTRIES)
    title = rng.choice(TITLES).format(
        practice=practice,
        Practice_cap=_capital(practice),
        setting=setting,
        country=country,
        people=people,
        People_cap=_capital(people),
    )
    authors = [
        f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMNPRST')}{rng.choice(['', ' ' + rng.choice('ABCDEJKMR')])}"
        for _ in range(rng.randint(2, 8))
    ]
    journal, prefix = rng.choice(JOURNALS)
    year = rng.randint(2009, 2024)
    return Study(
        record_id=record_id,
        title=title,
        authors=authors,
        year=year,
        journal=journal,
        doi=f"{prefix}/bench.{year}.{record_id:05d}",
        people=people,
        setting=setting,
        country=country,
        mix=mix,
    )


def _passage(rng: random.Random, study: Study, popularity: list[float]) -> Passage:
    group = rng.choices(("HCP", "Patient", "Other"), weights=GROUP_MIX[study.mix])[0]
    weights = [
        share * (1.5 if code.who == "A" else WHO_WEIGHT.get((code.who, group), 1.0))
        for code, share in zip(CODES, popularity, strict=True)
    ]
    code = rng.choices(CODES, weights=weights)[0]
    valence = rng.choices(VALENCES, weights=VALENCE_WEIGHTS[code.lean])[0]
    codes = [code]
    if rng.random() < 0.4:  # a second code, usually a sibling
        siblings = [each for each in CODES if each.subtheme == code.subtheme and each != code]
        codes.append(rng.choice(siblings if rng.random() < 0.7 else [c for c in CODES if c not in codes]))
        if rng.random() < 0.25:
            codes.append(rng.choice([each for each in CODES if each not in codes]))
    domains = [code.domains[0]]
    if len(code.domains) > 1 and rng.random() < 0.3:
        domains.append(code.domains[1])
    elif len(codes) > 1 and codes[1].domains[0] not in domains and rng.random() < 0.3:
        domains.append(codes[1].domains[0])
    if valence == "Neither":
        pool = NEUTRAL
    elif group == "Other":
        pool = OTHERS[valence[0]]
    else:
        pool = SAYINGS[(code.theme, valence[0], group[0])]
    # Quotes of 100-500 characters, most of them 150-350: the participant's point, then more of the same
    # or an aside, as a transcript reads.
    target = int(rng.triangular(100, 500, 170))
    sentences = [_fill(rng, rng.choice(pool))]
    while len(" ".join(sentences)) < target:
        more = _fill(rng, rng.choice(pool if rng.random() < 0.55 else ASIDES["H" if group == "HCP" else "P"]))
        if more in sentences:
            continue
        if len(" ".join([*sentences, more])) > 500:
            break
        sentences.append(more)
    return Passage(code.theme, valence, group, codes, domains, sentences)


def _attribution(rng: random.Random, passage: Passage) -> str:
    number = rng.randint(1, 40)
    if passage.group == "HCP":
        role = rng.choice(["GP", "GP", "Pharmacist", "Nurse", "Consultant geriatrician"])
        return f"({role} {number}, {rng.randint(2, 32)} years in practice)"
    if passage.group == "Patient":
        return f"(Patient {number}, {rng.choice(['woman', 'man'])}, aged {rng.randint(66, 94)})"
    return f"({rng.choice(['Carer', 'Care home manager', 'Care assistant', 'Daughter of patient'])} {number})"


class _Pages:
    """Paragraphs laid out on pages of about PAGE_CHARACTERS, with the offset of each in the whole text."""

    def __init__(self, wrap: bool):
        self.wrap = wrap
        self.pages: list[str] = []
        self.current: list[str] = []
        self.before = 0  # characters on the finished pages

    @property
    def count(self) -> int:
        return len(self.pages) + (1 if self.current else 0)

    def add(self, paragraph: str) -> int:
        """Add a paragraph; returns the offset of its first character in the whole text."""
        if self.wrap:
            # As a PDF's text layer gives it: lines of at most 95 characters (a space becomes a line
            # break, so every offset stays where it was).
            wrapped = "\n".join(
                textwrap.wrap(paragraph, LINE_CHARACTERS, break_on_hyphens=False, break_long_words=False)
            )
            paragraph = wrapped if len(wrapped) == len(paragraph) else paragraph
        text = "\n".join(self.current)
        if self.current and len(text) + 1 + len(paragraph) > PAGE_CHARACTERS:
            self.pages.append(text)
            self.before += len(text)
            self.current, text = [], ""
        offset = self.before + len(text) + (1 if self.current else 0)
        self.current.append(paragraph)
        return offset

    def finish(self) -> list[str]:
        if self.current:
            self.pages.append("\n".join(self.current))
            self.current = []
        return self.pages


def _reference(rng: random.Random, number: int) -> str:
    authors = ", ".join(
        f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHJKLMPRS')}" for _ in range(rng.randint(1, 4))
    )
    title = rng.choice(TITLES).format(
        practice=rng.choice(PRACTICES),
        Practice_cap=_capital(rng.choice(PRACTICES)),
        setting=rng.choice(SETTINGS),
        country=rng.choice(COUNTRIES),
        people=(people := rng.choice(PEOPLE["hcp"] + PEOPLE["patient"])),
        People_cap=_capital(people),
    )
    journal, _ = rng.choice(JOURNALS)
    return f"{number}. {authors}. {title}. {journal} {rng.randint(2000, 2023)};{rng.randint(5, 70)}:{rng.randint(1, 900)}."


def _write_text(rng: random.Random, study: Study, *, wrap: bool, pages: int | None = None) -> None:
    """The study's text as a paper lays it out, with its passages placed in the results by theme; when
    ``pages`` is given, the results stop short of it and the references fill the text to that many pages."""
    out = _Pages(wrap)
    people = study.people

    def prose(pool: list[str], count: int) -> str:
        chosen = rng.sample(pool, min(count, len(pool)))
        return " ".join(
            sentence.format(
                people=people, People=_capital(people), setting=study.setting, country=study.country
            )
            for sentence in chosen
        )

    out.add(study.title)
    out.add("; ".join(study.authors))
    out.add(f"{study.journal} {study.year};{rng.randint(5, 70)}:{rng.randint(1, 900)}. doi:{study.doi}")
    out.add("Abstract")
    out.add("Background. " + prose(BACKGROUND, 2) + " Methods. " + prose(METHODS, 3))
    out.add(
        "Results. Analysis identified themes that mapped to most of the domains of the Theoretical Domains "
        "Framework. Conclusions. " + prose(DISCUSSION, 2)
    )
    out.add("Background")
    for _ in range(3):
        out.add(prose(BACKGROUND, 4))
    out.add("Methods")
    for _ in range(3):
        out.add(prose(METHODS, 3))
    out.add("Results")
    placed = []
    theme = None
    for passage in sorted(study.passages, key=lambda each: each.theme):
        if pages is not None and out.count >= pages - 2:
            break
        if passage.theme != theme:
            theme = passage.theme
            out.add(f"Theme {theme + 1}: {CODEBOOK[theme][0]}")
        if rng.random() < 0.6:
            out.add(prose(NARRATIVE, rng.randint(1, 2)))
        offset = out.add(f"“{passage.quote}” {_attribution(rng, passage)}")
        passage.start = offset + 1
        passage.end = passage.start + len(passage.quote)
        placed.append(passage)
    study.passages = placed
    out.add("Discussion")
    for _ in range(4):
        out.add(prose(DISCUSSION, 3))
    out.add("References")
    if pages is None:
        for number in range(1, rng.randint(25, 50)):
            out.add(_reference(rng, number))
        study.pages = out.finish()
        return
    number = 1
    # To the last page, filled: a reference that spills onto one page more is cut off with it.
    while out.count < pages or (out.count == pages and len("\n".join(out.current)) < PAGE_CHARACTERS - 300):
        out.add(_reference(rng, number))
        number += 1
    study.pages = out.finish()[:pages]


# --- Writing the review --------------------------------------------------------------------------------


@dataclass
class Ids:
    valences: dict[str, int]
    groups: dict[str, int]
    domains: dict[str, int]
    codes: dict[str, int]


def _records(review, rng: random.Random, now) -> tuple[list[Study], list[Study]]:
    """3,000 screened records; 105 included at both stages. Returns (reconciled, being coded) studies."""
    from reviews.models import Record
    from reviews.services.bulk import bulk_insert
    from reviews.services.record_writer import _allocate_ids
    from screening.models import RecordStage
    from screening.rules import order_key

    ids = _allocate_ids(Record, RECORDS)
    studies = {record_id: _study(rng, record_id) for record_id in ids}
    full_text = set(rng.sample(ids, FULL_TEXT_RECORDS))
    included = sorted(rng.sample(sorted(full_text), RECONCILED_STUDIES + len(IN_PROGRESS_PAGES)))
    rows = []
    for record_id in ids:
        study = studies[record_id]
        rows.append(
            {
                "id": record_id,
                "review_id": review.pk,
                "merged_into_id": None,
                "is_removed": False,
                "removed_reason": "",
                "title": study.title,
                "abstract": " ".join(
                    rng.sample(BACKGROUND, 3) + rng.sample(METHODS, 3) + rng.sample(DISCUSSION, 2)
                ).format(
                    people=study.people,
                    People=_capital(study.people),
                    setting=study.setting,
                    country=study.country,
                ),
                "authors": study.authors,
                "year": study.year,
                "journal": study.journal,
                "volume": str(rng.randint(5, 70)),
                "issue": str(rng.randint(1, 12)),
                "pages": f"{(first := rng.randint(1, 900))}-{first + rng.randint(6, 14)}",
                "doi": study.doi,
                "pmid": str(20_000_000 + record_id),
                "keywords": ["deprescribing", "qualitative research", "primary care"],
                "language": "eng",
                "publication_type": "Journal Article",
                "urls": [],
                "is_edited": False,
                "search_text": " ".join([study.title, *study.authors, study.doi]).lower(),
                "created_at": now,
            }
        )
    bulk_insert(Record, rows)
    stages = []
    for record_id in ids:
        for stage, reached in (("title_abstract", True), ("full_text", record_id in full_text)):
            if not reached:
                continue
            is_in = record_id in included or (stage == "title_abstract" and record_id in full_text)
            stages.append(
                {
                    "review_id": review.pk,
                    "record_id": record_id,
                    "stage": stage,
                    "status": RecordStage.Status.INCLUDED if is_in else RecordStage.Status.EXCLUDED,
                    "order_key": order_key(review.pk, record_id),
                    "decision_count": 2,
                    "is_active": True,
                    "exclusion_reason": ""
                    if is_in or stage == "title_abstract"
                    else rng.choice(EXCLUSION_REASONS),
                    "resolution_note": "",
                    "settled_at": now,
                }
            )
    bulk_insert(RecordStage, stages)
    chosen = [studies[record_id] for record_id in included]
    rng.shuffle(chosen)
    return chosen[:RECONCILED_STUDIES], chosen[RECONCILED_STUDIES:]


def _codebook(review, alice) -> dict[str, int]:
    from coding.models import Code

    themes = Code.objects.bulk_create(
        Code(review=review, kind=Code.Kind.THEME, name=name, colour=number, position=number, created_by=alice)
        for number, (name, _) in enumerate(CODEBOOK, start=1)
    )
    subthemes, under = [], []
    for theme, (_, children) in zip(themes, CODEBOOK, strict=True):
        for position, (name, codes) in enumerate(children, start=1):
            subthemes.append(
                Code(
                    review=review,
                    kind=Code.Kind.SUBTHEME,
                    parent=theme,
                    name=name,
                    position=position,
                    created_by=alice,
                )
            )
            under.append(codes)
    subthemes = Code.objects.bulk_create(subthemes)
    codes = Code.objects.bulk_create(
        Code(
            review=review,
            kind=Code.Kind.CODE,
            parent=parent,
            name=code.name,
            position=position,
            created_by=alice,
        )
        for parent, children in zip(subthemes, under, strict=True)
        for position, code in enumerate(children, start=1)
    )
    return {code.name: code.pk for code in codes}


class _Rows:
    """Excerpts and their codes and domains, gathered for COPY."""

    def __init__(self, review, ids: Ids, excerpt_ids):
        self.review, self.ids, self.free = review, ids, excerpt_ids
        self.excerpts: list[dict] = []
        self.codes: list[dict] = []
        self.domains: list[dict] = []
        self.record_id, self.text, self.pages = 0, "", []

    def study(self, record_id: int, text: str, pages: list) -> None:
        """The study the next excerpts are of: its whole text and pages."""
        self.record_id, self.text, self.pages = record_id, text, pages

    def add(
        self,
        *,
        start: int,
        end: int,
        passage: Passage,
        codes: list[CodeSpec],
        domains: list[str],
        coder_id: int | None,
        is_final: bool,
        created_by: int,
        when,
        state: str = "pending",
        into: int | None = None,
    ) -> int:
        from coding.services.texts import page_of

        excerpt_id = next(self.free)
        self.excerpts.append(
            {
                "id": excerpt_id,
                "review_id": self.review.pk,
                "record_id": self.record_id,
                "coder_id": coder_id,
                "is_final": is_final,
                "quote": self.text[start:end],
                "start": start,
                # "end" is a reserved word in SQL: quoted, COPY takes it as the column's name.
                '"end"': end,
                "page": page_of(self.pages, start),
                "anchor": "anchored",
                "valence_id": self.ids.valences[passage.valence],
                "group_id": self.ids.groups[passage.group],
                "note": "",
                "reconcile_state": state,
                "reconciled_into_id": into,
                "created_by_id": created_by,
                "created_at": when,
                "updated_at": when,
            }
        )
        self.codes += [{"excerpt_id": excerpt_id, "code_id": self.ids.codes[code.name]} for code in codes]
        self.domains += [{"excerpt_id": excerpt_id, "domain_id": self.ids.domains[name]} for name in domains]
        return excerpt_id

    def write(self) -> None:
        from coding.models import Excerpt
        from reviews.services.bulk import bulk_insert

        bulk_insert(Excerpt, self.excerpts)
        bulk_insert(Excerpt.codes.through, self.codes)
        bulk_insert(Excerpt.domains.through, self.domains)


@dataclass
class _Page:
    """What ``page_of`` needs of a stored page."""

    number: int
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _layout(pages: list[str]) -> tuple[str, list[_Page]]:
    laid, start = [], 0
    for number, text in enumerate(pages, start=1):
        laid.append(_Page(number, start, text))
        start += len(text)
    return "".join(pages), laid


def _coder_version(
    rng: random.Random, passage: Passage, quote_start: int, start: int, end: int
) -> tuple[int, int, list, list]:
    """A coder's own excerpt of a passage (whose quote starts at ``quote_start``): mostly what the lead
    kept from ``start`` to ``end``, sometimes a sentence shorter, a sibling code instead of one, or the
    code's other domain."""
    later = [quote_start + cut for cut in passage.cuts() if start < quote_start + cut <= end - 100]
    if later and rng.random() < 0.2:
        start = rng.choice(later)
    codes = list(passage.codes)
    if rng.random() < 0.2:
        siblings = [each for each in CODES if each.subtheme == codes[0].subtheme and each not in codes]
        codes[-1] = rng.choice(siblings)
    domains = list(passage.domains)
    if rng.random() < 0.12:
        domains = [codes[0].domains[-1]]
    return start, end, codes, domains


def _final_passages(rng: random.Random, study: Study, target: int, popularity: list[float]) -> list[Passage]:
    """Quotes until the study has its number of final excerpts: one in twelve is left uncoded, and about
    one in ten carries a second excerpt over its last sentences, for another code."""
    passages, finals = [], 0
    while finals < target:
        passage = _passage(rng, study, popularity)
        passages.append(passage)
        if rng.random() < 1 / 12:
            passage.coded = False
            continue
        finals += 1
        cuts = [cut for cut in passage.cuts() if len(passage.quote) - cut >= 100]
        if cuts and finals < target and rng.random() < 0.16:
            passage.second = (rng.choice(cuts), rng.choice([c for c in CODES if c.theme != passage.theme]))
            finals += 1
    return passages


def _study_excerpts(
    final_rows: _Rows, coder_rows: _Rows, study: Study, rng: random.Random, people, now
) -> None:
    """A reconciled study's final set, and each coder's own excerpts kept into it or dropped."""
    from datetime import timedelta

    reconciled_at = now - timedelta(days=rng.randint(1, 60))
    for passage in study.passages:
        kept = []
        if passage.coded:
            kept.append((passage.start, passage.end, passage.codes, passage.domains))
        if passage.coded and passage.second:
            cut, other = passage.second
            kept.append((passage.start + cut, passage.end, [other], [other.domains[0]]))
        for start, end, codes, domains in kept:
            final_id = final_rows.add(
                start=start,
                end=end,
                passage=passage,
                codes=codes,
                domains=domains,
                coder_id=None,
                is_final=True,
                created_by=people["alice"].pk,
                when=reconciled_at,
            )
            for coder, chance in ((people["bob"], 0.9), (people["carol"], 0.86)):
                if rng.random() < chance:
                    c_start, c_end, c_codes, c_domains = _coder_version(
                        rng, passage, passage.start, start, end
                    )
                    coder_rows.add(
                        start=c_start,
                        end=c_end,
                        passage=passage,
                        codes=c_codes,
                        domains=c_domains,
                        coder_id=coder.pk,
                        is_final=False,
                        created_by=coder.pk,
                        when=reconciled_at - timedelta(days=rng.randint(3, 40)),
                        state="kept",
                        into=final_id,
                    )
        if not kept:  # uncoded in the final set: now and then a coder's excerpt the lead dropped
            for coder in (people["bob"], people["carol"]):
                if rng.random() < 0.4:
                    coder_rows.add(
                        start=passage.start,
                        end=passage.end,
                        passage=passage,
                        codes=passage.codes,
                        domains=passage.domains,
                        coder_id=coder.pk,
                        is_final=False,
                        created_by=coder.pk,
                        when=reconciled_at - timedelta(days=rng.randint(3, 40)),
                        state="dropped",
                    )


def _reconciled(review, studies: list[Study], rng, ids: Ids, people: dict, now) -> dict:
    """The 100 reconciled studies: texts, the final set of exactly FINAL_EXCERPTS, both coders' own."""
    from datetime import timedelta

    from coding.models import CodingAssignment, CodingStudy, Excerpt, StudyText, StudyTextPage
    from reviews.services.bulk import bulk_insert
    from reviews.services.record_writer import _allocate_ids

    # Excerpts per study: a long tail, as real studies are (a few rich ones, many with 40-120).
    weights = [rng.lognormvariate(0, 0.55) for _ in studies]
    targets = [max(25, round(FINAL_EXCERPTS * weight / sum(weights))) for weight in weights]
    targets[targets.index(max(targets))] += FINAL_EXCERPTS - sum(targets)
    popularity = [rng.lognormvariate(0, 0.8) for _ in CODES]
    alice = people["alice"]
    text_ids = _allocate_ids(StudyText, len(studies))
    texts, pages_rows, plans = [], [], []
    for study, target, text_id in zip(studies, targets, text_ids, strict=True):
        study.passages = _final_passages(rng, study, target, popularity)
        _write_text(rng, study, wrap=True)
        text, laid = _layout(study.pages)
        texts.append(
            {
                "id": text_id,
                "review_id": review.pk,
                "record_id": study.record_id,
                "status": StudyText.Status.READY,
                "source": StudyText.Source.PDF,
                "source_sha256": f"{rng.getrandbits(256):064x}",
                "error": "",
                "pages_count": len(laid),
                "characters": len(text),
                "attempts": 1,
                "updated_at": now,
            }
        )
        pages_rows += [
            {"study_text_id": text_id, "number": page.number, "start": page.start, "text": page.text}
            for page in laid
        ]
        plans.append((study, text, laid))
    bulk_insert(StudyText, texts)
    bulk_insert(StudyTextPage, pages_rows)

    free = iter(_allocate_ids(Excerpt, 4 * sum(len(study.passages) for study in studies)))
    # The final set first: the coders' excerpts point to what it made of them.
    final_rows, coder_rows = _Rows(review, ids, free), _Rows(review, ids, free)
    for study, text, laid in plans:
        final_rows.study(study.record_id, text, laid)
        coder_rows.study(study.record_id, text, laid)
        _study_excerpts(final_rows, coder_rows, study, rng, people, now)
    assert len(final_rows.excerpts) == FINAL_EXCERPTS, len(final_rows.excerpts)
    final_rows.write()
    coder_rows.write()
    states = CodingStudy.objects.bulk_create(
        CodingStudy(
            review=review,
            record_id=study.record_id,
            reconciliation_opened_at=now - timedelta(days=61),
            reconciliation_opened_by=alice,
            reconciled_at=now - timedelta(days=1),
            reconciled_by=alice,
        )
        for study in studies
    )
    CodingAssignment.objects.bulk_create(
        CodingAssignment(review=review, study=state, coder=coder, done_at=now - timedelta(days=62))
        for state in states
        for coder in (people["bob"], people["carol"])
    )
    return {
        "final": len(final_rows.excerpts),
        "coders": len(coder_rows.excerpts),
        "text_pages": len(pages_rows),
        "characters": sum(row["characters"] for row in texts),
        "quote_lengths": [len(row["quote"]) for row in final_rows.excerpts],
        "valences": [row["valence_id"] for row in final_rows.excerpts],
        "groups": [row["group_id"] for row in final_rows.excerpts],
        "code_links": len(final_rows.codes),
        "domain_links": len(final_rows.domains),
    }


@dataclass
class Coding:
    """A study being coded: where its passages are in the stored text, and which bob has coded."""

    study: Study
    spots: list[tuple[Passage, int, int]]
    coded_by_bob: int  # the first this many spots (in reading order) are bob's already
    pages: int
    extract_seconds: float


def _being_coded(review, studies: list[Study], rng, ids: Ids, people: dict, now) -> list[Coding]:
    """Five studies being coded: each PDF made, uploaded, read by the job; bob and carol part way through."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from coding.models import CodingAssignment, CodingStudy, Excerpt, StudyText, StudyTextPage
    from coding.services.texts import quote_find, study_text_read
    from lib.simple_pdf import text_pdf
    from reviews.models import Record
    from reviews.services.record_writer import _allocate_ids
    from screening.services import full_text_upload

    popularity = [rng.lognormvariate(0, 0.8) for _ in CODES]
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    rows = _Rows(review, ids, iter(_allocate_ids(Excerpt, 20 * sum(IN_PROGRESS_PAGES))))
    codings = []
    for number, (study, pages) in enumerate(zip(studies, IN_PROGRESS_PAGES, strict=True)):
        # More quotes than the pages hold: the results end two pages before the last.
        study.passages = [_passage(rng, study, popularity) for _ in range(10 * pages)]
        _write_text(rng, study, wrap=False, pages=pages)
        record = Record.objects.get(pk=study.record_id)
        pdf = text_pdf(study.pages)
        full_text_upload(
            review=review,
            record=record,
            actor=alice,
            uploaded=SimpleUploadedFile(f"{study.label.replace(' ', '-').lower()}.pdf", pdf),
        )
        StudyText.objects.create(review=review, record=record)
        started = time.perf_counter()
        study_text = study_text_read(record_id=record.pk)  # the background job, run here
        seconds = time.perf_counter() - started
        assert study_text.status == StudyText.Status.READY, (study_text.status, study_text.error)
        stored = list(StudyTextPage.objects.filter(study_text=study_text).order_by("number"))
        text = "".join(page.text for page in stored)
        rows.study(record.pk, text, stored)
        found = []
        for passage in study.passages:
            spot = quote_find(text, passage.quote, passage.start)
            if spot is not None:
                found.append((passage, *spot))
        found.sort(key=lambda each: each[1])
        # Each coder codes in reading order, leaving a quote now and then; carol is a little behind bob.
        spots = [spot for spot in found if rng.random() < 0.9]
        already = PANE_EXCERPTS if number == 0 else min(rng.randint(20, 60), len(spots) - SAVES_PER_STUDY)
        carol_reached = spots[int(already * 0.8)][1]
        for passage, start, end in spots[:already]:
            rows.add(
                start=start,
                end=end,
                passage=passage,
                codes=passage.codes,
                domains=passage.domains,
                coder_id=bob.pk,
                is_final=False,
                created_by=bob.pk,
                when=now - timedelta(hours=rng.randint(1, 72)),
            )
        for passage, start, end in found:
            if start < carol_reached and rng.random() < 0.88:
                c_start, c_end, c_codes, c_domains = _coder_version(rng, passage, start, start, end)
                rows.add(
                    start=c_start,
                    end=c_end,
                    passage=passage,
                    codes=c_codes,
                    domains=c_domains,
                    coder_id=carol.pk,
                    is_final=False,
                    created_by=carol.pk,
                    when=now - timedelta(hours=rng.randint(1, 72)),
                )
        assert len(spots) >= already + SAVES_PER_STUDY, (study.record_id, len(spots))
        state = CodingStudy.objects.create(review=review, record=record)
        CodingAssignment.objects.bulk_create(
            CodingAssignment(review=review, study=state, coder=coder) for coder in (bob, carol)
        )
        codings.append(Coding(study, spots, already, len(stored), seconds))
    rows.write()
    return codings


def _populate(review, people: dict) -> tuple[dict, list[Coding]]:
    from django.utils import timezone

    from coding.models import CodingSettings, Domain, PerspectiveGroup, Valence
    from coding.services.frameworks import coding_setup

    rng = random.Random(11)
    now = timezone.now()
    coding_setup(review=review)
    # Two coders per study, blind to each other: the lead's reconciled excerpts are the final set.
    CodingSettings.objects.filter(review=review).update(coders_per_study=2)
    ids = Ids(
        valences=dict(Valence.objects.filter(review=review).values_list("name", "pk")),
        groups=dict(PerspectiveGroup.objects.filter(review=review).values_list("name", "pk")),
        domains=dict(
            Domain.objects.filter(framework__review=review, framework__short_name="TDF").values_list(
                "name", "pk"
            )
        ),
        codes=_codebook(review, people["alice"]),
    )
    missing = {domain for code in CODES for domain in code.domains} - set(ids.domains)
    assert not missing, f"not TDF domains: {missing}"
    reconciled, being_coded = _records(review, rng, now)
    figures = _reconciled(review, reconciled, rng, ids, people, now)
    codings = _being_coded(review, being_coded, rng, ids, people, now)
    figures["ids"] = ids
    return figures, codings


# --- Measuring -----------------------------------------------------------------------------------------


def _timed(client, method: str, url: str, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    response = getattr(client, method)(url, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def _p(values: list[float], q: int) -> float:
    """The q-th percentile, within the samples (a dozen requests must not give a p95 above the slowest)."""
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def _queries(client, url: str, **kwargs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, **kwargs)
    return len(captured)


def _page_figures(client, url: str, requests: int, **kwargs) -> dict:
    client.get(url, **kwargs)  # warm-up
    samples = [_timed(client, "get", url, **kwargs)[0] for _ in range(requests)]
    return {
        "p50": _p(samples, 50),
        "p95": _p(samples, 95),
        "max": round(max(samples), 1),
        "queries": _queries(client, url, **kwargs),
    }


def _save_data(passage: Passage, start: int, end: int, ids: Ids, rng: random.Random) -> dict:
    data = {
        "start": start,
        "end": end,
        "valence": ids.valences[passage.valence],
        "group": ids.groups[passage.group],
        "codes": [ids.codes[code.name] for code in passage.codes],
        "domains": [ids.domains[name] for name in passage.domains],
        "by": "valence",
    }
    if rng.random() < 0.1:
        data["note"] = "Also fits the sub-theme on trust; check with the second coder's reading."
    return data


@contextmanager
def _watching_saves():
    """While bob saves: how long the save itself takes (the service, without the response the view renders
    around it), and Python's full garbage collections, which pause whichever request is running."""
    from coding.services import excerpts as excerpt_services

    watched: dict[str, list[float]] = {"service": [], "gc": []}
    save, started = excerpt_services.excerpt_save, {}

    def timed_save(**kwargs):
        began = time.perf_counter()
        try:
            return save(**kwargs)
        finally:
            watched["service"].append((time.perf_counter() - began) * 1000)

    def on_collect(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started["at"] = time.perf_counter()
        elif "at" in started:
            watched["gc"].append((time.perf_counter() - started.pop("at")) * 1000)

    excerpt_services.excerpt_save = timed_save  # the view looks it up on the module at each request
    gc.callbacks.append(on_collect)
    try:
        yield watched
    finally:
        gc.callbacks.remove(on_collect)
        excerpt_services.excerpt_save = save


def _child() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from reviews.models import Role
    from reviews.services import membership_add, review_create

    people = {name: get_user_model().objects.create(username=name) for name in ("alice", "bob", "carol")}
    review = review_create(
        actor=people["alice"],
        owner=people["alice"],
        slug=SLUG,
        title="Barriers and facilitators to deprescribing: a qualitative evidence synthesis",
        owner_roles=(Role.OWNER, Role.LEAD),
    )
    for name in ("bob", "carol"):
        membership_add(actor=people["alice"], review=review, user=people[name], roles={Role.REVIEWER})
    started = time.perf_counter()
    figures, codings = _populate(review, people)
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps a live database in: statistics and visibility maps current.
        cursor.execute("VACUUM ANALYZE")
    populate_seconds = time.perf_counter() - started
    ids = figures.pop("ids")
    gc.collect()  # what populating left behind is not the requests' garbage

    alice = Client(HTTP_HOST="localhost")
    alice.force_login(people["alice"])
    load_at_start = os.getloadavg()[0]  # the requests are timed on a machine other work may share
    base = f"/r/{SLUG}/coding/synthesis/"
    filtered = f"?group={ids.groups['HCP']}&valence={ids.valences['Barrier']}"
    pages = {
        "domains": _page_figures(alice, base, PAGE_REQUESTS),
        "themes": _page_figures(alice, base + "?tab=themes", PAGE_REQUESTS),
        "matrix": _page_figures(alice, base + "?tab=matrix", PAGE_REQUESTS),
        "domains_filtered": _page_figures(alice, base + filtered, PAGE_REQUESTS),
        "themes_filtered": _page_figures(alice, base + filtered + "&tab=themes", PAGE_REQUESTS),
        "csv": _page_figures(alice, base + "domains.csv", PAGE_REQUESTS),
    }

    # The reading pane of the 40-page study, as bob (its coder, with his 100 excerpts) and as the lead.
    pdf = codings[0]
    pane_url = f"/r/{SLUG}/coding/{pdf.study.record_id}/"
    bob = Client(HTTP_HOST="localhost")
    bob.force_login(people["bob"])
    shown = bob.get(pane_url).content.count(b'class="excerpt-item')
    assert shown == PANE_EXCERPTS, shown
    pane = {
        "coder": _page_figures(bob, pane_url, PANE_REQUESTS),
        "coder_theme": _page_figures(bob, pane_url + "?by=theme", PANE_REQUESTS),
        "lead": _page_figures(alice, pane_url, PANE_REQUESTS),
        "lead_excerpts": alice.get(pane_url).content.count(b'class="excerpt-item'),
    }

    # bob codes on: the next 40 quotes of each study he is coding, in reading order, through the panel.
    rng = random.Random(5)
    saves = []
    with _watching_saves() as watched:
        for coding in codings:
            url = f"/r/{SLUG}/coding/{coding.study.record_id}/excerpts/new/"
            for passage, start, end in coding.spots[
                coding.coded_by_bob : coding.coded_by_bob + SAVES_PER_STUDY
            ]:
                elapsed, response = _timed(
                    bob,
                    "post",
                    url,
                    data=_save_data(passage, start, end, ids, rng),
                    headers={"HX-Request": "true"},
                )
                assert "excerpt-saved" in response.get("HX-Trigger", ""), response.content[:2000]
                saves.append(elapsed)

    lengths = figures.pop("quote_lengths")
    valence_names = {pk: name for name, pk in ids.valences.items()}
    group_names = {pk: name for name, pk in ids.groups.items()}
    final = figures["final"]
    print(
        json.dumps(
            {
                **figures,
                "studies": RECONCILED_STUDIES,
                "records": RECORDS,
                "codes": len(CODES),
                "quote_median": round(statistics.median(lengths)),
                "quote_min": min(lengths),
                "quote_max": max(lengths),
                "valences": {
                    valence_names[pk]: round(100 * n / final)
                    for pk, n in sorted(_count(figures["valences"]).items())
                },
                "groups": {
                    group_names[pk]: round(100 * n / final)
                    for pk, n in sorted(_count(figures["groups"]).items())
                },
                "populate_seconds": round(populate_seconds, 1),
                "pages": pages,
                "pane": pane,
                "pdf_pages": pdf.pages,
                "pdf_characters": sum(len(text) for text in pdf.study.pages),
                "extract_seconds": round(pdf.extract_seconds, 2),
                "extract_other_seconds": [round(coding.extract_seconds, 2) for coding in codings[1:]],
                "other_pages": [coding.pages for coding in codings[1:]],
                "saves": len(saves),
                "save_studies": len(codings),
                "save_p50": _p(saves, 50),
                "save_p95": _p(saves, 95),
                "save_max": round(max(saves), 1),
                "save_service_p50": _p(watched["service"], 50),
                "save_service_p95": _p(watched["service"], 95),
                "gc_full": len(watched["gc"]),
                "gc_full_median": round(statistics.median(watched["gc"]), 1) if watched["gc"] else 0,
                "load_at_start": round(load_at_start, 2),
                "load_at_end": round(os.getloadavg()[0], 2),
            }
        )
    )


def _count(values: list) -> dict:
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def measure() -> dict:
    from bench.import_speed import run_isolated

    return run_isolated("bench.coding_speed")


def run() -> tuple[str, str]:
    result = measure()

    def verdict(value: float, target: float) -> str:
        return f"≤ {target} ms: {'met' if value <= target else 'MISSED'}"

    labels = {
        "domains": "Synthesis, domains tab (the default)",
        "themes": "Synthesis, themes tab",
        "matrix": "Synthesis, studies × domains tab",
        "domains_filtered": "Synthesis, domains, HCP barriers only",
        "themes_filtered": "Synthesis, themes, HCP barriers only",
        "csv": "Domains table as CSV",
    }
    rows = ["| Measure | p50 (ms) | p95 (ms) | Queries | Target (p95) |", "|---|---:|---:|---:|---|"]
    for key, label in labels.items():
        page = result["pages"][key]
        target = verdict(page["p95"], TARGET_SYNTHESIS_MS) if key != "csv" else ""
        rows.append(
            f"| {label}, {PAGE_REQUESTS} requests | {page['p50']} | {page['p95']} | {page['queries']} | {target} |"
        )
    rows.append(
        f"| Save an excerpt (htmx), {result['saves']} saves over {result['save_studies']} studies | "
        f"{result['save_p50']} | {result['save_p95']} | | {verdict(result['save_p95'], TARGET_SAVE_P95_MS)} "
        f"(slowest {result['save_max']}) |"
    )
    rows.append(
        f"| … of which the save itself (`excerpt_save`; the rest is the request around it and its answer: "
        f"the emptied panel and what changed) | "
        f"{result['save_service_p50']} | {result['save_service_p95']} | | |"
    )
    pane = result["pane"]
    rows.append(
        f"| Reading pane, {result['pdf_pages']}-page PDF, its coder ({PANE_EXCERPTS} excerpts) | "
        f"{pane['coder']['p50']} | {pane['coder']['p95']} | {pane['coder']['queries']} | "
        f"{verdict(pane['coder']['p95'], TARGET_PANE_MS)} |"
    )
    rows.append(
        f"| Reading pane, coloured by theme | {pane['coder_theme']['p50']} | {pane['coder_theme']['p95']} | "
        f"{pane['coder_theme']['queries']} | |"
    )
    rows.append(
        f"| Reading pane, the lead ({pane['lead_excerpts']} excerpts of both coders) | {pane['lead']['p50']} | "
        f"{pane['lead']['p95']} | {pane['lead']['queries']} | |"
    )
    table = "\n".join(rows)
    load = (
        f"Load average (1 min) when the requests began: {result['load_at_start']:.2f}, when they ended: "
        f"{result['load_at_end']:.2f}, on {os.cpu_count()} cores (other work may have been running; the "
        "figures are this machine's, at that moment)."
    )
    collections = (
        f"During the {result['saves']} saves Python made {result['gc_full']} full garbage collections "
        f"(median {result['gc_full_median']} ms each, paid by the request running at the time); the p95s "
        "include such pauses."
    )
    extraction = (
        f"Reading the {result['pdf_pages']}-page PDF's text layer ({result['pdf_characters']:,} characters), the "
        f"background job `study_text_read`: {result['extract_seconds']} s "
        f"(the other studies' PDFs of {', '.join(map(str, result['other_pages']))} pages: "
        f"{', '.join(map(str, result['extract_other_seconds']))} s)."
    )
    valences = ", ".join(f"{name} {share}%" for name, share in result["valences"].items())
    groups = ", ".join(f"{name} {share}%" for name, share in result["groups"].items())
    body = (
        f"One dual-coded review: {result['records']:,} screened records, {result['studies']} studies included "
        f"and reconciled with {result['final']:,} excerpts in the final set ({result['coders']:,} more are the "
        f"two coders' own), over {result['text_pages']:,} pages of text ({result['characters'] / 1e6:.1f} million "
        f"characters); five more studies being coded from PDFs read by the text job. Quotes of "
        f"{result['quote_min']}–{result['quote_max']} characters (median {result['quote_median']}); "
        f"{result['codes']} codes under 6 themes and 12 sub-themes, 1–3 codes an excerpt "
        f"({result['code_links']:,} links); the 14 TDF domains ({result['domain_links']:,} links); "
        f"{valences}; {groups}. Written straight into the tables (`bench/coding_speed.py`); requests through "
        f"Django's test client, so the figures are server time without the network. Pages after one "
        f"warm-up request; queries counted on one more.\n\n"
        + load
        + "\n\n"
        + table
        + "\n\n"
        + collections
        + "\n\n"
        + extraction
    )
    print(load)
    print(table)
    print(collections)
    print(extraction)
    return "Coding speed", body


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
