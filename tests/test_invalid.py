"""Invalid sites: each tests/sites_invalid/<case>/ holds one kind of mistake and
expected_errors.txt, the exact `path:line: error|warning: message` lines
careerpress must print for it (sorted as printed).

Cases named warn_* hold warnings only: they fail under --strict and build
without it. Every failed build must leave an existing public/ untouched and
print no traceback; `check` must report the same lines on stdout.
"""
from __future__ import annotations

import re

import pytest

from conftest import INVALID, copy_site, run, tree

PROBLEM = re.compile(r"^\S+:\d+: (error|warning): ")
SENTINEL = b"previous build \xe2\x80\x94 must survive a failed build\n"

# Known bugs in src/, written down with the behaviour the contract asks for.
# Remove an entry when its bug is fixed (strict xfail turns the fix into a failure).
CRASHES: dict[str, str] = {}  # case -> why it crashes (strict xfail until fixed)
WRONG_LINES: dict[str, str] = {}  # case -> which line is wrong (strict xfail until fixed)
CASES = sorted(p.name for p in INVALID.iterdir() if (p / "content").is_dir())


def _cases(*, lines: bool):
    for case in CASES:
        reason = CRASHES.get(case) or (WRONG_LINES.get(case) if lines else None)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        yield pytest.param(case, marks=marks, id=case)


def expected_lines(case: str) -> list[str]:
    return (INVALID / case / "expected_errors.txt").read_text(encoding="utf-8").splitlines()


def problem_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if PROBLEM.match(line)]


def strict_args(case: str) -> list[str]:
    return ["--strict"] if case.startswith("warn_") else []


_builds: dict[str, tuple] = {}


def failed_build(case: str, tmp_path_factory):
    """Build the case once over a public/ holding a sentinel: (site, public before, result)."""
    if case not in _builds:
        site = copy_site(INVALID / case, tmp_path_factory.mktemp(case) / "site")
        public = site / "public"
        (public / "sub").mkdir(parents=True)
        (public / "index.html").write_bytes(SENTINEL)
        (public / "sub" / "old.txt").write_bytes(b"old\n")
        before = tree(public)
        result = run(["build", *strict_args(case)], cwd=site)
        _builds[case] = (site, before, result)
    return _builds[case]


def test_every_case_has_expected_errors():
    assert CASES, "no invalid cases found"
    for case in CASES:
        lines = expected_lines(case)
        assert lines, f"{case}: expected_errors.txt is empty"
        for line in lines:
            assert PROBLEM.match(line), f"{case}: not a problem line: {line!r}"
        if case.startswith("warn_"):
            assert all(": warning: " in line for line in lines), f"{case}: warn_ cases hold warnings only"


@pytest.mark.parametrize("case", list(_cases(lines=False)))
def test_build_fails_and_keeps_previous_output(case, tmp_path_factory):
    site, before, result = failed_build(case, tmp_path_factory)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert tree(site / "public") == before, "a failed build changed public/"
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".public")]
    assert not leftovers, f"temporary output folders left behind: {leftovers}"


@pytest.mark.parametrize("case", list(_cases(lines=True)))
def test_build_reports_expected_lines(case, tmp_path_factory):
    _, _, result = failed_build(case, tmp_path_factory)
    assert problem_lines(result.stderr) == expected_lines(case), result.stderr


@pytest.mark.parametrize("case", list(_cases(lines=True)))
def test_check_reports_same_lines(case, tmp_path_factory):
    site = copy_site(INVALID / case, tmp_path_factory.mktemp(case) / "site")
    result = run(["check", *strict_args(case)], cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert problem_lines(result.stdout) == expected_lines(case), result.stdout + result.stderr
    assert not (site / "public").exists(), "check must write nothing"


@pytest.mark.parametrize("case", [c for c in _cases(lines=True) if c.values[0].startswith("warn_")])
def test_warnings_alone_do_not_fail_a_plain_build(case, tmp_path):
    built = copy_site(INVALID / case, tmp_path / "site")
    result = run(["build"], cwd=built)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert problem_lines(result.stderr) == expected_lines(case)
    assert (built / "public").is_dir()
