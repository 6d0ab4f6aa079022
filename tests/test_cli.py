"""The commands as a user types them: new, usage errors, check, build.py, CI output."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXED_EPOCH, REPO, SITES, copy_site, run, tree

ANSI = re.compile(r"\x1b[\[\]()]")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def broken_small(tmp_path: Path) -> Path:
    """The small site with one error (unknown platform) and one warning (misspelt key)."""
    site = copy_site(SITES / "small", tmp_path / "site")
    edit(site / "content" / "articles" / "first.md", "{{< platform alpha >}}", "{{< platform alpah >}}")
    edit(site / "content" / "articles" / "second.md", "author: sam\n", "author: sam\ncategroy: Pay\n")
    return site


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


# ---------------------------------------------------------------- new
def test_new_writes_a_page_with_title_and_today_and_it_builds(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    result = run(["new", "articles", "My First Guide"], cwd=site)
    assert result.returncode == 0, result.stderr
    path = site / "content" / "articles" / "my-first-guide.md"
    assert path.is_file()
    assert "content/articles/my-first-guide.md" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    assert meta["title"] == "My First Guide"
    assert str(meta["date"]) == "2026-11-27"   # SOURCE_DATE_EPOCH's day
    assert meta.get("description")
    built = run(["build", "--jobs", "1", "--strict"], cwd=site)
    assert built.returncode == 0, built.stderr
    html = (site / "public" / "articles" / "my-first-guide" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<h1>\s*My First Guide\s*</h1>", html)
    again = run(["new", "articles", "My First Guide"], cwd=site)
    assert again.returncode == 2
    assert "exists" in again.stderr and "Traceback" not in again.stderr
    assert path.read_text(encoding="utf-8") == text, "new must not overwrite a page"


def test_new_keeps_quotes_and_symbols_in_the_title(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    title = 'Pay: "Real" Rates & 100% Remote #1'
    assert run(["new", "guides", title], cwd=site).returncode == 0
    pages = list((site / "content" / "guides").glob("*.md"))
    assert len(pages) == 1
    meta = yaml.safe_load(pages[0].read_text(encoding="utf-8").split("---\n", 2)[1])
    assert meta["title"] == title
    built = run(["build", "--jobs", "1", "--strict"], cwd=site)
    assert built.returncode == 0, built.stderr


@pytest.mark.parametrize("args", [["new", "articles", "!!!"], ["new", "../escape", "Title"]],
                         ids=["no-letters", "bad-section"])
def test_new_refuses_bad_input_with_usage_error(tmp_path, args):
    site = copy_site(SITES / "small", tmp_path / "site")
    before = tree(site)
    result = run(args, cwd=site)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert tree(site) == before


# ---------------------------------------------------------------- usage errors
USAGE = {
    "unknown-option": ["build", "--bogus"],
    "unknown-command": ["frobnicate"],
    "no-command": [],
    "jobs-zero": ["build", "--jobs", "0"],
    "jobs-word": ["build", "--jobs", "two"],
    "base-url-not-url": ["build", "--base-url", "not-a-url"],
    "site-without-content": ["build", "--site", "empty"],
    "check-bad-format": ["check", "--format", "xml"],
    "check-site-without-content": ["check", "--site", "empty"],
    "out-is-the-site": ["build", "--out", "."],
    "out-is-content": ["build", "--out", "content"],
    # inside content/ or static/, each build copies the previous output into the next one
    "out-inside-content": ["build", "--out", "content/public"],
    "out-inside-static": ["build", "--out", "static/out"],
}


@pytest.mark.parametrize("args", USAGE.values(), ids=USAGE.keys())
def test_usage_errors_exit_2_and_touch_nothing(tmp_path, args):
    site = copy_site(SITES / "small", tmp_path / "site")
    (site / "empty").mkdir()
    before = tree(site)
    result = run(args, cwd=site)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip(), "a usage error explains itself"
    assert "Traceback" not in result.stderr
    assert tree(site) == before
    assert not (site / "public").exists()


# ---------------------------------------------------------------- check
def test_check_on_a_good_site_exits_0_and_writes_nothing(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    before = tree(tmp_path)
    result = run(["check"], cwd=site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree(tmp_path) == before
    assert not (site / "public").exists()
    as_json = run(["check", "--format", "json"], cwd=site)
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["problems"] == []


def test_check_reports_problems_as_text_json_and_github(tmp_path):
    site = broken_small(tmp_path)
    first, second = site / "content" / "articles" / "first.md", site / "content" / "articles" / "second.md"
    error_line, warning_line = line_of(first, "alpah"), line_of(second, "categroy")
    before = tree(tmp_path)

    text = run(["check"], cwd=site)
    assert text.returncode == 1
    assert (f"content/articles/first.md:{error_line}: error: unknown platform 'alpah' (did you mean 'alpha'?)"
            in text.stdout.splitlines())
    assert (f"content/articles/second.md:{warning_line}: warning: unknown key 'categroy' "
            "(did you mean 'category'?)" in text.stdout.splitlines())

    as_json = run(["check", "--format", "json"], cwd=site)
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    problems = report["problems"]
    assert {"path": "content/articles/first.md", "line": error_line, "severity": "error",
            "message": "unknown platform 'alpah' (did you mean 'alpha'?)"} in problems
    assert any(p["path"] == "content/articles/second.md" and p["line"] == warning_line
               and p["severity"] == "warning" and "categroy" in p["message"] for p in problems)
    assert all(set(p) >= {"path", "line", "severity", "message"} for p in problems)

    github = run(["check", "--format", "github"], cwd=site)
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    assert (f"::error file=content/articles/first.md,line={error_line}::"
            "unknown platform 'alpah' (did you mean 'alpha'?)") in lines
    assert any(l.startswith(f"::warning file=content/articles/second.md,line={warning_line}::") for l in lines)
    assert all(re.match(r"^::(error|warning) file=[^,]+,line=\d+::.+$", l) for l in lines if l.strip())

    assert tree(tmp_path) == before, "check must write nothing"
    for r in (text, as_json, github):
        assert "Traceback" not in r.stderr


def test_check_strict_fails_on_a_warning_only_site(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    edit(site / "content" / "articles" / "second.md", "author: sam\n", "author: sam\ncategroy: Pay\n")
    assert run(["check"], cwd=site).returncode == 0
    strict = run(["check", "--strict", "--format", "json"], cwd=site)
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["warnings"] == 1


def test_check_finds_what_build_finds(tmp_path):
    site = broken_small(tmp_path)
    built = run(["build", "--jobs", "1"], cwd=site)
    checked = run(["check"], cwd=site)
    problem = re.compile(r"^content/\S+:\d+: (error|warning): .*$", re.M)
    assert built.returncode == checked.returncode == 1
    assert problem.findall(built.stderr) and \
        [m.group(0) for m in problem.finditer(built.stderr)] == [m.group(0) for m in problem.finditer(checked.stdout)]


# ---------------------------------------------------------------- build.py
def test_build_py_is_careerpress_build(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for part in ("content", "templates", "static"):
        shutil.copytree(REPO / part, repo / part)
    shutil.copy(REPO / "build.py", repo / "build.py")
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONPATH": str(REPO / "src")}
    env.pop("CI", None)
    result = subprocess.run([sys.executable, "build.py", "--strict", "--jobs", "1"], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (repo / "public" / "articles" / "why-human-input" / "index.html").is_file()
    same = run(["build", "--strict", "--jobs", "1", "--out", "via-cli"], cwd=repo)
    assert same.returncode == 0, same.stderr
    assert tree(repo / "public") == tree(repo / "via-cli")
    usage = subprocess.run([sys.executable, "build.py", "--bogus"], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=300)
    assert usage.returncode == 2


# ---------------------------------------------------------------- CI output
def _ci(args: list[str], cwd: Path, tty: bool) -> tuple[int, str]:
    """careerpress ARGS with CI=true; with tty, stdout and stderr are a terminal."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONPATH": str(REPO / "src"), "CI": "true",
           "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    cmd = [sys.executable, "-m", "careerpress", *args]
    if not tty:
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=300)
        return r.returncode, (r.stdout + r.stderr).decode("utf-8")
    try:
        master, slave = os.openpty()
    except OSError:
        pytest.skip("no pseudo-terminals here")
    attrs = None
    try:
        import termios
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR   # keep the bytes the program writes: no \n -> \r\n
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
    except (ImportError, OSError):
        pass
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=300)
    os.close(master)
    out = b"".join(chunks).decode("utf-8")
    if attrs is None:
        out = out.replace("\r\n", "\n")
    return code, out


@pytest.mark.parametrize("tty", [False, True], ids=["pipe", "tty"])
def test_ci_output_is_plain(tmp_path, tty):
    if tty and not hasattr(os, "openpty"):
        pytest.skip("no pseudo-terminals here")
    good = copy_site(SITES / "small", tmp_path / "good")
    bad = broken_small(tmp_path)
    for args, cwd, code in ((["build", "--jobs", "1"], good, 0), (["build", "--jobs", "1"], bad, 1),
                            (["check"], bad, 1)):
        rc, output = _ci(args, cwd, tty)
        assert rc == code, output
        assert output.strip(), "the build says something"
        assert "\r" not in output, f"carriage return in CI output of {args}: {output!r}"
        assert not ANSI.search(output), f"colour or cursor codes in CI output of {args}: {output!r}"
        assert len(output.splitlines()) <= 10, "a few plain lines, not a progress stream"


def test_a_build_with_nothing_changed_does_not_load_the_stages(tmp_path):
    """An up-to-date build only reads the cache's head and stats files: it
    imports neither Markdown, Jinja nor Pygments (their import is most of the
    time a no-op would otherwise take), and it says the output is up to date."""
    site = copy_site(SITES / "small", tmp_path / "site")
    assert run(["build", "--jobs", "1", "--no-search"], cwd=site).returncode == 0
    probe = ("import sys\nfrom careerpress.cli import main\ncode = main(['build', '--jobs', '1', '--no-search'])\n"
             "print(sorted(m for m in ('markdown', 'jinja2', 'pygments') if m in sys.modules))\nsys.exit(code)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    env.pop("CI", None)
    result = subprocess.run([sys.executable, "-c", probe], cwd=site, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
