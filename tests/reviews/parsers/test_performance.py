"""Large exports must parse in linear time; a quadratic slip turns seconds into minutes."""

import time

from reviews.parsers import parse_export

ABSTRACT = " ".join(["Randomised controlled trial of an intervention in adults with chronic illness."] * 12)


def generated_ris(count: int) -> bytes:
    record = (
        "{n}.\nTY  - JOUR\nID  - {n}\nT1  - Title number {n}\nA1  - Smith, J.\nA1  - Doe, A.\nY1  - 2019//\n"
        "N2  - {abstract}\n      second line of the abstract\nJF  - Journal of Things\nVL  - 12\nSP  - 100\n"
        "EP  - 110\nKW  - one\nKW  - two\nDO  - https://doi.org/10.1000/abc.{n}\nER  - \n\n"
    )
    return "".join(record.format(n=n, abstract=ABSTRACT) for n in range(1, count + 1)).encode()


def test_a_large_ris_export_parses_within_seconds():
    data = generated_ris(10_000)

    started = time.perf_counter()
    result = parse_export(data, filename="big.ris")
    elapsed = time.perf_counter() - started

    assert len(result.records) == 10_000
    assert result.records[-1].doi == "10.1000/abc.10000"
    # About one second on a 2-core machine; the bound leaves room for slow CI, not for quadratic work.
    assert elapsed < 15, f"{len(data) / 1e6:.0f} MB took {elapsed:.1f} s"
