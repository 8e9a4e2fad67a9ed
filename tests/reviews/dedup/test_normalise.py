"""The normalisation helpers other code reuses."""

from __future__ import annotations

import pytest

from reviews.dedup import author_surnames, normalise_doi, normalise_title, page_start
from reviews.dedup.normalise import _NOTICE_HINT_RE, _may_hint_notice, notice_kind, page_ranges


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("New insights into HUS.", "new insights into hus"),
        ("[A study on the use of mycobacterium vaccine]", "a study on the use of mycobacterium vaccine"),
        ("Efficacy of batroxobin. [Chinese]", "efficacy of batroxobin"),
        (
            "Disease recurrence in renal transplantation. [Review] [42 refs]",
            "disease recurrence in renal transplantation",
        ),
        ("Postoperative immunostimulation (author's transl)", "postoperative immunostimulation"),
        ("SGLT2 in Ldlr<sup>-/-</sup> mice", "sglt2 in ldlr mice"),
        ("Caf&eacute; &amp; bar", "cafe and bar"),
        ('Na\\"{i}ve \\emph{T} cells', "naive t cells"),
        ("Étude de l'anémie", "etude de l anemie"),
        ("TNF-α blockade", "tnf alpha blockade"),
        ("ЗАЙНЯТІСТЬ І МОТИВАЦІЯ", "заинятість і мотивація"),
        ("Crowdwork: Applying a theory [Arbeiten in der Crowd]", "crowdwork applying a theory"),
        ("", ""),
        ("NA", ""),
    ],
)
def test_normalise_title(raw, expected):
    assert normalise_title(raw) == expected


def test_normalise_title_keeps_non_latin_scripts_distinct():
    assert normalise_title("Платформенная занятость") != normalise_title("Платформенная экономика")
    assert normalise_title("플랫폼 노동시장") == "플랫폼 노동시장"


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        (("Smith, J.", "Jones, Anna"), ("smith", "jones")),
        (("John Smith", "J. A. Jones"), ("smith", "jones")),
        (("Smith J", "Jones JA", "El Hachmane M."), ("smith", "jones", "elhachmane")),
        (("Le Quintrec, M.", "Sberro-Soussan, R."), ("lequintrec", "sberrosoussan")),
        (("Johan van der Berg",), ("vanderberg",)),
        (("Müller, K.", "Østergaard L"), ("muller", "østergaard")),
        (("АЗЬМУК, Н. А.",), ("азьмук",)),
        (("Smith, J. and Jones, A.",), ("smith", "jones")),
        (("Smith J; Jones A",), ("smith", "jones")),
        (("Anonymous",), ()),
        ((), ()),
    ],
)
def test_author_surnames(authors, expected):
    assert author_surnames(authors) == expected


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("123-30", "123"),
        ("123-130", "123"),
        ("S12-S14", "s12"),
        ("e1234", "e1234"),
        ("376 -- 383", "376"),
        ("0012", "12"),
        ("01-Jun", ""),
        ("", ""),
        ("NA", ""),
    ],
)
def test_page_start(pages, expected):
    assert page_start(pages) == expected


def test_page_ranges_expand_short_last_pages():
    assert page_ranges("123-30") == ((123, 130),)
    assert page_ranges("1030-7") == ((1030, 1037),)
    assert page_ranges("230-5, 246-51") == ((230, 235), (246, 251))


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        ("10.1000/ABC", "10.1000/abc"),
        ("https://doi.org/10.1000/abc", "10.1000/abc"),
        ("http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82", "10.1097/mol.0b013e3282ffaf82"),
        ("doi:10.1/x.", "10.1/x"),
        ("NA", ""),
        ("", ""),
    ],
)
def test_normalise_doi(doi, expected):
    assert normalise_doi(doi) == expected


@pytest.mark.parametrize(
    ("title", "publication_type", "expected"),
    [
        ("Erratum: Severe deficiency of ADAMTS13", "", "erratum"),
        ("Correction to: Effects of X", "", "erratum"),
        ("Eculizumab for atypical HUS (vol 360, pg 542, 2009)", "", "erratum"),
        ("Retraction note to: Y", "", "retraction"),
        ("Comment on: the trial", "", "comment"),
        ("Atypical HUS associated with streptococcus - Reply", "", "comment"),
        ("Effects of X", "Published Erratum", "erratum"),
        ("Effects of X", "Comment", "comment"),
        ("Correction of scoliosis in adolescents", "", ""),
        ("Response to treatment in HUS", "", ""),
        ("Treatment response", "JOUR", ""),
        ("RETRACTED: Effects of X", "", ""),
        ("Effects of X", "Retracted Publication", ""),
        ("Effects of X", "Retraction of Publication", "retraction"),
        ("Effects of X", "Letter", ""),
    ],
)
def test_notice_kind(title, publication_type, expected):
    assert notice_kind(title, publication_type) == expected


@pytest.mark.parametrize(
    "title",
    [
        "ERRATUM",
        "Corrigendum",
        "CORRECTION",
        "Retracted",
        "WITHDRAWN",
        "Expression of Concern",
        "COMMENT",
        "Reply",
        "RESPONSE",
        "Re : the trial",
        "PUBLISHER'S NOTE",
        "Effects of X ( Vol 3, pg 4)",
        "Effects of X (vol 3 ) )",
        "Ɍeply with a non-ASCII letter",
    ],
)
def test_every_title_the_notice_hint_matches_gets_past_the_quick_test(title):
    # The quick test only saves time: it must let through everything the hint itself would match.
    assert _NOTICE_HINT_RE.search(title) is None or _may_hint_notice(title)
    assert _may_hint_notice(title)
