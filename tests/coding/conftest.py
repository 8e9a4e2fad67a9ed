from __future__ import annotations

import pytest

from tests.coding.helpers import coded_studies


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def studies(review, owner, reviewer, second_reviewer):
    return coded_studies(review, owner, [reviewer, second_reviewer], count=3)


@pytest.fixture
def study(review, owner, studies):
    """The first study, with its text read from a PDF."""
    from tests.coding.helpers import text_read

    text_read(review, studies[0], owner)
    return studies[0]
