from __future__ import annotations

import pytest

from tests.extraction.helpers import included_studies, starter_form


@pytest.fixture
def studies(review, owner, reviewer, second_reviewer):
    return included_studies(review, owner, [reviewer, second_reviewer], count=3)


@pytest.fixture
def fields(review, owner, studies):
    return starter_form(review, owner)
