from screening.overview import _bar


def test_a_single_conflict_is_not_called_conflicts():
    labels = {segment["label"] for segment in _bar({"conflicts": 1, "included": 1, "to_screen": 3})}
    assert labels == {"conflict", "included", "to screen"}
    assert {segment["label"] for segment in _bar({"conflicts": 2})} == {"conflicts"}
