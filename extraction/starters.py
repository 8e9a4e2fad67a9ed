"""The starting forms the form builder offers when the form is empty: loaded with one button, then edited.

Plain data: each starter has a name, a line saying what it suits, the review types it is suggested for,
and its sections, each a title and its fields (the arguments ``FormField`` takes). None asks for the
authors, year, journal or DOI: those come from the study record. None counts a participant group either:
groups are the review's own, defined in the form builder.
"""

from __future__ import annotations

STARTERS: dict[str, dict] = {
    "qualitative": {
        "name": "Qualitative studies",
        "description": "Interview, focus-group and observation studies: setting, design, data collection, "
        "participants, aims and key findings.",
        "review_types": (),
        "sections": (
            (
                "Study details",
                (
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
                    {"label": "Participants", "field_type": "long_text", "help_text": "Who took part: roles, conditions, ages, how they were recruited."},
                    {"label": "Number of participants", "field_type": "integer", "help_text": "Everyone who took part, as the study reports it."},
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
        ),
    },
    "intervention": {
        "name": "Intervention studies (PICO)",
        "description": "Trials and other studies of an intervention: design, population, intervention, comparator, "
        "outcomes, follow-up and results.",
        "review_types": ("systematic",),
        "sections": (
            (
                "Methods",
                (
                    {
                        "label": "Study design",
                        "field_type": "single_choice",
                        "is_required": True,
                        "choices": ["Randomised controlled trial", "Cluster randomised trial", "Non-randomised controlled study", "Controlled before-after study", "Interrupted time series", "Cohort study", "Case-control study", "Uncontrolled before-after study", "Other"],
                    },
                    {"label": "Country", "field_type": "country", "is_required": True, "help_text": "Where the study took place."},
                    {"label": "Setting", "field_type": "short_text", "help_text": "e.g. primary care, hospital wards, community, schools."},
                    {"label": "Aim", "field_type": "long_text", "help_text": "The study's objective, as the authors state it."},
                ),
            ),
            (
                "Population",
                (
                    {"label": "Population", "field_type": "long_text", "is_required": True, "help_text": "Who was studied: condition, age, sex, inclusion and exclusion criteria."},
                    {"label": "Number randomised or enrolled", "field_type": "integer"},
                    {"label": "Number analysed", "field_type": "integer", "help_text": "For the primary outcome."},
                ),
            ),
            (
                "Intervention and comparator",
                (
                    {"label": "Intervention", "field_type": "long_text", "is_required": True, "help_text": "What was given, by whom, how, how often and for how long."},
                    {"label": "Comparator", "field_type": "long_text", "is_required": True, "help_text": "e.g. usual care, placebo, another intervention, no intervention."},
                    {"label": "Number in the intervention group", "field_type": "integer"},
                    {"label": "Number in the comparator group", "field_type": "integer"},
                ),
            ),
            (
                "Outcomes",
                (
                    {"label": "Primary outcome", "field_type": "long_text", "is_required": True, "help_text": "What was measured, how, and at which time points."},
                    {"label": "Secondary outcomes", "field_type": "long_text"},
                    {"label": "Follow-up", "field_type": "short_text", "help_text": "Length of follow-up, e.g. 12 months after randomisation."},
                ),
            ),
            (
                "Results",
                (
                    {"label": "Results", "field_type": "long_text", "is_required": True, "help_text": "For each outcome: the effect estimate with its confidence interval (or the summary data), as reported."},
                    {"label": "Adverse events", "field_type": "long_text"},
                    {"label": "Missing data and withdrawals", "field_type": "long_text", "help_text": "How many left the study in each group, and why."},
                    {"label": "Funding and conflicts of interest", "field_type": "short_text"},
                    {"label": "Authors' conclusions", "field_type": "long_text"},
                ),
            ),
        ),
    },
    "scoping": {
        "name": "Scoping review charting (JBI)",
        "description": "The JBI Manual's data extraction items for scoping reviews: country of origin, aims, "
        "population and sample size, methods, intervention and outcomes where relevant, concept, context "
        "and the key findings that relate to the review question.",
        "review_types": ("scoping",),
        "sections": (
            (
                "Source of evidence",
                (
                    {"label": "Country of origin", "field_type": "country", "is_required": True, "help_text": "Where the source was published or conducted."},
                    {"label": "Aims / purpose", "field_type": "long_text", "is_required": True},
                    {"label": "Methodology / methods", "field_type": "long_text", "is_required": True, "help_text": "e.g. qualitative interviews, cross-sectional survey, trial, review, policy document."},
                ),
            ),
            (
                "Population, concept and context",
                (
                    {"label": "Population", "field_type": "long_text", "help_text": "Who the source is about, if applicable: age, sex, condition, role."},
                    {"label": "Sample size", "field_type": "integer", "help_text": "If applicable."},
                    {"label": "Concept", "field_type": "long_text", "is_required": True, "help_text": "What the source says about the concept of the review, as the protocol defines it."},
                    {"label": "Context", "field_type": "long_text", "help_text": "The setting: geographic, cultural, service or other context, as the protocol defines it."},
                ),
            ),
            (
                "Intervention and outcomes",
                (
                    {"label": "Intervention type and comparator", "field_type": "long_text", "help_text": "If applicable: what was done, and what it was compared with."},
                    {"label": "Duration of the intervention", "field_type": "short_text", "help_text": "If applicable."},
                    {"label": "Outcomes and details of these", "field_type": "long_text", "help_text": "If applicable: the outcomes, and how they were measured."},
                ),
            ),
            (
                "Findings",
                (
                    {"label": "Key findings that relate to the review question(s)", "field_type": "long_text", "is_required": True},
                ),
            ),
        ),
    },
}  # fmt: skip


def starter_suggested(review_type: str) -> str:
    """The starter to offer first for a review of this type."""
    return next(
        (key for key, starter in STARTERS.items() if review_type in starter["review_types"]), "qualitative"
    )
