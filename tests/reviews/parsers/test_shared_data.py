"""Every real export in ../shared/data parses to the record count SOURCES.md gives, or is refused for a reason.

The expected counts are read from SOURCES.md at test time, so a file added there is tested without
touching this module.
"""

from __future__ import annotations

import fnmatch
import functools
import re

import pytest

from reviews.parsers import ImportFormatError, ParseResult, parse_export
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [pytest.mark.shared_data, requires_shared_data]

# Files that are not bibliographic exports, or are in a format outside FORMATS: pattern -> (reason, message).
REFUSED = {
    "bib-dedupe/*__merged_record_ids.csv": (
        "dedup ground truth: one row of record ids per duplicate group, no titles",
        "no title column",
    ),
    "synergy/*_ids*.csv": (
        "SYNERGY label lists: pmid/doi/openalex ids and labels only; the titles live in OpenAlex",
        "no title column",
    ),
}

# Where SOURCES.md's automatic count is demonstrably wrong: file -> (true count, why). Every other count was
# checked against the parsed records (and by eye for the odd layouts) and agreed.
COUNT_OVERRIDES: dict[str, tuple[int, str]] = {
    "colrev/ais_enl.txt": (
        6,
        "SOURCES.md counted %0 lines, but only 2 of the 6 blank-line-separated records (each with %T, %B, "
        "%D, %U) have a reference type",
    ),
    "colrev/enl_data.enl": (
        3,
        "SOURCES.md counted %0 lines; the third record (the MISQ table of contents) has none, and CoLRev's "
        "own expected output for this file (tests/2_loader/data/enl_data_expected.bib) has 3 entries",
    ),
}


def expected_count(name: str) -> int:
    return COUNT_OVERRIDES.get(name, (EXPECTED[name], ""))[0]


# The column giving a file's count: "records", or "citations" in the table of MEDLINE baseline files.
_COUNT_COLUMNS = ("records", "citations")


def _sources_table() -> dict[str, int]:
    """File path -> record count, from every table in SOURCES.md that has a "file" and a count column."""
    sources = SHARED_DATA / "SOURCES.md"
    if not sources.is_file():
        return {}
    expected: dict[str, int] = {}
    columns: list[str] | None = None
    count: str | None = None
    for line in sources.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if columns is None:
            columns = [cell.lower() for cell in cells]
            count = next((column for column in _COUNT_COLUMNS if column in columns), None)
        elif "file" in columns and count and not set("".join(cells)) <= set("-: "):
            name = re.search(r"`([^`]+)`", cells[columns.index("file")])
            if name:
                expected[name.group(1)] = int(cells[columns.index(count)])
    return expected


EXPECTED = _sources_table()


def refusal_for(name: str) -> tuple[str, str] | None:
    matches = [reason for pattern, reason in REFUSED.items() if fnmatch.fnmatch(name, pattern)]
    return matches[0] if matches else None


@functools.cache
def parsed(name: str) -> ParseResult:
    return parse_export((SHARED_DATA / name).read_bytes(), filename=name)


def test_sources_md_lists_the_data_files():
    assert len(EXPECTED) >= 150
    missing = [name for name in EXPECTED if not (SHARED_DATA / name).is_file()]
    assert missing == []


def test_every_refusal_pattern_matches_a_listed_file():
    for pattern in REFUSED:
        assert any(fnmatch.fnmatch(name, pattern) for name in EXPECTED), pattern


def test_every_count_override_corrects_a_listed_count():
    for name, (count, _) in COUNT_OVERRIDES.items():
        assert EXPECTED[name] != count, name


@pytest.mark.parametrize("name", sorted(EXPECTED) or ["(SOURCES.md not found)"])
def test_each_shared_export_parses_to_its_listed_record_count_or_is_refused(name):
    refusal = refusal_for(name)
    if refusal is not None:
        reason, message = refusal
        with pytest.raises(ImportFormatError) as caught:
            parsed(name)
        assert message in str(caught.value), reason
        assert str(caught.value).startswith(name)
        return

    result = parsed(name)

    expected = expected_count(name)
    assert len(result.records) == expected
    if expected >= 10:
        # Guards against a reader that finds the right number of records but not their content.
        titled = sum(1 for record in result.records if record.title)
        assert titled >= 0.9 * expected


# (file, record index) -> fields the record must have; values written as in the file, DOI normalised.
SPOT_CHECKS = {
    ("CiteSource/0_Ovid_search_results_1_to_1000.ris", 0): {
        "title": "Mushroom poisoning: A proposed new clinical classification.",
        "authors[0]": "White, Julian",
        "year": 2018,
        "doi": "10.1016/j.toxicon.2018.11.007",
        "pmid": "30439442",
        "pages": "53-65",
    },
    ("nbib-holub008/pubmed-balloongui-set.nbib", 0): {
        "authors[0]": "Zaidat, Osama O",
        "year": 2019,
        "doi": "10.1161/strokeaha.118.021126",
        "pmid": "30776994",
        "journal": "Stroke",
        "pages": "697-704",
    },
    ("revtools/restoration_WoS.ciw", 0): {
        "authors[0]": "Alvarez-Manzaneda, I.",
        "year": 2019,
        "doi": "10.1016/j.scitotenv.2018.11.375",
        "source_record_id": "WOS:000455039600059",
        "pages": "598-607",
    },
    ("ASySD/labelled_test_set.csv", 0): {
        "title": "Intestinal lipoprotein overproduction in insulin-resistant states",
        "authors": ["Adeli K.", "Lewis G. F."],
        "year": 2008,
        "doi": "10.1097/mol.0b013e3282ffaf82",
    },
    ("colrev/pubmed-chatbot.csv", 0): {
        "pmid": "35227408",
        "authors[0]": "Lim SM",
        "volume": "53",
        "issue": "2",
        "pages": "334-347",
    },
    ("synthesisr/Scopus_bib_example.bib", 0): {
        "source_record_id": "Li2020",
        "authors[0]": "Li, W.",
        "doi": "10.1080/20964129.2020.1722034",
    },
    ("ASySD/mendeley_export.xml", 0): {
        "title": "Myoclonus in older Cavalier King Charles Spaniels.",
        "pmid": "35319117",
        "doi": "10.1111/jvim.16404",
        "pages": "1032-1038",
    },
    ("CiteSource/20221207_gambling-harms_crimjust_41.ris", 0): {
        "authors[0]": "Francis, Louise",
        "doi": "10.1080/16066359.2020.1867111",
        "journal": "Addiction Research & Theory",
    },
    ("asreview/embase.ris", 1): {"pmid": "15368318", "source_record_id": "L39097156", "year": 2004},
    ("asreview/ris_issue_992.txt", 0): {"title": "Overcoming Medication Reconciliation Challenges"},
    ("colrev/ais_enl.txt", 3): {
        "authors": [
            "Rokrok, Ebrahim",
            "Shafie-khah, Miadreza",
            "Osório, Gerardo",
            "Carvalho, João P. P.",
            "Catalao, Joao",
        ],
        "journal": "Hawaii International Conference on System Sciences 2019 (HICSS-52)",
        "year": 2019,
        "urls": ["https://aisel.aisnet.org/hicss-52/da/sustainability/2"],
    },
    ("colrev/enl_data.enl", 0): {
        "authors[0]": "Guo, Wenbo",
        "journal": "Management Information Systems Quarterly",
        "volume": "45",
        "issue": "3",
        "pages": "1309-1348",
        "publication_type": "Journal Article",
    },
    ("pubmed-xml/medline16n0902_604_citations.xml.gz", 0): {
        "title": (
            "Neuroplasticity in the processing of pitch dimensions: a multidimensional scaling analysis of the "
            "mismatch negativity."
        ),
        "authors": ["Chandrasekaran, B", "Gandour, JT", "Krishnan, A"],
        "year": 2007,
        "journal": "Restorative neurology and neuroscience",
        "pmid": "17942999",
        "pages": "195-210",
    },
    ("bib-dedupe/digital_work__records_pre_merged.csv", 0): {
        "authors[0]": "АЗЬМУК, Н. А.",
        "source_record_id": "id_0000000",
        "pages": "376-383",
    },
}


def _field(record, name: str):
    if name.endswith("[0]"):
        return getattr(record, name[:-3])[0]
    return getattr(record, name)


@pytest.mark.parametrize(("key", "fields"), SPOT_CHECKS.items(), ids=[f"{n}#{i}" for n, i in SPOT_CHECKS])
def test_spot_checked_records_have_their_real_content(key, fields):
    name, index = key
    record = parsed(name).records[index]

    assert {field: _field(record, field) for field in fields} == fields


def test_rayyan_keywords_written_over_several_lines_are_separate():
    record = parsed("asreview/ris_issue_992.txt").records[0]

    assert record.keywords[:3] == ["Health Facility Administration", "Joint Commission", "Standards"]


def test_the_same_library_reads_alike_from_nbib_ris_and_endnote_xml():
    firsts = [parsed(f"RefLib/blue-light.{ext}").records[0] for ext in ("nbib", "ris", "xml")]

    # PubMed ends titles with a full stop; EndNote drops it.
    assert {(r.title.rstrip("."), r.doi, r.pmid, r.year) for r in firsts} == {
        (
            "Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its "
            "Anti-Propionibacterium acne Effects",
            "10.4103/abr.abr_99_17",
            "29657938",
            2018,
        )
    }


def test_duplicate_captions_of_the_dedup_benchmarks_survive_in_raw():
    captions = [r.raw.get("caption") for r in parsed("bib-dedupe/respiratory__Respiratory.xml").records]

    assert captions.count(["Duplicate"]) == 799


def test_ovid_link_lines_between_records_are_skipped():
    result = parsed("CiteSource/0_Ovid_search_results_1_to_1000.ris")

    assert all(
        "Link to the Ovid" not in value
        for r in result.records
        for values in r.raw.values()
        for value in values
    )


def test_the_windows_1252_csv_is_decoded_as_such():
    result = parsed("ASySD/labelled_test_set.csv")

    assert result.encoding == "cp1252"
    assert any("©" in record.abstract for record in result.records)


def test_the_medline_baseline_layout_reads_as_pubmed_xml_with_its_abstracts():
    name = "pubmed-xml/medline16n0902_604_citations.xml.gz"
    result = parsed(name)

    assert (result.format, len(result.records), EXPECTED[name]) == ("pubmed-xml", 604, 604)
    first = result.records[0]
    assert first.abstract.startswith("PURPOSE: An auditory electrophysiological study was conducted")
    assert first.abstract.endswith(
        "CONCLUSIONS: The MMN can serve as an index of pitch features that are differentially weighted "
        "depending on a listener's experience with lexical tones and their acoustic correlates within a "
        "particular tone space."
    )
    assert len({record.pmid for record in result.records}) == 604
