"""The starting forms: each loads into an empty form, is a valid form, and can be filled in and submitted."""

from __future__ import annotations

import pytest

from extraction import services
from extraction.models import FieldType, FormField
from extraction.starters import STARTERS, starter_suggested
from extraction.values import options
from reviews.models import AuditEvent, Review
from tests.extraction.helpers import fields_by_label, starter_form

SPEC_KEYS = {"label", "field_type", "help_text", "choices", "is_required"}
# Asked of the study record instead: a starter that asks an extractor to type them invites two years for one
# study.
FROM_THE_RECORD = {"author", "authors", "year", "year of publication", "journal", "doi", "title"}


def _labels(starter: dict) -> list[str]:
    return [spec["label"] for _, specs in starter["sections"] for spec in specs]


@pytest.mark.parametrize("key", list(STARTERS))
def test_each_starter_is_a_valid_form(key):
    starter = STARTERS[key]
    assert starter["name"] and starter["description"]
    labels = _labels(starter)
    assert len(labels) == len(set(labels)), "a label twice"
    assert not {label.casefold() for label in labels} & FROM_THE_RECORD
    assert any(spec.get("is_required") for _, specs in starter["sections"] for spec in specs)
    for title, specs in starter["sections"]:
        assert title and specs, key
        for spec in specs:
            assert set(spec) <= SPEC_KEYS, (key, spec["label"])
            assert spec["field_type"] in FieldType.values, (key, spec["label"])
            assert 0 < len(spec["label"]) <= 200 and len(spec.get("help_text", "")) <= 500
            has_choices = spec["field_type"] in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE)
            assert has_choices == ("choices" in spec), (key, spec["label"])
            if has_choices:
                assert len(spec["choices"]) == len(set(spec["choices"])) >= 2


@pytest.mark.parametrize("key", list(STARTERS))
def test_each_starter_loads_as_it_is_written_and_is_audited(review, owner, key):
    sections = services.form_starter_load(review=review, actor=owner, starter=key)
    assert [section.title for section in sections] == [title for title, _ in STARTERS[key]["sections"]]
    loaded = FormField.objects.filter(review=review).order_by("section__position", "position")
    assert [field.label for field in loaded] == _labels(STARTERS[key])
    assert not loaded.filter(group__isnull=False).exists()
    event = AuditEvent.objects.get(review=review, action="extraction.starter_load")
    assert event.actor == owner and event.after["starter"] == STARTERS[key]["name"]


@pytest.mark.parametrize("key", list(STARTERS))
def test_each_starter_can_be_filled_in_and_submitted(review, owner, reviewer, studies, key):
    """Every field takes a value of its type, and the required ones are enough to submit."""
    fields = starter_form(review, owner, key)
    typed = {
        FieldType.SHORT_TEXT: "Primary care",
        FieldType.LONG_TEXT: "Nurses on two wards.\nSecond line.",
        FieldType.INTEGER: "24",
        FieldType.DECIMAL: "0.5",
        FieldType.YEAR: "2019",
        FieldType.DATE: "2019-04-01",
    }
    raw = {
        field.pk: typed.get(field.field_type) or list(options(field))[:1]
        for field in fields.values()
        if field.is_required
    }
    extraction = services.extraction_save(
        review=review, record=studies[0], reviewer=reviewer, raw_answers=raw, submit=True
    )
    assert extraction.status == "submitted"
    answered = [answer for answer in extraction.answers.all() if answer.value not in (None, "", [])]
    assert len(answered) == len(raw)


def test_the_scoping_starter_charts_the_jbi_items():
    labels = " | ".join(_labels(STARTERS["scoping"])).casefold()
    for item in (
        "country of origin",
        "aims / purpose",
        "population",
        "sample size",
        "methodology / methods",
        "intervention type and comparator",
        "duration of the intervention",
        "outcomes and details of these",
        "key findings that relate to the review question",
        "concept",
        "context",
    ):
        assert item in labels, item


def test_the_intervention_starter_asks_pico_and_results():
    labels = {label.casefold() for label in _labels(STARTERS["intervention"])}
    assert {"population", "intervention", "comparator", "primary outcome", "follow-up", "results"} <= labels
    assert "study design" in labels


@pytest.mark.parametrize(
    ("review_type", "key"),
    [(Review.ReviewType.SCOPING, "scoping"), (Review.ReviewType.SYSTEMATIC, "intervention")],
)
def test_the_starter_suggested_first_suits_the_review_type(review_type, key):
    assert starter_suggested(review_type) == key
    assert starter_suggested("something else") == "qualitative"


def test_the_builder_offers_every_starter_and_loads_the_one_chosen(review, owner, client_for):
    client = client_for(owner)
    page = client.get(f"/r/{review.slug}/extraction/form/").content.decode()
    for key, starter in STARTERS.items():
        assert f'name="starter" value="{key}"' in page and starter["name"] in page
    suggested = starter_suggested(review.review_type)
    assert f'value="{suggested}" aria-describedby="starter-{suggested}-about" checked' in page
    assert page.count(" checked>") == 1
    response = client.post(
        f"/r/{review.slug}/extraction/form/starter/",
        {"starter": "intervention"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body and "The starting template for Intervention studies (PICO) is loaded" in body
    assert "Comparator" in body and 'name="starter"' not in body
    assert set(fields_by_label(review)) == set(_labels(STARTERS["intervention"]))


def test_the_builder_refuses_a_starter_it_does_not_offer(review, owner, client_for):
    response = client_for(owner).post(
        f"/r/{review.slug}/extraction/form/starter/", {"starter": "../secret"}, headers={"HX-Request": "true"}
    )
    assert services.STARTER_UNKNOWN in response.content.decode()
    assert not FormField.objects.filter(review=review).exists()
