"""Search exports made up for benchmarks: five databases, overlapping as real searches overlap.

Each made-up study is exported by one to five databases, each in its own format and style (MEDLINE
as nbib, Embase and PsycINFO as Ovid RIS, CINAHL as EBSCO RIS, Scopus as CSV), so the import parses
five formats and the deduplication has real work: about half of the records are duplicates.
Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

WORDS = (
    "barriers facilitators implementation primary care nurses physicians patients adherence medication "
    "deprescribing older adults diabetes hypertension heart failure stroke rehabilitation qualitative "
    "interview focus group survey mixed methods systematic review scoping community hospital pharmacy "
    "general practice telehealth digital intervention education training guideline uptake attitudes "
    "beliefs knowledge skills behaviour change theoretical domains framework capability opportunity "
    "motivation social influences environmental context resources professional role identity memory "
    "attention decision processes emotion reinforcement goals intentions optimism consequences "
    "self-management chronic disease cancer screening vaccination mental health depression anxiety "
    "dementia palliative end-of-life paediatric maternal antenatal postnatal obesity physical activity "
    "nutrition smoking cessation alcohol opioid prescribing antibiotic stewardship infection prevention "
    "hand hygiene falls frailty multimorbidity polypharmacy transitions discharge readmission quality "
    "safety patient-centred shared decision-making communication interprofessional teamwork leadership"
).split()
SURNAMES = (
    "Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright Robinson Thompson "
    "White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott Cooper "
    "Morris Ward Moore King Watson Baker Harrison Morgan Patel Young Allen Mitchell James Anderson Phillips "
    "Lee Bell Parker Davis Müller Schmidt García Rodríguez Martínez López González Rossi Russo Ferrari "
    "Kowalski Nowak Novák Jensen Nielsen Hansen Larsen Andersen Johansson Karlsson Nilsson Virtanen "
    "Korhonen Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Kim Park Choi Tanaka Suzuki Sato Nguyen"
).split()
JOURNALS = [
    ("BMC Health Services Research", "BMC Health Serv Res"),
    ("Implementation Science", "Implement Sci"),
    ("Journal of Advanced Nursing", "J Adv Nurs"),
    ("British Journal of General Practice", "Br J Gen Pract"),
    ("BMJ Open", "BMJ Open"),
    ("Age and Ageing", "Age Ageing"),
    ("Patient Education and Counseling", "Patient Educ Couns"),
    ("International Journal of Nursing Studies", "Int J Nurs Stud"),
    ("Journal of Clinical Nursing", "J Clin Nurs"),
    ("Health Expectations", "Health Expect"),
    ("Social Science & Medicine", "Soc Sci Med"),
    ("Qualitative Health Research", "Qual Health Res"),
    ("Family Practice", "Fam Pract"),
    ("Journal of the American Geriatrics Society", "J Am Geriatr Soc"),
    ("Research in Social and Administrative Pharmacy", "Res Social Adm Pharm"),
]
DATABASES = (
    ("MEDLINE", 0.6, "nbib"),
    ("Embase", 0.55, "ovid"),
    ("CINAHL", 0.3, "ebsco"),
    ("PsycINFO", 0.25, "ovid"),
    ("Scopus", 0.3, "csv"),
)


@dataclass
class Study:
    number: int
    title: str
    authors: list[tuple[str, str]]  # (surname, given names)
    year: int
    journal: tuple[str, str]
    volume: str
    issue: str
    first_page: int
    last_page: int
    doi: str
    pmid: str
    abstract: str
    keywords: list[str]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _study(number: int, rng: random.Random) -> Study:
    first = rng.randint(1, 900)
    title = _sentence(rng, 7, 16)
    return Study(
        number=number,
        title=title[0].upper() + title[1:],
        authors=[
            (rng.choice(SURNAMES), rng.choice("ABCDEFGHJKLMNPRST") + rng.choice(["", "", "J", "M", "A"]))
            for _ in range(rng.randint(1, 8))
        ],
        year=rng.randint(1995, 2025),
        journal=rng.choice(JOURNALS),
        volume=str(rng.randint(1, 80)),
        issue=str(rng.randint(1, 12)),
        first_page=first,
        last_page=first + rng.randint(4, 15),
        doi=f"10.{rng.randint(1000, 9999)}/{rng.choice('abcdefghij')}{number:07d}"
        if rng.random() < 0.8
        else "",
        pmid=str(20000000 + number) if rng.random() < 0.9 else "",
        abstract=". ".join(_sentence(rng, 12, 25) for _ in range(rng.randint(4, 8))) + ".",
        keywords=sorted({rng.choice(WORDS) for _ in range(rng.randint(3, 8))}),
    )


def _nbib(studies: list[Study]) -> str:
    out = []
    for study in studies:
        lines = [f"PMID- {study.pmid or 30000000 + study.number}", "OWN - NLM", f"TI  - {study.title}."]
        lines += [f"FAU - {surname}, {given}\nAU  - {surname} {given}" for surname, given in study.authors]
        lines += [f"DP  - {study.year}", f"TA  - {study.journal[1]}", f"JT  - {study.journal[0]}"]
        lines += [
            f"VI  - {study.volume}",
            f"IP  - {study.issue}",
            f"PG  - {study.first_page}-{study.last_page}",
        ]
        if study.doi:
            lines.append(f"LID - {study.doi} [doi]")
        lines.append(f"AB  - {study.abstract}")
        lines += [f"MH  - {keyword}" for keyword in study.keywords]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _ovid(studies: list[Study], database: str) -> str:
    out = []
    for index, study in enumerate(studies, start=1):
        lines = [f"{index}.", "TY  - JOUR", f"DB  - {database}", f"AN  - {600000000 + study.number}"]
        lines.append(f"T1  - {study.title}")
        lines += [f"A1  - {surname}, {given}" for surname, given in study.authors]
        lines += [f"Y1  - {study.year}//", f"JF  - {study.journal[0]}", f"JA  - {study.journal[1]}"]
        lines += [f"VL  - {study.volume}", f"IS  - {study.issue}", f"SP  - {study.first_page}"]
        lines.append(f"EP  - {study.last_page}")
        if study.doi:
            lines.append(f"DO  - https://dx.doi.org/{study.doi}")
        lines.append(f"N2  - {study.abstract}")
        lines += [f"KW  - {keyword}" for keyword in study.keywords]
        lines.append("ER  - ")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _ebsco(studies: list[Study]) -> str:
    out = []
    for study in studies:
        lines = [
            "TY  - JOUR",
            "DB  - CINAHL Complete",
            "DP  - EBSCOhost",
            f"AN  - {100000000 + study.number}",
        ]
        lines.append(f"T1  - {study.title.upper() if study.number % 7 == 0 else study.title}")
        lines += [f"AU  - {surname}, {given}" for surname, given in study.authors]
        lines += [f"Y1  - {study.year}", f"JO  - {study.journal[0]}", f"VL  - {study.volume}"]
        lines += [f"IS  - {study.issue}", f"SP  - {study.first_page}", f"EP  - {study.last_page}"]
        if study.doi:
            lines.append(f"L3  - {study.doi}")
        lines += [
            f"AB  - {study.abstract}",
            "M3  - Article",
            f"N1  - Accession Number: {100000000 + study.number}",
        ]
        lines.append("ER  - ")
        out.append("\r\n".join(lines))
    return "\r\n\r\n".join(out) + "\r\n"


def _scopus_csv(studies: list[Study]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "Authors",
            "Title",
            "Year",
            "Source title",
            "Volume",
            "Issue",
            "Page start",
            "Page end",
            "DOI",
            "Abstract",
            "Author Keywords",
            "PubMed ID",
            "EID",
        ]
    )
    for study in studies:
        authors = "; ".join(f"{surname} {given}." for surname, given in study.authors)
        writer.writerow(
            [
                authors,
                study.title,
                study.year,
                study.journal[0],
                study.volume,
                study.issue,
                study.first_page,
                study.last_page,
                study.doi,
                study.abstract,
                "; ".join(study.keywords),
                study.pmid,
                f"2-s2.0-{85000000000 + study.number}",
            ]
        )
    return buffer.getvalue()


def make_exports(total_records: int, seed: int = 2026) -> tuple[list[tuple[str, str, bytes]], int]:
    """Five (database, filename, content) exports holding ``total_records`` records, and the number of studies."""
    rng = random.Random(seed)
    per_database: dict[str, list[Study]] = {name: [] for name, _, _ in DATABASES}
    count, number = 0, 0
    while count < total_records:
        number += 1
        study = _study(number, rng)
        chosen = [name for name, probability, _ in DATABASES if rng.random() < probability]
        for name in chosen or [rng.choice(DATABASES)[0]]:
            per_database[name].append(study)
            count += 1
    files = []
    for name, _, style in DATABASES:
        studies = per_database[name]
        rng.shuffle(studies)
        if style == "nbib":
            files.append((name, f"{name.lower()}.nbib", _nbib(studies).encode()))
        elif style == "ovid":
            files.append((name, f"{name.lower()}_ovid.ris", _ovid(studies, name).encode()))
        elif style == "ebsco":
            files.append((name, f"{name.lower()}_ebsco.ris", _ebsco(studies).encode()))
        else:
            files.append((name, f"{name.lower()}.csv", _scopus_csv(studies).encode("utf-8-sig")))
    return files, number
