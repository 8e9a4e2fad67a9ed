"""The dependency audit (.ci/audit.py) on registry answers written here: a listed vulnerability or a
yanked pin fails it, a newer patch release is reported (and fails it with --strict)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parent.parent / ".ci" / "audit.py"


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("tandem_dependency_audit", AUDIT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _registry(
    releases: dict[str, bool | str], latest: str, vulnerabilities=(), per_release: dict | None = None
):
    """A fake registry for one project: releases {version: yanked}, the latest release and its advisories."""

    def fetch(url: str, accept: str):
        if "/simple/" in url:
            files = [
                {"filename": f"demo-{version}-py3-none-any.whl", "yanked": yanked}
                for version, yanked in releases.items()
            ]
            return {"files": files}
        if url.endswith("/demo/json"):
            return {"info": {"version": latest}, "vulnerabilities": list(vulnerabilities)}
        version = url.rstrip("/").split("/")[-2]
        return (per_release or {}).get(version)  # None: 404, as PyPI answers this machine

    return fetch


ADVISORY = {"id": "PYSEC-2026-1", "fixed_in": ["2.0.1"], "withdrawn": None}


def test_a_pin_that_is_the_latest_release_is_checked_against_its_advisories(audit):
    finding = audit.audit_pin("demo", "2.0.0", _registry({"2.0.0": False}, "2.0.0", [ADVISORY]))
    assert finding.checked_for_vulnerabilities
    assert finding.vulnerabilities == ["PYSEC-2026-1 (fixed in 2.0.1)"]
    out = io.StringIO()
    assert audit.report([finding], strict=False, out=out) == 1
    assert "VULNERABLE demo==2.0.0: PYSEC-2026-1 (fixed in 2.0.1)" in out.getvalue()


def test_a_withdrawn_advisory_does_not_count(audit):
    withdrawn = {**ADVISORY, "withdrawn": "2026-05-01"}
    finding = audit.audit_pin("demo", "2.0.0", _registry({"2.0.0": False}, "2.0.0", [withdrawn]))
    assert finding.vulnerabilities == []


def test_an_older_pin_is_checked_where_the_registry_answers_for_its_release(audit):
    registry = _registry(
        {"1.0.0": False, "2.0.0": False}, "2.0.0", per_release={"1.0.0": {"vulnerabilities": [ADVISORY]}}
    )
    assert audit.audit_pin("demo", "1.0.0", registry).vulnerabilities == ["PYSEC-2026-1 (fixed in 2.0.1)"]


def test_an_older_pin_the_registry_says_nothing_about_is_reported_as_not_checked(audit):
    finding = audit.audit_pin("demo", "1.0.0", _registry({"1.0.0": False, "2.0.0": False}, "2.0.0"))
    assert not finding.checked_for_vulnerabilities and finding.vulnerabilities == []
    out = io.StringIO()
    assert audit.report([finding], strict=False, out=out) == 0
    assert "0 checked against PyPI's vulnerability data, 1 not checkable here" in out.getvalue()


def test_a_yanked_pin_fails_with_its_reason(audit):
    finding = audit.audit_pin("demo", "1.0.1", _registry({"1.0.1": "Data loss on upgrade"}, "1.0.1"))
    assert finding.yanked == "Data loss on upgrade"
    assert audit.report([finding], strict=False, out=io.StringIO()) == 1


def test_a_newer_patch_release_is_reported_and_fails_only_when_strict(audit):
    releases = {"5.2.19": False, "5.2.20": False, "5.2.21": "broken", "6.0.0": False, "5.2.22rc1": False}
    finding = audit.audit_pin("demo", "5.2.19", _registry(releases, "6.0.0"))
    assert finding.newer_patch == "5.2.20"  # not the yanked one, the pre-release or the next series
    out = io.StringIO()
    assert audit.report([finding], strict=False, out=out) == 0
    assert "BEHIND     demo==5.2.19: 5.2.20 is out in the same series" in out.getvalue()
    assert audit.report([finding], strict=True, out=io.StringIO()) == 1


def test_the_lock_files_pins_are_read_by_their_normalised_names(audit, tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("Django==5.2.20\npsycopg[binary]==3.3.9  # the driver\n-e .\nzope.interface==8.0\n")
    assert audit.read_pins(lock) == {"django": "5.2.20", "psycopg": "3.3.9", "zope-interface": "8.0"}
