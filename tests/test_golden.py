"""Golden builds: each fixture site under tests/sites/<case>/ builds to exactly
the files in its expected/ folder, byte for byte.

After an intended change to the output, regenerate with `python tests/regen.py`
and review `git diff tests/sites`.
"""
from __future__ import annotations

import difflib
import re

import pytest

from conftest import REPO, SITES, generated, run, tree

CASES = sorted(p.name for p in SITES.iterdir() if (p / "content").is_dir())
PROBLEM = re.compile(r"^\S+:\d+: (error|warning): ", re.M)


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes], what: str) -> None:
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    assert not missing and not extra, (
        f"{what}: file sets differ\n  missing: {missing}\n  unexpected: {extra}")
    for name in sorted(expected):
        if actual[name] == expected[name]:
            continue
        try:
            diff = difflib.unified_diff(expected[name].decode("utf-8").splitlines(),
                                        actual[name].decode("utf-8").splitlines(),
                                        f"expected/{name}", f"public/{name}", n=2, lineterm="")
            shown = "\n".join(list(diff)[:40])
        except UnicodeDecodeError:
            shown = f"(binary: {len(expected[name])} bytes expected, {len(actual[name])} built)"
        pytest.fail(f"{what}: {name} differs (first differing file)\n{shown}")


@pytest.mark.parametrize("case", CASES)
def test_golden(case, site):
    if not (SITES / case / "expected").is_dir():
        pytest.fail(f"tests/sites/{case} has no expected/ folder: run `python tests/regen.py {case}` "
                    f"and review the output")
    built = site(case)
    result = run(["build", "--jobs", "1"], cwd=built)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not PROBLEM.findall(result.stderr), f"a golden site should build cleanly:\n{result.stderr}"
    assert_same_tree(generated(built), tree(SITES / case / "expected"), case)


def test_static_files_are_copied_as_they_are(site):
    built = site("basic")
    assert run(["build"], cwd=built).returncode == 0
    out = tree(built / "public")
    for name, data in tree(REPO / "static").items():
        assert out[name] == data, name


def test_jobs_do_not_change_output(site):
    """`--jobs 2` builds the same bytes as `--jobs 1` (the golden)."""
    built = site("basic")
    result = run(["build", "--jobs", "2"], cwd=built)
    assert result.returncode == 0, result.stderr
    assert_same_tree(generated(built), tree(SITES / "basic" / "expected"), "basic --jobs 2")


def test_basic_leaves_out_drafts_and_future_pages():
    """The golden itself must not contain the draft or the page dated 2027 (nor their tags)."""
    expected = tree(SITES / "basic" / "expected")
    assert not any(name.startswith(("articles/draft/", "articles/future/")) for name in expected)
    for name, data in expected.items():
        for word in (b"secret-draft-tag", b"secret-future-tag", b"From the future", b"A draft"):
            assert word not in data, f"{word!r} leaks into {name}"


def test_basic_links_carry_the_base_path():
    """base_url is https://example.org/guide/: no root-relative link may skip /guide/."""
    for name, data in tree(SITES / "basic" / "expected").items():
        if not name.endswith(".html"):
            continue
        for url in re.findall(r'(?:href|src)="(/[^"]*)"', data.decode("utf-8")):
            assert url.startswith("/guide/"), f"{name}: {url} lacks the base path"


def test_bundle_copies_its_image():
    case = SITES / "bundle"
    expected = tree(case / "expected")
    assert expected["articles/portfolio/shot.png"] == \
        (case / "content" / "articles" / "portfolio" / "shot.png").read_bytes()
