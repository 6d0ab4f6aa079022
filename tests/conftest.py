"""Shared helpers: fixture sites and running careerpress as a user would.

A fixture site under tests/sites/<case>/ holds content/ (and templates/ or
static/ when the case needs its own); the repo's templates/ and static/ fill
in the rest, so fixtures exercise the templates that ship.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
INVALID = Path(__file__).resolve().parent / "sites_invalid"
# 2026-11-27 00:00 UTC: the day fixture builds believe it is.
FIXED_EPOCH = "1795737600"


def copy_site(case_dir: Path, dest: Path) -> Path:
    """Copy a fixture site to ``dest`` over the repo's templates and static: a
    case holds only the files it changes, and lists in ``remove.txt`` the site
    paths it takes away (a missing template)."""
    for part in ("templates", "static"):
        shutil.copytree(REPO / part, dest / part)
    shutil.copytree(case_dir, dest, ignore=shutil.ignore_patterns("expected", "expected_errors.txt", "remove.txt"),
                    symlinks=True, dirs_exist_ok=True)
    removals = case_dir / "remove.txt"
    if removals.is_file():
        for line in removals.read_text(encoding="utf-8").split():
            (dest / line).unlink()
    return dest


def run(args: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    """`careerpress ARGS` in ``cwd``, as a subprocess; SOURCE_DATE_EPOCH fixed."""
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONPATH": str(REPO / "src"),
                **{k: str(v) for k, v in env.items()}}
    full_env.pop("CI", None)
    return subprocess.run([sys.executable, "-m", "careerpress", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def generated(site: Path, out: Path | None = None) -> dict[str, bytes]:
    """The built files of ``site`` that careerpress made, leaving out the
    copies of static/ and Pagefind's bundle (golden folders keep only what the
    build generates; search has its own tests)."""
    out = out or site / "public"
    static = site / "static"
    return {name: data for name, data in tree(out).items()
            if not (static / name).is_file() and not name.startswith("pagefind/")}


@pytest.fixture
def site(tmp_path):
    """site("case") -> a fresh copy of tests/sites/<case> in a temporary folder."""
    def make(case: str, dest: str = "site") -> Path:
        return copy_site(SITES / case, tmp_path / dest)
    return make
