#!/usr/bin/env python3
"""Dependency audit against the data the package registry serves.

Our machines reach the package registry and nothing else, and pip-audit's data is not among what it
serves: pip-audit asks PyPI's per-release JSON (/pypi/NAME/VERSION/json, answered 404 here) or OSV
(unreachable). What the registry does serve, and this checks, for each pin in requirements.lock:

* vulnerabilities PyPI lists for the pinned release, where the pin is the project's latest release (the
  project JSON carries them for that release) or PyPI answers for the release itself;
* a pinned release its maintainers yanked (often for a security or data-loss fault);
* a newer patch release in the pinned series (where security fixes land; Django, for one, fixes them
  only in patch releases), reported, and a failure with --strict.

Exit status 1 when a pin is yanked or has a listed vulnerability, 2 when the registry cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

REGISTRY = "https://pypi.org"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

Fetch = Callable[[str, str], dict | None]  # (url, accept) -> JSON, or None when the registry answers 404


@dataclass
class Finding:
    name: str
    pinned: str
    vulnerabilities: list[str] = field(default_factory=list)
    yanked: str | None = None
    newer_patch: str | None = None
    checked_for_vulnerabilities: bool = False


def fetch_json(url: str, accept: str = "application/json") -> dict | None:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "tandem-audit"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def read_pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            pins[canonicalize_name(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def _file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except Exception:  # an egg, an exe, a name that does not parse: not a release we could pin
        return None


def audit_pin(name: str, pinned: str, fetch: Fetch = fetch_json) -> Finding:
    finding = Finding(name, pinned)
    pinned_version = Version(pinned)
    index = fetch(f"{REGISTRY}/simple/{name}/", SIMPLE_JSON) or {"files": []}
    releases: dict[Version, list[dict]] = {}
    for file in index.get("files", []):
        version = _file_version(file["filename"])
        if version is not None:
            releases.setdefault(version, []).append(file)
    ours = releases.get(pinned_version, [])
    if ours and all(file.get("yanked") for file in ours):
        reason = next((file["yanked"] for file in ours if isinstance(file["yanked"], str)), "")
        finding.yanked = reason or "no reason given"
    series = pinned_version.release[:2]
    newer = [
        version
        for version, files in releases.items()
        if version > pinned_version
        and version.release[:2] == series
        and not version.is_prerelease
        and not all(file.get("yanked") for file in files)
    ]
    if newer:
        finding.newer_patch = str(max(newer))
    project = fetch(f"{REGISTRY}/pypi/{name}/json", "application/json")
    advisories = None
    if project and _same(project["info"]["version"], pinned_version):
        advisories = project.get("vulnerabilities") or []
    else:
        release = fetch(f"{REGISTRY}/pypi/{name}/{pinned}/json", "application/json")
        if release is not None:
            advisories = release.get("vulnerabilities") or []
    if advisories is not None:
        finding.checked_for_vulnerabilities = True
        finding.vulnerabilities = [
            f"{item.get('id')} (fixed in {', '.join(item.get('fixed_in') or []) or 'no release yet'})"
            for item in advisories
            if not item.get("withdrawn")
        ]
    return finding


def _same(version: str, pinned: Version) -> bool:
    try:
        return Version(version) == pinned
    except InvalidVersion:
        return False


def report(findings: list[Finding], strict: bool, out=sys.stdout) -> int:
    failed = False
    for finding in sorted(findings, key=lambda f: f.name):
        pin = f"{finding.name}=={finding.pinned}"
        if finding.vulnerabilities:
            failed = True
            print(f"VULNERABLE {pin}: {'; '.join(finding.vulnerabilities)}", file=out)
        if finding.yanked:
            failed = True
            print(f"YANKED     {pin}: {finding.yanked}", file=out)
        if finding.newer_patch:
            failed = failed or strict
            print(f"BEHIND     {pin}: {finding.newer_patch} is out in the same series", file=out)
    checked = sum(finding.checked_for_vulnerabilities for finding in findings)
    print(
        f"{len(findings)} pins: {checked} checked against PyPI's vulnerability data, "
        f"{len(findings) - checked} not checkable here (PyPI's per-release data is not served to this "
        f"machine); {sum(bool(f.yanked) for f in findings)} yanked, "
        f"{sum(bool(f.newer_patch) for f in findings)} behind a patch release.",
        file=out,
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "lock", nargs="?", default=str(Path(__file__).resolve().parent.parent / "requirements.lock")
    )
    parser.add_argument("--strict", action="store_true", help="fail on a pin behind a patch release too")
    args = parser.parse_args(argv)
    pins = read_pins(Path(args.lock))
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            findings = list(pool.map(lambda item: audit_pin(*item), pins.items()))
    except (urllib.error.URLError, TimeoutError) as error:
        print(f"The package registry ({REGISTRY}) could not be reached: {error}", file=sys.stderr)
        return 2
    return report(findings, args.strict)


if __name__ == "__main__":
    sys.exit(main())
