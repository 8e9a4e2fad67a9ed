"""The ``clip`` filter cuts quotes exactly as Django's ``truncatechars`` does."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import truncatechars

from coding.templatetags.coding_text import clip, heat_cells


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short.",
        "x" * 90,
        "x" * 91,
        "Time pressure was the main barrier for nurses, who said so again and again in every interview.",
        "Cafe\u0301 au lait " * 12,  # combining accents are not counted
        "\u00e9" * 95,
        "Ligne un\nligne deux " * 10,
    ],
)
@pytest.mark.parametrize("length", [0, 1, 2, 60, 90, 240])
def test_it_cuts_as_truncatechars_does(text, length):
    assert clip(text, length) == truncatechars(text, length)


def test_heat_cells_write_a_row_of_the_heat_map():
    assert heat_cells([("12", "5"), ("", "0"), ("<b>", "1")]) == (
        '<td class="num heat-5">12</td>'
        '<td class="num heat-0"><span class="visually-hidden">0</span></td>'
        '<td class="num heat-1">&lt;b&gt;</td>'
    )
