"""The built-in starting form for qualitative and scoping reviews: loaded with one button, then edited."""

from __future__ import annotations

STARTER_FORM: tuple[tuple[str, tuple[dict, ...]], ...] = (
    (
        "Study details",
        (
            {"label": "Author", "field_type": "short_text", "is_required": True, "help_text": "First author's surname, e.g. Smith et al."},
            {"label": "Year", "field_type": "year", "is_required": True, "help_text": "Year of publication."},
            {"label": "Country", "field_type": "country", "is_required": True, "help_text": "Where the study took place."},
            {"label": "Healthcare setting / sector", "field_type": "short_text", "help_text": "e.g. primary care, acute hospital, community, long-term care."},
            {
                "label": "Study design",
                "field_type": "single_choice",
                "is_required": True,
                "choices": ["Qualitative descriptive", "Phenomenology", "Grounded theory", "Ethnography", "Case study", "Mixed methods", "Other"],
            },
            {
                "label": "Data collection method",
                "field_type": "multiple_choice",
                "choices": ["Semi-structured interviews", "Focus groups", "Observation", "Survey / questionnaire", "Document analysis", "Other"],
            },
        ),
    ),
    (
        "Participants",
        (
            {"label": "Number of HCP participants", "field_type": "integer", "total": "hcp", "help_text": "Health care professionals; leave blank if none took part."},
            {"label": "Number of patient participants", "field_type": "integer", "total": "patients", "help_text": "Patients or service users; leave blank if none took part."},
        ),
    ),
    (
        "Content",
        (
            {"label": "Intervention", "field_type": "long_text", "help_text": "What was studied or introduced, if anything."},
            {"label": "Aims", "field_type": "long_text", "is_required": True},
            {"label": "Key findings", "field_type": "long_text", "is_required": True, "help_text": "The findings relevant to the review question."},
        ),
    ),
)  # fmt: skip
