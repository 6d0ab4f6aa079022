"""The guarantees of SPEC.md: deterministic, atomic, drafts left out, --strict,
paths relative to the right folder, and never a traceback for a content mistake."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXED_EPOCH, SITES, copy_site, run, tree

DAY = 24 * 3600
ERROR_LINE = re.compile(r"^(content|templates)/[^:\s]+:\d+: (error|warning): .+$", re.M)


def build(site: Path, *args: str, cwd: Path | None = None, **env):
    return run(["build", *args], cwd=cwd or site, **env)


def ok(result) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def failed(result) -> None:
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


# ---------------------------------------------------------------- deterministic
def test_same_input_gives_byte_identical_output_whatever_the_folder_and_jobs(tmp_path):
    a = copy_site(SITES / "small", tmp_path / "one" / "site")
    b = copy_site(SITES / "small", tmp_path / "two" / "deeper" / "other-name")
    ok(build(a, "--jobs", "1"))
    ok(build(b, "--jobs", "2"))
    first, second = tree(a / "public"), tree(b / "public")
    assert "articles/first/index.html" in first
    assert first == second


def test_output_does_not_depend_on_the_build_day(tmp_path):
    # two days on which no page changes status and no figure turns stale
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1", "--out", str(tmp_path / "day1")))
    ok(build(site, "--jobs", "1", "--out", str(tmp_path / "day2"),
             SOURCE_DATE_EPOCH=str(int(FIXED_EPOCH) + 3 * DAY + 4321)))
    assert tree(tmp_path / "day1") == tree(tmp_path / "day2")


def _many_articles(site: Path, n: int) -> None:
    for i in range(n):
        (site / "content" / "articles" / f"gen-{i:03d}.md").write_text(
            "---\n"
            f"title: Generated article {i}\n"
            f"date: 2026-{i % 9 + 1:02d}-{i % 27 + 1:02d}\n"
            f"description: Generated article number {i}.\n"
            f"tags: [gen-{i % 5}, basics]\n"
            + ("platforms: [alpha]\n" if i % 3 == 0 else "")
            + ("sources:\n  - ref: articles/first\n" if i % 4 == 0 else "")
            + "---\n\n"
            f"Article {i} cites {{{{< stat median-pay >}}}} and [the second one](/articles/second/).\n\n"
            "## A section\n\nSome more text.\n" + ("\n{{< callout start >}}\n" if i % 2 else ""),
            encoding="utf-8")


def test_process_pool_builds_the_same_bytes_as_one_process(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    _many_articles(site, 72)   # above the 64-page threshold of the process pool
    ok(build(site, "--jobs", "1", "--out", str(tmp_path / "serial")))
    ok(build(site, "--jobs", "2", "--out", str(tmp_path / "pool")))
    serial, pool = tree(tmp_path / "serial"), tree(tmp_path / "pool")
    assert sum(1 for k in serial if k.startswith("articles/gen-")) == 72
    assert serial.keys() == pool.keys()
    assert [k for k in serial if serial[k] != pool[k]] == []


def test_a_cache_that_cannot_keep_bodies_still_gives_the_same_bytes(tmp_path, monkeypatch):
    # the parsing processes send pickled bodies for the cache; when it cannot
    # take them, the build keeps the documents themselves
    from careerpress.cache import Cache
    from careerpress.config import BuildOptions
    from careerpress.pipeline import build as build_site
    site = copy_site(SITES / "small", tmp_path / "site")
    _many_articles(site, 72)
    ok(build(site, "--jobs", "2", "--out", str(tmp_path / "normal")))
    shutil.rmtree(site / ".careerpress-cache")   # every page parsed again
    monkeypatch.setattr(Cache, "put_doc_blobs", lambda self, items, highlights=(): False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    result = build_site(BuildOptions(site_dir=site, out_dir=tmp_path / "refused", jobs=2, clean=True))
    assert result.ok, result.problems
    assert tree(tmp_path / "refused") == tree(tmp_path / "normal")


def test_a_cache_that_loses_what_the_build_stored_is_one_error_line(tmp_path, monkeypatch):
    # rendering reads each parsed body back from the cache; if the cache has
    # lost it, a clean build cannot do better by trying again
    from careerpress.cache import Cache
    from careerpress.config import BuildOptions
    from careerpress.pipeline import build as build_site
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1"))
    before = tree(site / "public")
    shutil.rmtree(site / ".careerpress-cache")
    asked = []

    def lost(self, key):
        # without the guard the build would try again from nothing, forever:
        # fail in a second instead of hanging
        asked.append(key)
        assert len(asked) < 10, "the build kept asking the cache for what it had lost"

    monkeypatch.setattr(Cache, "get_doc", lost)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    result = build_site(BuildOptions(site_dir=site, out_dir=site / "public", jobs=1))
    assert not result.ok
    assert [str(p) for p in result.problems if p.severity == "error"] == [
        ".careerpress-cache:1: error: the cache lost what the build stored in it; delete the folder and build again"]
    assert tree(site / "public") == before


# ---------------------------------------------------------------- atomic
def test_failed_build_leaves_the_output_untouched_and_a_good_one_replaces_it(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1"))
    public = site / "public"
    (public / "stray.txt").write_text("not made by the build", encoding="utf-8")
    (public / "articles" / "first" / "index.html").write_bytes(b"hand-edited")
    before = tree(public)
    siblings = sorted(p.name for p in site.iterdir())
    first = site / "content" / "articles" / "first.md"
    edit(first, "{{< platform alpha >}}", "{{< platform alpah >}}")
    result = build(site, "--jobs", "1")
    failed(result)
    line = line_of(first, "alpah")
    assert f"content/articles/first.md:{line}: error: unknown platform 'alpah' (did you mean 'alpha'?)" \
        in result.stderr.splitlines()
    assert tree(public) == before, "a failed build changed the output folder"
    assert sorted(p.name for p in site.iterdir()) == siblings, "a failed build left something beside public/"
    edit(first, "alpah", "alpha")
    ok(build(site, "--jobs", "1"))
    after = tree(public)
    assert "stray.txt" not in after
    assert after["articles/first/index.html"] != b"hand-edited"
    assert sorted(p.name for p in site.iterdir()) == siblings


# ---------------------------------------------------------------- drafts and scheduled pages
def test_drafts_and_future_pages_are_left_out_of_a_normal_build(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1"))
    out = tree(site / "public")
    assert "articles/first/index.html" in out
    assert not any(k.startswith(("articles/draft/", "articles/future/")) for k in out)
    everything = b"".join(out.values())
    for title in (b"Unfinished Draft Article", b"Scheduled Future Article", b"/articles/draft/",
                  b"/articles/future/"):
        assert title not in everything, f"{title!r} leaks into a normal build"


def test_drafts_option_includes_them_with_a_visible_banner(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1", "--drafts"))
    draft = (site / "public" / "articles" / "draft" / "index.html").read_text(encoding="utf-8")
    future = (site / "public" / "articles" / "future" / "index.html").read_text(encoding="utf-8")
    published = (site / "public" / "articles" / "first" / "index.html").read_text(encoding="utf-8")
    body = lambda html: re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])  # noqa: E731
    assert "DRAFT" in body(draft) and "Unfinished Draft Article" in draft
    assert "SCHEDULED" in body(future) and "Scheduled Future Article" in future
    assert "DRAFT" not in body(published) and "SCHEDULED" not in body(published)
    for html in (draft, future):
        assert re.search(r'<meta name="robots" content="[^"]*noindex', html), "a preview page must not be indexed"


# ---------------------------------------------------------------- --strict
def test_strict_fails_on_warnings_and_keeps_the_previous_output(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--jobs", "1"))
    before = tree(site / "public")
    second = site / "content" / "articles" / "second.md"
    edit(second, "updated: 2026-06-01\n", "updated: 2026-06-01\ntittle: Second\n")
    warning = (f"content/articles/second.md:{line_of(second, 'tittle')}: warning: "
               "unknown key 'tittle' (did you mean 'title'?)")
    lax = build(site, "--jobs", "1", "--out", str(tmp_path / "lax"))
    ok(lax)
    assert warning in lax.stderr.splitlines()
    assert (tmp_path / "lax" / "articles" / "second" / "index.html").is_file()
    strict = build(site, "--jobs", "1", "--strict")
    failed(strict)
    assert warning in strict.stderr.splitlines()
    assert tree(site / "public") == before


# ---------------------------------------------------------------- where paths point
def test_out_is_relative_to_the_working_directory(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    work = tmp_path / "work"
    work.mkdir()
    ok(build(site, "--site", "../site", "--out", "built", "--jobs", "1", cwd=work))
    assert (work / "built" / "articles" / "first" / "index.html").is_file()
    assert not (site / "public").exists() and not (site / "built").exists()
    ok(build(site, "--out", "../elsewhere/out", "--jobs", "1"))
    assert (tmp_path / "elsewhere" / "out" / "index.html").is_file()


def test_site_option_builds_from_another_working_directory(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    ok(build(site, "--site", str(site), "--jobs", "1", cwd=tmp_path))
    assert (tmp_path / "public" / "index.html").is_file()
    assert not (site / "public").exists()


@pytest.mark.parametrize("where", ["parent", "inside", "absolute"])
def test_error_paths_are_relative_to_the_site_whatever_the_cwd(tmp_path, where):
    site = copy_site(SITES / "small", tmp_path / "site")
    first = site / "content" / "articles" / "first.md"
    edit(first, "author: sam", "author: sma")
    cwd, arg = {"site": (site, "."), "parent": (tmp_path, "site"),
                "inside": (site / "content" / "articles", "../.."), "absolute": (tmp_path, str(site))}[where]
    result = run(["build", "--site", arg, "--jobs", "1", "--out", str(tmp_path / "out")], cwd=cwd)
    failed(result)
    assert f"content/articles/first.md:{line_of(first, 'author: sma')}: error: unknown author 'sma' " \
           "(did you mean 'sam'?)" in result.stderr.splitlines()
    if where == "inside":
        check = run(["check", "--site", arg], cwd=cwd)
        assert check.returncode == 1
        assert re.search(r"^content/articles/first\.md:\d+: error: unknown author 'sma'", check.stdout, re.M)


# ---------------------------------------------------------------- no traceback, ever
def _replace(rel: str, old: str, new: str):
    return lambda site: edit(site / rel, old, new)


def _write(rel: str, data: bytes):
    def apply(site: Path):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    return apply


# Mistakes that one build can report together: (change, file the error names, text on the line).
# Each file carries mistakes that do not hide one another.
_PAGE = "---\ntitle: {t}\ndate: 2026-01-0{d}\ndescription: d\n---\n\nx\n"
TOGETHER = [
    (_replace("content/articles/first.md", "platform alpha", "platform nope"),
     "content/articles/first.md", "unknown platform 'nope'"),
    (_replace("content/articles/first.md", "stat median-pay", "stat nope"),
     "content/articles/first.md", "unknown stat 'nope'"),
    (_replace("content/articles/first.md", "{{< jobs-count >}}", "{{< job-count >}}"),
     "content/articles/first.md", "unknown shortcode 'job-count' (did you mean 'jobs-count'?)"),
    (_replace("content/articles/second.md", "callout start", "callout nope"),
     "content/articles/second.md", "unknown callout 'nope'"),
    (_replace("content/articles/second.md", "ref: articles/first", "ref: articles/frist"),
     "content/articles/second.md", "unknown page 'articles/frist'"),
    (_write("content/articles/tags.md", b"---\ntitle: T\ndate: 2026-01-01\ndescription: d\ntags: 3\n---\n"),
     "content/articles/tags.md", "'tags' must be a list"),
    (_replace("content/articles/draft.md", "draft: true", "draft: [true"),
     "content/articles/draft.md", "invalid YAML"),
    (_replace("content/_data/authors.yaml", "bio: Sam writes", "bio: [Sam writes"),
     "content/_data/authors.yaml", "invalid YAML"),
    (_replace("content/platforms/alpha.md", "https://alpha", "http://alpha"),
     "content/platforms/alpha.md", "'url' must be an https:// URL"),
    (_replace("content/_data/callouts.yaml", "cta: articles/first", "cta: javascript:alert(1)"),
     "content/_data/callouts.yaml", "javascript"),
    (_write("content/articles/empty.md", b""), "content/articles/empty.md", "empty page file"),
    (_write("content/articles/latin1.md", "---\ntitle: Caf\xe9\n---\n".encode("latin-1")),
     "content/articles/latin1.md", "UTF-8"),
    (_write("content/articles/plain.md", b"Just text.\n"), "content/articles/plain.md", "frontmatter"),
    (_write("content/articles/dup.md", _PAGE.format(t="Dup", d=1).encode()), "content/articles/dup.md",
     "/articles/dup/"),
    (_write("content/articles/dup/index.md", _PAGE.format(t="Dup two", d=2).encode()),
     "content/articles/dup/index.md", "/articles/dup/"),
]


def test_every_mistake_is_reported_in_one_build_one_line_each(tmp_path):
    site = copy_site(SITES / "small", tmp_path / "site")
    for change, _, _ in TOGETHER:
        change(site)
    result = build(site, "--jobs", "1")
    failed(result)
    assert not (site / "public").exists(), "a failed first build must not create the output folder"
    lines = result.stderr.splitlines()
    for _, path, text in TOGETHER:
        assert any(l.startswith(path + ":") and ": error: " in l and text in l for l in lines), \
            f"no error line for {path}: {text}\n{result.stderr}"
    problem_lines = [l for l in lines if ERROR_LINE.match(l)]
    assert len(problem_lines) >= len(TOGETHER)
    assert all(ERROR_LINE.match(l) for l in lines[:-1]), "every line but the summary is a problem line"


# Mistakes that stop a build early, one at a time.
ALONE = {
    "bad-yaml-site": _replace("content/site.yaml", "title: Small Fixture", "title: [Small"),
    "template-syntax": _write("templates/partials/byline.html", b"{% if page.author %}\n<p>\n"),
    "template-undefined": _replace("templates/partials/byline.html", "page.reading_time", "page.no_such_field"),
    # these crashed with a KeyError traceback at commit 8caf498
    "wrong-type-date": _replace("content/articles/first.md", "date: 2026-02-01", "date: soon"),
    "missing-date": _replace("content/articles/first.md", "date: 2026-02-01\n", ""),
    "stat-bad-as-of": _replace("content/_data/stats.yaml", "as_of: 2026-08-01", "as_of: recently"),
    "faq-without-answer": _replace("content/articles/second.md", "    a: Yes, **very** short.\n", ""),
}


@pytest.mark.parametrize("breakage", ALONE.values(), ids=ALONE.keys())
def test_a_mistake_is_an_error_line_never_a_traceback(tmp_path, breakage):
    site = copy_site(SITES / "small", tmp_path / "site")
    breakage(site)
    result = build(site, "--jobs", "1")
    failed(result)
    assert ERROR_LINE.search(result.stderr), result.stderr
    assert not (site / "public").exists()
