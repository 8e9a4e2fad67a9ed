"""Search exports made up for benchmarks: five databases, overlapping as real searches overlap.

Each made-up study is exported by one to five databases, each in its own format and style (MEDLINE
as nbib, Embase and PsycINFO as Ovid RIS, CINAHL as EBSCO RIS, Scopus as CSV), so the import parses
five formats and the deduplication has real work: about half of the records are duplicates. Records are
of real size: structured abstracts of about 1,500 characters, an affiliation per author, and the other
fields these exports carry (ISSN, language, publication type, subject headings, grants, dates, links),
with MEDLINE's lines wrapped as PubMed writes them.
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


DEPARTMENTS = (
    "Department of Primary Care and Public Health",
    "School of Nursing and Midwifery",
    "Department of Geriatric Medicine",
    "Institute of Health and Society",
    "Faculty of Pharmacy",
    "Centre for Implementation Science",
    "Department of Family Medicine",
    "School of Health Sciences",
    "Department of General Practice",
    "Nuffield Department of Primary Care Health Sciences",
    "Department of Health Services Research",
)
INSTITUTIONS = (
    ("University of Leeds", "Leeds", "United Kingdom"), ("University of Toronto", "Toronto", "Canada"),
    ("Karolinska Institutet", "Stockholm", "Sweden"), ("University of Sydney", "Sydney", "Australia"),
    ("Radboud University Medical Center", "Nijmegen", "Netherlands"), ("University of Oslo", "Oslo", "Norway"),
    ("McMaster University", "Hamilton", "Canada"), ("University College Cork", "Cork", "Ireland"),
    ("University of Copenhagen", "Copenhagen", "Denmark"), ("Monash University", "Melbourne", "Australia"),
    ("University of Bern", "Bern", "Switzerland"), ("Ghent University", "Ghent", "Belgium"),
    ("National University of Singapore", "Singapore", "Singapore"), ("University of Auckland", "Auckland", "New Zealand"),
)  # fmt: skip
MESH = (
    "Humans", "Female", "Male", "Aged", "Middle Aged", "Adult", "Aged, 80 and over", "Qualitative Research",
    "Primary Health Care/organization & administration", "Attitude of Health Personnel",
    "Health Knowledge, Attitudes, Practice", "Interviews as Topic", "Focus Groups", "Nurses/psychology",
    "Physicians, Primary Care/psychology", "Deprescriptions", "Polypharmacy", "Patient Participation",
    "Implementation Science", "Guideline Adherence/statistics & numerical data", "Surveys and Questionnaires",
)  # fmt: skip
# Names, topics and title openings spread as in real exports: a few very common, a long tail of rare ones
# (Zipf's law). Measured against a real export of the same size (bib-dedupe's digital_work, 7,159 records,
# 2,764 first authors), by the pairs the detector's blocking puts before it that are not the same study:
# 0.93 a record there, 0.95 in 7,159 of these records (3,070 first authors). With only the common surnames
# above and the words above for titles it was 1.83: twice the work of real records.
_NAME_PARTS = (
    "ba ber ca da del fe gar ha ja ka kol la lin ma mor na nov pe ra ro sa sch ta ter va vi wa ze bro "
    "chan dor el fi gu ho ive kr lu mu ol pa qu ri sto tu ul we yo"
).split()
_NAME_ENDS = "n son sen ez ski ov ini er man berg ek is os ova ic ard ley ton i a o".split()
_TOPIC_PARTS = "neur card pulm hepat nephr derm gastr oste arthr myel lymph thromb cyt angi onc immun".split()
_TOPIC_MIDS = "o i a ro ly mo ta ne".split()
_TOPIC_ENDS = "pathy genesis logy therapy itis plasty stasis toxicity kinesis trophy scopy graphy".split()


def _zipf_pool(names: list[str], offset: int = 10) -> tuple[list[str], list[float]]:
    """The names with cumulative weights falling as 1/(rank + offset), for ``random.choices(cum_weights=)``:
    the commonest surname about 1% of authors, as Smith or Wang in a large bibliography."""
    total, cumulative = 0.0, []
    for rank in range(1, len(names) + 1):
        total += 1 / (rank + offset)
        cumulative.append(total)
    return names, cumulative


def _surname_pool() -> tuple[list[str], list[float]]:
    made_up = [
        (first + second + end).capitalize()
        for first in _NAME_PARTS
        for second in _NAME_PARTS
        for end in _NAME_ENDS
    ]
    random.Random(7).shuffle(made_up)
    return _zipf_pool(list(SURNAMES) + [name for name in made_up if name not in SURNAMES])


def _topic_pool() -> tuple[list[str], list[float]]:
    terms = [part + middle + end for part in _TOPIC_PARTS for middle in _TOPIC_MIDS for end in _TOPIC_ENDS]
    random.Random(8).shuffle(terms)
    return _zipf_pool(terms)


SURNAME_POOL = _surname_pool()
TOPIC_POOL = _topic_pool()


def surname(rng: random.Random) -> str:
    names, weights = SURNAME_POOL
    return rng.choices(names, cum_weights=weights)[0]


# How titles in this field often begin; real titles share their first words (and so the detector's
# blocks on a title's start) far more often than made-up words alone would.
TITLE_OPENINGS = _zipf_pool(
    [
        "Barriers and facilitators to",
        "Barriers to",
        "The effect of",
        "Experiences of",
        "A qualitative study of",
        "Implementation of",
        "Factors associated with",
        "Perspectives of patients and health professionals on",
        "Evaluation of",
        "Attitudes towards",
        "Understanding",
        "Exploring",
        "Determinants of",
        "Impact of",
        "Use of",
    ],
    offset=2,
)


def _title(rng: random.Random) -> str:
    words = _sentence(rng, 6, 14).split()
    names, weights = TOPIC_POOL
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randint(0, len(words)), rng.choices(names, cum_weights=weights)[0])
    if rng.random() < 0.25:
        openings, opening_weights = TITLE_OPENINGS
        words[:0] = rng.choices(openings, cum_weights=opening_weights)[0].lower().split()
    title = " ".join(words)
    return title[0].upper() + title[1:]


ABSTRACT_SECTIONS = (("BACKGROUND", 2, 3), ("METHODS", 2, 3), ("RESULTS", 2, 4), ("CONCLUSIONS", 1, 2))


@dataclass
class Study:
    number: int
    title: str
    authors: list[tuple[str, str]]  # (surname, given names)
    affiliations: list[str]  # one per author
    year: int
    month: str
    journal: tuple[str, str]
    issn: str
    volume: str
    issue: str
    first_page: int
    last_page: int
    doi: str
    pmid: str
    abstract: str
    keywords: list[str]
    mesh: list[str]
    grant: str


class _Pools:
    """Abstract sections and affiliations drawn once per export set: a study's abstract joins one of each
    section, so abstracts are about 1,500 characters (as real ones) and no two studies share one."""

    def __init__(self, rng: random.Random, size: int = 300) -> None:
        self.sections = [
            [f"{heading}: {_sentences(rng, low, high)}" for _ in range(size)]
            for heading, low, high in ABSTRACT_SECTIONS
        ]
        self.affiliations = [
            f"{rng.choice(DEPARTMENTS)}, {name}, {city}, {country}."
            for name, city, country in (rng.choice(INSTITUTIONS) for _ in range(size))
        ]

    def abstract(self, rng: random.Random) -> str:
        return " ".join(rng.choice(options) for options in self.sections)


def _sentences(rng: random.Random, low: int, high: int) -> str:
    return " ".join(_sentence(rng, 10, 22).capitalize() + "." for _ in range(rng.randint(low, high)))


def structured_abstract(rng: random.Random) -> str:
    """One abstract of about 1,500 characters, in the sections journals ask for."""
    return " ".join(f"{heading}: {_sentences(rng, low, high)}" for heading, low, high in ABSTRACT_SECTIONS)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _study(number: int, rng: random.Random, pools: _Pools) -> Study:
    first = rng.randint(1, 900)
    authors = [
        (surname(rng), rng.choice("ABCDEFGHJKLMNPRST") + rng.choice(["", "", "J", "M", "A"]))
        for _ in range(rng.randint(1, 8))
    ]
    return Study(
        number=number,
        title=_title(rng),
        authors=authors,
        affiliations=[rng.choice(pools.affiliations) for _ in authors],
        year=rng.randint(1995, 2025),
        month=rng.choice(
            ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        ),
        journal=rng.choice(JOURNALS),
        issn=f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}{rng.choice('0123456789X')}",
        volume=str(rng.randint(1, 80)),
        issue=str(rng.randint(1, 12)),
        first_page=first,
        last_page=first + rng.randint(4, 15),
        doi=f"10.{rng.randint(1000, 9999)}/{rng.choice('abcdefghij')}{number:07d}"
        if rng.random() < 0.8
        else "",
        pmid=str(20000000 + number) if rng.random() < 0.9 else "",
        abstract=pools.abstract(rng),
        keywords=sorted({rng.choice(WORDS) for _ in range(rng.randint(3, 8))}),
        mesh=sorted({rng.choice(MESH) for _ in range(rng.randint(6, 14))}),
        grant=f"{rng.choice(('NIHR', 'CIHR', 'NHMRC', 'ZonMw', 'SNSF'))}/{rng.randint(10000, 99999)}"
        if rng.random() < 0.4
        else "",
    )


def _wrapped(tag: str, value: str, width: int = 82) -> str:
    """A MEDLINE field as PubMed writes it: lines of about 80 characters, continued after six spaces."""
    lines, line = [], ""
    for word in value.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return f"{tag:<4}- " + "\n      ".join(lines)


def _nbib(studies: list[Study]) -> str:
    out = []
    for study in studies:
        pmid = study.pmid or str(30000000 + study.number)
        lines = [
            f"PMID- {pmid}",
            "OWN - NLM",
            "STAT- MEDLINE",
            f"DCOM- {study.year}0{study.number % 9 + 1}15",
        ]
        lines += [f"IS  - {study.issn} (Electronic)", f"IS  - {study.issn} (Linking)"]
        lines += [f"VI  - {study.volume}", f"IP  - {study.issue}", f"DP  - {study.year} {study.month}"]
        lines.append(_wrapped("TI", f"{study.title}."))
        lines.append(f"PG  - {study.first_page}-{study.last_page}")
        if study.doi:
            lines.append(f"LID - {study.doi} [doi]")
        lines.append(_wrapped("AB", study.abstract))
        lines.append(f"CI  - © {study.year} The Authors.")
        for (surname, given), affiliation in zip(study.authors, study.affiliations, strict=True):
            lines += [f"FAU - {surname}, {given}", f"AU  - {surname} {given}", _wrapped("AD", affiliation)]
        lines += ["LA  - eng", "PT  - Journal Article"]
        if study.grant:
            lines += [f"GR  - {study.grant}", "PT  - Research Support, Non-U.S. Gov't"]
        lines += [f"DEP - {study.year}0{study.number % 9 + 1}02", "PL  - England"]
        lines += [
            f"TA  - {study.journal[1]}",
            f"JT  - {study.journal[0]}",
            f"JID - {9000000 + study.number % 977}",
        ]
        lines += ["SB  - IM", *(f"MH  - {term}" for term in study.mesh)]
        lines += ["OTO - NOTNLM", *(f"OT  - {keyword}" for keyword in study.keywords)]
        lines += [
            f"EDAT- {study.year}/0{study.number % 9 + 1}/03 06:00",
            f"CRDT- {study.year}/0{study.number % 9 + 1}/03 05:12",
        ]
        lines += [f"AID - {study.doi} [doi]"] if study.doi else []
        lines += ["PST - ppublish"]
        lines.append(
            f"SO  - {study.journal[1]}. {study.year} {study.month};{study.volume}({study.issue}):"
            f"{study.first_page}-{study.last_page}." + (f" doi: {study.doi}." if study.doi else "")
        )
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _ovid(studies: list[Study], database: str) -> str:
    out = []
    for index, study in enumerate(studies, start=1):
        lines = [f"{index}.", "TY  - JOUR", f"DB  - {database}", f"AN  - {600000000 + study.number}"]
        lines.append(f"T1  - {study.title}")
        lines += [f"A1  - {surname}, {given}" for surname, given in study.authors]
        lines += [f"Y1  - {study.year}//", f"N2  - {study.abstract}"]
        lines += [f"KW  - {keyword}" for keyword in study.keywords]
        lines += [f"KW  - {term.split('/')[0].lower()}" for term in study.mesh]
        lines += [f"JF  - {study.journal[0]}", f"JA  - {study.journal[1]}", f"VL  - {study.volume}"]
        lines += [f"IS  - {study.issue}", f"SP  - {study.first_page}", f"EP  - {study.last_page}"]
        lines += [f"CY  - {study.affiliations[0].rsplit(', ', 1)[-1].rstrip('.')}", f"SN  - {study.issn}"]
        lines += [f"M2  - {study.first_page}", "M3  - Journal Article", "LA  - English"]
        lines.append(f"AD  - {' '.join(dict.fromkeys(study.affiliations))}")
        lines.append(
            "UR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emexb&NEWS=N&AN="
            f"{600000000 + study.number}"
        )
        if study.doi:
            lines.append(f"DO  - https://dx.doi.org/{study.doi}")
        lines += [f"ID  - {study.pmid}"] if study.pmid else []
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
        lines += [f"Y1  - {study.year}", f"PY  - {study.year}", f"JO  - {study.journal[0]}"]
        lines += [f"VL  - {study.volume}", f"IS  - {study.issue}", f"SP  - {study.first_page}"]
        lines += [f"EP  - {study.last_page}", f"SN  - {study.issn}"]
        if study.doi:
            lines.append(f"L3  - {study.doi}")
        lines += [f"AB  - {study.abstract}", "M3  - Article", "LA  - English"]
        lines += [f"KW  - {term.split('/')[0]}" for term in study.mesh]
        lines.append(f"AD  - {study.affiliations[0]}")
        lines += [
            f"N1  - Accession Number: {100000000 + study.number}. Language: English. Entry Date: {study.year}0601. "
            "Revision Date: 20240101. Publication Type: Article. Journal Subset: Core Nursing; Peer Reviewed.",
            f"UR  - https://search.ebscohost.com/login.aspx?direct=true&db=ccm&AN={100000000 + study.number}",
            "ER  - ",
        ]
        out.append("\r\n".join(lines))
    return "\r\n\r\n".join(out) + "\r\n"


SCOPUS_COLUMNS = [
    "Authors", "Author full names", "Author(s) ID", "Title", "Year", "Source title", "Volume", "Issue", "Art. No.",
    "Page start", "Page end", "Page count", "Cited by", "DOI", "Link", "Affiliations", "Authors with affiliations",
    "Abstract", "Author Keywords", "Index Keywords", "Funding Details", "Correspondence Address", "Publisher",
    "ISSN", "PubMed ID", "Language of Original Document", "Abbreviated Source Title", "Document Type",
    "Publication Stage", "Open Access", "Source", "EID",
]  # fmt: skip


def _scopus_csv(studies: list[Study]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SCOPUS_COLUMNS)
    for study in studies:
        people = [(f"{surname} {given}.", f"{surname}, {given} ({57000000000 + study.number * 10 + n})")
                  for n, (surname, given) in enumerate(study.authors)]  # fmt: skip
        eid = f"2-s2.0-{85000000000 + study.number}"
        writer.writerow(
            [
                "; ".join(short for short, _ in people),
                "; ".join(full for _, full in people),
                ";".join(str(57000000000 + study.number * 10 + n) for n in range(len(people))),
                study.title,
                study.year,
                study.journal[0],
                study.volume,
                study.issue,
                "",
                study.first_page,
                study.last_page,
                study.last_page - study.first_page + 1,
                study.number % 37,
                study.doi,
                f"https://www.scopus.com/inward/record.uri?eid={eid}&partnerID=40&md5=0",
                "; ".join(dict.fromkeys(study.affiliations)),
                "; ".join(
                    f"{short}, {aff}" for (short, _), aff in zip(people, study.affiliations, strict=True)
                ),
                f"{study.abstract} © {study.year} The Authors",
                "; ".join(study.keywords),
                "; ".join(term.split("/")[0] for term in study.mesh),
                study.grant,
                f"{people[0][0]}; {study.affiliations[0]}",
                "Elsevier Ltd",
                study.issn.replace("-", ""),
                study.pmid,
                "English",
                study.journal[1],
                "Article",
                "Final",
                "All Open Access; Gold Open Access" if study.number % 3 == 0 else "",
                "Scopus",
                eid,
            ]
        )
    return buffer.getvalue()


def make_exports(total_records: int, seed: int = 2026) -> tuple[list[tuple[str, str, bytes]], int]:
    """Five (database, filename, content) exports holding ``total_records`` records, and the number of studies."""
    rng = random.Random(seed)
    pools = _Pools(rng)
    per_database: dict[str, list[Study]] = {name: [] for name, _, _ in DATABASES}
    count, number = 0, 0
    while count < total_records:
        number += 1
        study = _study(number, rng, pools)
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
