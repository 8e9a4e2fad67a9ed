"""The REFI-QDA export (.qdpx): a project.qde the schema accepts, study texts whose offsets select each
excerpt's quote, the codebook nested as in Tandem, domains, valences and groups as codes of their own,
typed-in quotes kept, and the blinding rule: a coder's download holds none of the other coder's excerpts."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from coding.models import Code, Domain, Excerpt
from coding.services.excerpt_import import excerpts_import
from report.refi_qda import RECONCILED_SET, qdpx_guid, review_qdpx
from tests.coding.helpers import code_excerpt, coded_studies, csv_bytes, span, text_read
from tests.shared_data import SHARED_DATA, requires_shared_data

NS = {"q": "urn:QDA-XML:project:1.0"}
SCHEMA = SHARED_DATA / "refi-qda" / "Project-mrt2019.xsd"

TIME = "Time pressure was the main barrier for nurses."
TRAINING = "Training in pain assessment helped nurses feel confident."
ROOM = "Patients said the waiting room had no space to talk."
MANAGERS = "Managers who protected time for training made change possible."
NOT_IN_TEXT = "Nurses wanted a quiet room for difficult conversations."
NO_TEXT_QUOTE = "We never had the time to ask about pain."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def coded(review, owner, reviewer, second_reviewer):
    """Study 1 has a text, coded by Bob and Carol (blind to each other); study 2 has no text, only a quote
    Bob typed in; study 3 has a text and a reconciled set, imported."""
    studies = coded_studies(review, owner, [reviewer, second_reviewer], count=3)
    first, second, third = studies
    text_read(review, first, owner)
    text_read(review, third, owner)
    bobs = {
        "time": code_excerpt(
            review,
            first,
            reviewer,
            passage=TIME,
            domains=("Knowledge",),
            new_code="Time pressure",
            new_code_theme="Organisation",
            new_code_subtheme="Workload",
            note="Bob's note on time.",
        ),
        "managers": code_excerpt(
            review,
            first,
            reviewer,
            quote=MANAGERS,
            valence_name="Facilitator",
            group_name="Patient",
            domains=("Environmental Context and Resources",),
        ),
        "missing": code_excerpt(
            review, first, reviewer, quote=NOT_IN_TEXT, domains=("Emotion",), new_code="Time pressure"
        ),
        "no_text": code_excerpt(review, second, reviewer, quote=NO_TEXT_QUOTE, new_code="Asking about pain"),
    }
    carols = {
        "training": code_excerpt(
            review,
            first,
            second_reviewer,
            passage=TRAINING,
            valence_name="Facilitator",
            domains=("Skills",),
            new_code="Training",
            new_code_theme="Skills and training",
        )
    }
    row = {
        "study": str(third.pk),
        "quote": ROOM,
        "valence": "Barrier",
        "group": "Patient",
        "domains": "Environmental Context and Resources",
        "theme": "Environment",
        "subtheme": "Space",
        "codes": "Waiting room",
    }
    excerpts_import(review=review, actor=owner, data=csv_bytes([row]))
    reconciled = {"room": Excerpt.objects.get(record=third, coder__isnull=True)}
    return {"studies": studies, "bob": bobs, "carol": carols, "reconciled": reconciled}


class Project:
    """A .qdpx opened: its project.qde parsed and the text of each source."""

    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.qde = self.zip.read("project.qde")
        self.root = ET.fromstring(self.qde)

    def all(self, path: str) -> list[ET.Element]:
        return self.root.findall(path, NS)

    def text_of(self, source: ET.Element) -> str:
        name = source.get("plainTextPath").removeprefix("internal://")
        return self.zip.read(f"Sources/{name}").decode("utf-8")

    def source(self, review, record) -> ET.Element:
        guid = qdpx_guid(review, "record", record.pk)
        return next(each for each in self.all(".//q:TextSource") if each.get("guid") == guid)

    @property
    def selections(self) -> dict[str, tuple[ET.Element, ET.Element]]:
        """Each selection by GUID, with its source."""
        return {
            selection.get("guid"): (selection, source)
            for source in self.all("q:Sources/q:TextSource")
            for selection in source.findall("q:PlainTextSelection", NS)
        }

    def coded_with(self, selection: ET.Element) -> set[str]:
        return {ref.get("targetGUID") for ref in selection.findall("q:Coding/q:CodeRef", NS)}


def _download(client, review, **params) -> Project:
    response = client.get(reverse("report:qdpx", args=[review.slug]), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return Project(b"".join(response.streaming_content))


# --- The schema -------------------------------------------------------------------------------------


@pytest.mark.shared_data
@requires_shared_data
def test_project_qde_validates_against_the_refi_qda_schema(review, lead, reviewer, coded):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    for data in (
        review_qdpx(review),
        review_qdpx(review, reconciled_only=True),
        review_qdpx(review, viewer=reviewer, sees_all=False),
    ):
        document = etree.fromstring(Project(data).qde)
        assert schema.validate(document), schema.error_log


@pytest.mark.shared_data
@requires_shared_data
def test_a_review_with_nothing_coded_still_gives_a_valid_project(review):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    project = Project(review_qdpx(review))

    assert schema.validate(etree.fromstring(project.qde)), schema.error_log
    assert project.all("q:Sources") == []


# --- Sources and selections -------------------------------------------------------------------------


def test_each_selection_selects_exactly_its_excerpts_quote_in_the_source_text(review, coded):
    project = Project(review_qdpx(review))
    selections = project.selections
    placed = [each for each in Excerpt.objects.filter(review=review) if each.quote != NOT_IN_TEXT]

    assert len(selections) == len(placed) == 5
    for excerpt in placed:
        selection, source = selections[qdpx_guid(review, "excerpt", excerpt.pk)]
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert project.text_of(source)[start:end] == excerpt.quote
        name = excerpt.quote if len(excerpt.quote) <= 60 else excerpt.quote[:59] + "…"
        assert selection.get("name") == name


def test_a_study_text_is_stored_as_its_pages_joined_so_offsets_match(review, coded):
    first = coded["studies"][0]
    project = Project(review_qdpx(review))
    source = project.source(review, first)
    time = coded["bob"]["time"]
    selection, _ = project.selections[qdpx_guid(review, "excerpt", time.pk)]

    assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
    assert "".join(page.text for page in first.study_text.pages.all()) == project.text_of(source)
    assert (int(selection.get("startPosition")), int(selection.get("endPosition"))) == (time.start, time.end)
    assert selection.find("q:Description", NS).text == "Bob's note on time."


def test_a_typed_in_quote_found_in_the_text_becomes_a_selection_where_it_is(review, coded):
    managers = coded["bob"]["managers"]
    assert managers.anchor == Excerpt.Anchor.TYPED and managers.start is None
    selection, _ = Project(review_qdpx(review)).selections[qdpx_guid(review, "excerpt", managers.pk)]

    start, end = span(coded["studies"][0], MANAGERS)
    assert (int(selection.get("startPosition")), int(selection.get("endPosition"))) == (start, end)


def test_a_typed_in_quote_not_in_the_text_is_kept_as_a_note_on_its_source(review, coded):
    missing = coded["bob"]["missing"]
    project = Project(review_qdpx(review))
    note_guid = qdpx_guid(review, "excerpt", missing.pk, "note")
    (note,) = project.all("q:Notes/q:Note")

    assert note.get("guid") == note_guid
    assert note.get("creatingUser") == qdpx_guid(review, "user", missing.coder_id)
    content = note.find("q:PlainTextContent", NS).text
    assert NOT_IN_TEXT in content
    assert "Codes: Time pressure" in content and "Domains: Emotion" in content
    assert "Valence: Barrier" in content and "Perspective group: HCP" in content and "Coder: bob" in content
    source = project.source(review, coded["studies"][0])
    assert [ref.get("targetGUID") for ref in source.findall("q:NoteRef", NS)] == [note_guid]


def test_a_study_without_a_text_is_a_source_holding_its_coded_quotes(review, coded):
    no_text = coded["bob"]["no_text"]
    project = Project(review_qdpx(review))
    source = project.source(review, coded["studies"][1])
    selection, _ = project.selections[qdpx_guid(review, "excerpt", no_text.pk)]

    assert project.text_of(source) == NO_TEXT_QUOTE
    assert (selection.get("startPosition"), selection.get("endPosition")) == ("0", str(len(NO_TEXT_QUOTE)))
    assert "No text of this study is stored" in source.find("q:Description", NS).text


def test_the_export_takes_a_fixed_few_queries_and_one_per_study_text(
    review, coded, django_assert_num_queries
):
    # Excerpts with their codes and domains, the codebook, frameworks with domains, valences, groups, the
    # included studies, their texts: 10; then the pages of each of the two studies with a text.
    with django_assert_num_queries(10 + 2):
        review_qdpx(review)


def test_exporting_again_gives_the_same_guids(review, coded):
    def guids(data: bytes) -> list[str]:
        return sorted(each.get("guid") for each in Project(data).root.iter() if each.get("guid"))

    assert guids(review_qdpx(review)) == guids(review_qdpx(review))


# --- Codebook and labels ----------------------------------------------------------------------------


def test_every_code_of_the_codebook_is_nested_as_themes_sub_themes_and_codes(review, coded):
    project = Project(review_qdpx(review))
    parents = {}
    for parent in [project.root.find("q:CodeBook/q:Codes", NS), *project.all(".//q:Code")]:
        for child in parent.findall("q:Code", NS):
            parents[child.get("guid")] = parent.get("guid")
    by_guid = {each.get("guid"): each for each in project.all(".//q:Code")}

    codes = list(Code.objects.filter(review=review))
    assert {code.name for code in codes} >= {"Organisation", "Workload", "Time pressure", "Waiting room"}
    for code in codes:
        guid = qdpx_guid(review, "code", code.pk)
        assert by_guid[guid].get("name") == code.name
        assert parents[guid] == (qdpx_guid(review, "code", code.parent_id) if code.parent_id else None)
        assert by_guid[guid].get("isCodable") == ("true" if code.kind == Code.Kind.CODE else "false")
    time_pressure = Code.objects.get(review=review, name="Time pressure")
    path = []
    guid = qdpx_guid(review, "code", time_pressure.pk)
    while guid is not None:
        path.append(by_guid[guid].get("name"))
        guid = parents[guid]
    assert path == ["Time pressure", "Workload", "Organisation"]


def test_domains_valences_and_groups_are_codes_that_code_each_excerpt(review, coded):
    project = Project(review_qdpx(review))
    top = {each.get("name"): each for each in project.all("q:CodeBook/q:Codes/q:Code")}

    assert top["TDF domains"].get("isCodable") == "false"
    assert {each.get("name") for each in top["TDF domains"].findall("q:Code", NS)} == set(
        Domain.objects.filter(framework__review=review).values_list("name", flat=True)
    )
    assert [each.get("name") for each in top["Valence"].findall("q:Code", NS)] == [
        "Barrier",
        "Facilitator",
        "Neither",
    ]
    assert [each.get("name") for each in top["Perspective group"].findall("q:Code", NS)] == [
        "HCP",
        "Patient",
        "Other",
    ]
    time = coded["bob"]["time"]
    selection, _ = project.selections[qdpx_guid(review, "excerpt", time.pk)]
    assert project.coded_with(selection) == {
        qdpx_guid(review, "code", Code.objects.get(review=review, name="Time pressure").pk),
        qdpx_guid(review, "domain", Domain.objects.get(framework__review=review, name="Knowledge").pk),
        qdpx_guid(review, "valence", time.valence_id),
        qdpx_guid(review, "group", time.group_id),
    }
    guids = {each.get("guid") for each in project.all(".//q:Code")}
    for _, (selection, _source) in project.selections.items():
        assert project.coded_with(selection) <= guids


# --- Users and blinding -----------------------------------------------------------------------------


def test_each_selection_is_created_by_its_coder_and_the_reconciled_set_by_its_own_user(
    review, reviewer, second_reviewer, coded
):
    project = Project(review_qdpx(review))
    users = {each.get("name"): each.get("guid") for each in project.all("q:Users/q:User")}
    selections = project.selections

    assert set(users) == {"bob", "carol", RECONCILED_SET}
    room, _ = selections[qdpx_guid(review, "excerpt", coded["reconciled"]["room"].pk)]
    training, _ = selections[qdpx_guid(review, "excerpt", coded["carol"]["training"].pk)]
    assert room.get("creatingUser") == users[RECONCILED_SET]
    assert training.get("creatingUser") == users["carol"]
    assert {coding.get("creatingUser") for coding in training.findall("q:Coding", NS)} == {users["carol"]}


def test_a_blinded_coders_download_has_none_of_the_other_coders_selections(
    review, reviewer, second_reviewer, client_for, coded
):
    project = _download(client_for(second_reviewer), review)
    creators = {selection.get("creatingUser") for selection, _ in project.selections.values()}

    assert creators == {
        qdpx_guid(review, "user", second_reviewer.pk),
        qdpx_guid(review, "user", "reconciled"),
    }
    assert set(project.selections) == {
        qdpx_guid(review, "excerpt", coded["carol"]["training"].pk),
        qdpx_guid(review, "excerpt", coded["reconciled"]["room"].pk),
    }
    assert {each.get("name") for each in project.all("q:Users/q:User")} == {"carol", RECONCILED_SET}
    assert project.all("q:Notes") == []
    everything = project.qde.decode() + "".join(
        project.zip.read(name).decode() for name in project.zip.namelist() if name.startswith("Sources/")
    )
    # The codebook is shared in Tandem (its names, not who used them), so only Bob's excerpts are secret.
    for secret in (NO_TEXT_QUOTE, NOT_IN_TEXT, "Bob's note on time."):
        assert secret not in everything
    assert "carol" in project.all("q:Description")[0].text


def test_the_leads_download_has_every_coders_selections(review, lead, client_for, coded):
    project = _download(client_for(lead), review)

    assert len(project.selections) == Excerpt.objects.filter(review=review).count() - 1
    assert {each.get("name") for each in project.all("q:Users/q:User")} == {"bob", "carol", RECONCILED_SET}
    assert len(project.all("q:Notes/q:Note")) == 1


def test_the_final_set_only_has_the_reconciled_excerpts(review, lead, client_for, coded):
    response = client_for(lead).get(reverse("report:qdpx", args=[review.slug]), {"set": "final"})
    assert 'filename="tdf-review-coding-final.qdpx"' in response["Content-Disposition"]
    project = Project(b"".join(response.streaming_content))

    assert set(project.selections) == {qdpx_guid(review, "excerpt", coded["reconciled"]["room"].pk)}
    assert [each.get("name") for each in project.all("q:Users/q:User")] == [RECONCILED_SET]


def test_the_download_is_for_members_only_and_get_only(review, outsider, reviewer, client_for):
    url = reverse("report:qdpx", args=[review.slug])

    assert client_for(outsider).get(url).status_code == 404
    assert client_for(reviewer).post(url).status_code == 405


def test_the_synthesis_page_links_to_the_download(review, reviewer, client_for, coded):
    page = client_for(reviewer).get(reverse("coding:synthesis", args=[review.slug])).content.decode()

    assert "Coded data for NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA .qdpx)" in page
    assert reverse("report:qdpx", args=[review.slug]) in page


# --- The command ------------------------------------------------------------------------------------


def test_the_command_writes_the_project_to_a_file(review, coded, tmp_path):
    output = tmp_path / "coding.qdpx"
    out = io.StringIO()

    call_command("export_qdpx", review.slug, "--output", str(output), stdout=out)

    assert "3 studies, 5 coded passages, 1 quotes not found in their text" in out.getvalue()
    assert len(Project(output.read_bytes()).selections) == 5
    assert not (tmp_path / "coding.qdpx.part").exists()
    call_command("export_qdpx", review.slug, "--output", str(output), "--reconciled-only", stdout=out)
    assert len(Project(output.read_bytes()).selections) == 1


def test_the_command_refuses_an_unknown_review(db, tmp_path):
    with pytest.raises(CommandError, match="No review with the short name 'nope'"):
        call_command("export_qdpx", "nope", "--output", str(tmp_path / "x.qdpx"))
