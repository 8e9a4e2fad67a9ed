"""What the review overview shows of screening, and to whom.

A lead (or an owner who does not screen) sees every count and the agreement between reviewers. A
reviewer sees settled outcomes and their own progress only: conflict and awaiting counts would tell
them, decision by decision, what the other reviewer chose.
"""

from __future__ import annotations

from reviews.access import ReviewAccess
from screening import selectors
from screening.models import STAGE_SLUGS, RankingSettings, Stage
from screening.stopping import screening_stopping

SEGMENTS = (
    ("unsettled", "not yet settled", "seg-open"),
    ("to_screen", "to screen", "seg-open"),
    ("awaiting_second", "awaiting second reviewer", "seg-awaiting"),
    ("conflicts", "conflicts", "seg-conflict"),  # "1 conflict": see _ONE
    ("included", "included", "seg-included"),
    ("excluded", "excluded", "seg-excluded"),
    ("not_retrievable", "not retrievable", "seg-missing"),
    ("set_aside", "set aside, not screened", "seg-aside"),
)


# Labels that change when the count is one (the others read the same: "1 included", "1 to screen").
_ONE = {"conflicts": "conflict"}


def _bar(counts: dict[str, int]) -> list[dict]:
    total = sum(counts.get(key, 0) for key, _, _ in SEGMENTS) or 1
    x, segments = 0.0, []
    for key, label, css in SEGMENTS:
        value = counts.get(key, 0)
        if not value:
            continue
        width = 100 * value / total
        label = _ONE.get(key, label) if value == 1 else label
        segments.append(
            {"label": label, "value": value, "css": css, "x": round(x, 3), "width": round(width, 3)}
        )
        x += width
    return segments


def _agreement_rows(review, stage: str) -> list[dict]:
    rows = []
    for (first, second), result in selectors.screening_agreement(review=review, stage=stage):
        rows.append(
            {
                "reviewers": f"{first} and {second}",
                "pairs": result.pairs,
                "percent": result.percent,
                "kappa": result.kappa,
                "ac1": result.ac1,
                # Bars on a 0–100 scale; a negative statistic draws no bar.
                "bars": [
                    ("agreement", result.percent or 0, f"{result.percent}%"),
                    (
                        "Cohen's κ",
                        max(0, (result.kappa or 0) * 100),
                        "—" if result.kappa is None else result.kappa,
                    ),
                    ("Gwet's AC1", max(0, (result.ac1 or 0) * 100), result.ac1),
                ],
            }
        )
    return rows


def screening_overview(*, access: ReviewAccess, user) -> list[dict]:
    review = access.review
    full = access.sees_unsettled
    stages = []
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        counts = selectors.screening_stage_counts(review=review, stage=stage)
        if not full:
            shown = ("records", "included", "excluded", "not_retrievable", "set_aside")
            counts = {key: counts[key] for key in shown}
            # One figure for everything not settled, so conflicts cannot be worked out by subtraction. (Records
            # set aside when screening stopped had no decision from anyone: they tell no one's vote.)
            counts["unsettled"] = counts["records"] - sum(counts[key] for key in shown[1:])
        stage_view = {
            "stage": stage,
            "label": Stage(stage).label,
            "slug": STAGE_SLUGS[stage],
            "counts": counts,
            "bar": _bar(counts),
            "full": full,
            "agreement": _agreement_rows(review, stage) if full else [],
        }
        if access.is_reviewer:
            # The figures the screening page shows, kept in step with the reviewer's own decisions.
            stage_view["mine"] = selectors.screening_progress(review=review, reviewer=user, stage=stage)
        if stage == Stage.TITLE_ABSTRACT:
            stage_view["stopped"] = (
                selectors.screening_last_stop(review=review) if counts["set_aside"] else None
            )
            stage_view["ranking"] = RankingSettings.objects.filter(review=review).first()
            # The aid goes with ranking: with the random order the remaining records are what the test
            # assumes anyway, and a review that does not rank does not pay for the figures.
            is_ranked = stage_view["ranking"] is not None and stage_view["ranking"].is_enabled
            if is_ranked and counts.get("records") and (full or access.is_reviewer):
                stage_view["stopping"] = screening_stopping(
                    review=review, reviewer=None if full else user, target=stage_view["ranking"].recall_target
                )
        stages.append(stage_view)
    return stages
