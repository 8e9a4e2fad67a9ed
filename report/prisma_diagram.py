"""The PRISMA flow drawn: boxes, arrows and phase labels laid out from the counts, as SVG.

The layout follows the PRISMA 2020 template for new reviews: a column for databases (and registers), an
optional column for other methods, and the phases Identification, Screening and Included down the left.
The SVG carries its own fonts and colours as attributes (no style sheet), so it renders the same on the
page, downloaded, or converted to PNG and PDF.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from report.prisma import PrismaFlow

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
FONT_SIZE = 13
LINE = 17
PAD = 10
BOX_WIDTH = 300
SIDE_WIDTH = 330
GAP_X = 40
GAP_Y = 34
PHASE_WIDTH = 34
MARGIN = 16
CHARACTERS = {BOX_WIDTH: 40, SIDE_WIDTH: 44}
# Rows tall enough for their phase's label, written upwards beside them.
PHASE_LABEL_HEIGHT = {"Identification": 112, "Included": 80}


@dataclass
class Box:
    x: float
    y: float
    width: float
    lines: list[str]
    css: str = "box"
    height: float = 0

    def __post_init__(self) -> None:
        self.height = 2 * PAD + LINE * len(self.lines)

    @property
    def text_lines(self) -> list[tuple[float, str]]:
        return [(self.y + PAD + LINE * (number + 1) - 4, line) for number, line in enumerate(self.lines)]

    @property
    def middle_y(self) -> float:
        return self.y + self.height / 2

    @property
    def text_x(self) -> float:
        return self.x + PAD

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class Arrow:
    """A line from the first point to the last, through any between, with an arrow head at the end."""

    points: list[tuple[float, float]]

    @property
    def svg_points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class Phase:
    label: str
    y: float
    height: float
    x: float = MARGIN
    width: float = PHASE_WIDTH

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass
class Diagram:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    headings: list[Box] = field(default_factory=list)
    font: str = FONT
    font_size: int = FONT_SIZE


NO_BREAK = "\u00a0"


def _n(value: int) -> str:
    # Kept on one line when a box's text is wrapped.
    return f"(n = {value:,})".replace(" ", NO_BREAK)


def _wrap(lines: list[str], width: int) -> list[str]:
    wrapped = []
    for line in lines:
        indent = "  " if line.startswith("  ") else ""
        parts = textwrap.wrap(
            line.strip(), CHARACTERS[width], initial_indent=indent, subsequent_indent=indent + "  "
        )
        wrapped += [part.replace(NO_BREAK, " ") for part in parts] or [""]
    return wrapped


def _words(flow: PrismaFlow) -> dict[str, str]:
    studies = "sources of evidence" if flow.is_scoping else "studies"
    return {
        "studies": studies,
        "included": f"{studies.capitalize()} included in review"
        if not flow.is_scoping
        else "Sources of evidence included in the review",
        "reports": "Reports of included sources" if flow.is_scoping else "Reports of included studies",
        "title": "Identification of studies via databases and registers",
    }


def _database_column(flow: PrismaFlow, x: float, y: float) -> tuple[list[Box], list[Box], float, list[float]]:
    """The main column and its side boxes; returns the boxes, their sides, the bottom and each row's top."""
    identified = ["Records identified from:"] + [f"  {name} {_n(n)}" for name, n in flow.identified.items()]
    identified.append(f"  Total {_n(flow.identified_total)}")
    excluded_reasons = [f"  {reason} {_n(n)}" for reason, n in flow.excluded_full_text.items()] or [
        "  (none)"
    ]
    rows = [
        (
            identified,
            [
                "Records removed before screening:",
                f"  Duplicate records removed {_n(flow.duplicates_removed)}",
                f"  Records removed for other reasons {_n(flow.removed_other)}",
            ]
            + (
                [f"  Records not screened, screening stopped {_n(flow.not_screened)}"]
                if flow.not_screened
                else []
            ),
        ),
        (
            [f"Records screened {_n(flow.screened)}"]
            + ([f"  Still being screened {_n(flow.awaiting_screening)}"] if flow.awaiting_screening else []),
            [f"Records excluded {_n(flow.excluded_screening)}"],
        ),
        (
            [f"Reports sought for retrieval {_n(flow.sought)}"],
            [f"Reports not retrieved {_n(flow.not_retrieved)}"],
        ),
        (
            [f"Reports assessed for eligibility {_n(flow.assessed)}"]
            + ([f"  Still being assessed {_n(flow.awaiting_full_text)}"] if flow.awaiting_full_text else []),
            [f"Reports excluded {_n(flow.excluded_full_text_total)}:"] + excluded_reasons,
        ),
    ]
    mains, sides, tops = [], [], []
    for number, (main_lines, side_lines) in enumerate(rows):
        main = Box(x, y, BOX_WIDTH, _wrap(main_lines, BOX_WIDTH))
        side = Box(x + BOX_WIDTH + GAP_X, y, SIDE_WIDTH, _wrap(side_lines, SIDE_WIDTH))
        height = max(main.height, side.height, PHASE_LABEL_HEIGHT["Identification"] if number == 0 else 0)
        main.height = side.height = height
        mains.append(main)
        sides.append(side)
        tops.append(y)
        y += height + GAP_Y
    return mains, sides, y, tops


def _other_column(other: dict, x: float, tops: list[float], heights: list[float]) -> list[Box]:
    identified = ["Records identified from:"] + [
        f"  {name} {_n(n)}" for name, n in (other.get("identified") or {}).items()
    ]
    excluded = other.get("excluded") or {}
    lines = [
        identified,
        [
            f"Reports sought for retrieval {_n(other.get('sought', 0))}",
            f"Reports not retrieved {_n(other.get('not_retrieved', 0))}",
        ],
        [
            f"Reports assessed for eligibility {_n(other.get('assessed', 0))}",
            f"Reports excluded {_n(sum(excluded.values()))}",
        ]
        + [f"  {reason} {_n(n)}" for reason, n in excluded.items()],
    ]
    rows = (0, 2, 3)
    boxes = []
    for row, box_lines in zip(rows, lines, strict=True):
        box = Box(x, tops[row], SIDE_WIDTH, _wrap(box_lines, SIDE_WIDTH), css="box other")
        box.height = max(box.height, heights[row])
        boxes.append(box)
    return boxes


def _down(upper: Box, lower: Box) -> Arrow:
    middle = upper.x + upper.width / 2
    return Arrow([(middle, upper.bottom), (middle, lower.y)])


def prisma_diagram(flow: PrismaFlow) -> Diagram:
    words = _words(flow)
    has_other = bool(flow.other_methods)
    x = MARGIN + PHASE_WIDTH + 8
    heading_y = MARGIN
    headings = [Box(x, heading_y, BOX_WIDTH + GAP_X + SIDE_WIDTH, [words["title"]], css="heading")]
    if has_other:
        other_x = x + BOX_WIDTH + GAP_X + SIDE_WIDTH + GAP_X
        headings.append(
            Box(
                other_x,
                heading_y,
                SIDE_WIDTH,
                _wrap(["Identification via other methods"], SIDE_WIDTH),
                css="heading",
            )
        )
    top = heading_y + headings[0].height + GAP_Y
    mains, sides, bottom, tops = _database_column(flow, x, top)
    included_count = flow.included_studies + int((flow.other_methods or {}).get("included", 0))
    included = Box(
        x,
        bottom,
        BOX_WIDTH,
        _wrap(
            [f"{words['included']} {_n(included_count)}", f"{words['reports']} {_n(flow.included_reports)}"],
            BOX_WIDTH,
        ),
        css="box included",
    )
    included.height = max(included.height, PHASE_LABEL_HEIGHT["Included"])
    boxes = [*mains, *sides, included]
    arrows = [
        Arrow([(main.right, main.middle_y), (side.x, side.middle_y)])
        for main, side in zip(mains, sides, strict=True)
    ]
    column = [*mains, included]
    arrows += [_down(a, b) for a, b in zip(column, column[1:], strict=False)]
    width = x + BOX_WIDTH + GAP_X + SIDE_WIDTH + MARGIN
    if has_other:
        others = _other_column(flow.other_methods, other_x, tops, [box.height for box in mains])
        boxes += others
        arrows += [_down(a, b) for a, b in zip(others, others[1:], strict=False)]
        last = others[-1]
        middle = last.x + SIDE_WIDTH / 2
        arrows.append(
            Arrow([(middle, last.bottom), (middle, included.middle_y), (included.right, included.middle_y)])
        )
        width = other_x + SIDE_WIDTH + MARGIN
    height = included.bottom + MARGIN
    phases = [
        Phase("Identification", tops[0], mains[0].height),
        Phase("Screening", tops[1], mains[-1].bottom - tops[1]),
        Phase("Included", included.y, included.height),
    ]
    return Diagram(width=width, height=height, boxes=boxes, arrows=arrows, phases=phases, headings=headings)
