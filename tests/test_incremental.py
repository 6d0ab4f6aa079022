"""Differential tests of the incremental build: SPEC.md, "Incremental = clean".

A rebuild after any change must write exactly what a clean build of the
changed site writes, and do work only for what the change touches. Every case
builds the fixture tests/sites/incremental (with its cache), applies one edit
(or a few, each followed by a build), builds again incrementally, then builds a
copy of the edited site without its cache or output from scratch and compares
the two output folders file by file.

The fixture: two sections (articles/, guides/) with eight published articles
a draft and a piece scheduled for 2099 sharing tags ("Remote Work" written two ways), two page bundles
with an image of the same name, two platforms (acme is an affiliate) featured
by shortcode and by ``platforms:``, callouts (one pointing at the draft),
stats, an author per article, jobs, ``{ref: …}`` sources and body links between
pages, and ``page_size: 2`` so every listing paginates.

Cases marked xfail(strict=True) are known mismatches: each reason names the
edit, the differing file and the cause. Set INCREMENTAL_EXAMPLES=200 and
INCREMENTAL_RANDOM=1 to let the property test look further than its fixed
eight examples.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import datetime as dt
import difflib
import os
import random
import re
import shutil
import struct
import tempfile
import time
import zlib
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from careerpress import cli, pipeline
from careerpress import search as search_index
from careerpress.config import BuildOptions
from careerpress.pipeline import build
from conftest import FIXED_EPOCH, SITES, copy_site, run, tree

TODAY = dt.date(2026, 11, 27)          # the day FIXED_EPOCH names
FIXTURE = SITES / "incremental"
CACHE = ".careerpress-cache"
FILES_WRITTEN = re.compile(r"(\d+) files? written")


# ---------------------------------------------------------------- building
def options(site: Path, out: Path | None = None, **kw) -> BuildOptions:
    kw = {"jobs": 1, "search": False, "today": TODAY, **kw}
    return BuildOptions(site_dir=site, out_dir=out or site / "public", **kw)


def build_here(site: Path, out: Path | None = None, **kw):
    """An in-process build (the incremental one unless clean=True)."""
    result = build(options(site, out, **kw))
    assert result.ok, "\n".join(map(str, result.problems))
    return result


def cli_build(site: Path, *args: str, monkeypatch, expect: int = 0) -> str:
    """`careerpress build --no-search --jobs 1 ARGS` in ``site``, in this process
    (the same code path as the command, without a new interpreter). Returns stdout."""
    out, err = io.StringIO(), io.StringIO()
    with monkeypatch.context() as m:
        m.chdir(site)
        m.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
        m.delenv("CI", raising=False)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["build", "--no-search", "--jobs", "1", *args])
    assert code == expect, f"exit {code}\n{err.getvalue()}"
    assert "Traceback" not in out.getvalue() + err.getvalue(), err.getvalue()
    return out.getvalue()


def files_written(stdout: str) -> int:
    """The "N files written" of a build's summary (0 when it was up to date)."""
    m = FILES_WRITTEN.search(stdout)
    if m is None:
        assert "is up to date" in stdout, stdout
        return 0
    return int(m.group(1))


def clean_build(site: Path, dest: Path, search: bool = False) -> Path:
    """The reference: a copy of ``site`` without its cache and output, built from scratch."""
    shutil.copytree(site, dest, symlinks=True,
                    ignore=lambda folder, names: [CACHE, "public"] if Path(folder) == site else [])
    build_here(dest, clean=True, search=search)
    return dest / "public"


def assert_same_output(incremental: Path, clean: Path, what: str) -> None:
    """Byte-identical trees; else name every differing file and diff the first."""
    got, want = tree(incremental), tree(clean)
    # Folders too: an emptied folder left behind is a difference a host serves (a listing, a 403).
    got.update((p.relative_to(incremental).as_posix() + "/", b"") for p in incremental.rglob("*") if p.is_dir())
    want.update((p.relative_to(clean).as_posix() + "/", b"") for p in clean.rglob("*") if p.is_dir())
    extra = sorted(got.keys() - want.keys())
    missing = sorted(want.keys() - got.keys())
    differ = sorted(name for name in got.keys() & want.keys() if got[name] != want[name])
    if not (extra or missing or differ):
        return
    lines = [f"{what}: the incremental build differs from a clean build"]
    if extra:
        lines.append(f"  only in the incremental output: {', '.join(extra)}")
    if missing:
        lines.append(f"  missing from the incremental output: {', '.join(missing)}")
    if differ:
        lines.append(f"  different bytes: {', '.join(differ)}")
        name = differ[0]
        try:
            diff = difflib.unified_diff(want[name].decode("utf-8").splitlines(),
                                        got[name].decode("utf-8").splitlines(),
                                        f"clean/{name}", f"incremental/{name}", n=1, lineterm="")
            lines.append("\n".join(list(diff)[:30]))
        except UnicodeDecodeError:
            lines.append(f"  ({name}: binary, {len(want[name])} bytes clean, {len(got[name])} incremental)")
    pytest.fail("\n".join(lines))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture built once, with its cache: each case starts from a copy.

    copy2 keeps the mtimes of sources and output files, so the copy's cache
    still matches them and the next build of the copy is incremental (only
    the output folder's path differs, which the engine takes in its stride)."""
    base = tmp_path_factory.mktemp("built")
    site = copy_site(FIXTURE, base / "site")
    result = build_here(site)
    assert result.files > 30
    return site


@pytest.fixture(scope="module")
def pristine(built, tmp_path_factory) -> Path:
    """A clean build of the unedited fixture."""
    return clean_build(built, tmp_path_factory.mktemp("pristine") / "site")


def start_from(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest, symlinks=True)
    return dest


# ---------------------------------------------------------------- editing the site
def page(site: Path, name: str) -> Path:
    """A page by its name: articles/alpha, or a bundle articles/portfolio."""
    p = site / "content" / f"{name}.md"
    return p if p.is_file() else site / "content" / name / "index.md"


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _split(path: Path) -> tuple[list[str], list[str]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    end = lines.index("---", 1)
    return lines[:end], lines[end:]


def get_key(path: Path, key: str) -> str | None:
    head, _ = _split(path)
    for line in head:
        if line.startswith(f"{key}:"):
            return line[len(key) + 1:].strip()
    return None


def set_key(path: Path, key: str, value: str) -> None:
    """Set a one-line frontmatter key, adding it when missing."""
    head, rest = _split(path)
    for i, line in enumerate(head):
        if line.startswith(f"{key}:"):
            head[i] = f"{key}: {value}"
            break
    else:
        head.append(f"{key}: {value}")
    path.write_text("\n".join(head + rest), encoding="utf-8")


def drop_key(path: Path, key: str) -> None:
    head, rest = _split(path)
    path.write_text("\n".join([l for l in head if not l.startswith(f"{key}:")] + rest), encoding="utf-8")


def tags_of(path: Path) -> list[str]:
    value = get_key(path, "tags") or "[]"
    return [t.strip() for t in value.strip("[]").split(",") if t.strip()]


def set_tags(path: Path, tags: list[str]) -> None:
    set_key(path, "tags", "[" + ", ".join(tags) + "]")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


WORDS = ("rubric", "payout", "screening", "queue", "feedback", "rate", "project", "review", "Zürich", "<b>&</b>")
TAGS = ("pay", "coding", "basics", "remote work", "portfolio", "careers")
# Pages nothing names (no {ref:}, callout cta or nav item points at them): safe
# to delete, rename or draft without making the build fail or reaching the
# known bugs below.
LOOSE = ("articles/gamma", "articles/delta", "articles/portfolio", "articles/showcase", "guides/toolkit")


def words(rnd: random.Random, n: int = 6) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def loose_pages(site: Path) -> list[str]:
    """LOOSE pages still present, plus any page an edit added."""
    content = site / "content"
    found = [n for n in LOOSE if page(site, n).is_file()]
    found += sorted(p.relative_to(content).with_suffix("").as_posix()
                    for p in content.glob("*/added-*.md"))
    return found


# Each edit takes the site and a Random; with a seeded Random it is repeatable
# and safe to apply again (the property test chains them).
def add_page(site: Path, rnd: random.Random) -> None:
    n = rnd.randrange(10**6)
    section = rnd.choice(("articles", "guides"))
    path = site / "content" / section / f"added-{n}.md"
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(320))
    tags = sorted(set(rnd.sample(TAGS, rnd.randrange(1, 3))))
    path.write_text(
        "---\n"
        f"title: \"Added {n}: {words(rnd, 3)}\"\n"
        f"date: {day.isoformat()}\n"
        f"description: \"A page added between builds ({n}).\"\n"
        f"author: {rnd.choice(('ana-lopez', 'ben-okafor'))}\n"
        f"tags: [{', '.join(tags)}]\n"
        + (f"platforms: [{rnd.choice(('acme', 'basil'))}]\n" if rnd.random() < 0.5 else "")
        + "sources:\n  - ref: articles/alpha\n"
        "---\n\n"
        f"ADDED-BODY {n}. {words(rnd)} — see [the gamma piece](/articles/gamma/).\n\n"
        "{{< callout starter >}}\n", encoding="utf-8")


def edit_body(site: Path, rnd: random.Random, name: str = "articles/alpha") -> None:
    with open(page(site, name), "a", encoding="utf-8") as fh:
        fh.write(f"\nAn added paragraph: {words(rnd)}.\n")


def edit_code(site: Path, rnd: random.Random) -> None:
    """The code in alpha's fenced block: highlighted anew, not taken from the cache."""
    path = page(site, "articles/alpha")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"hours = \d+", f"hours = {rnd.randint(13, 60)}", text), encoding="utf-8")


def edit_any_body(site: Path, rnd: random.Random) -> None:
    names = ["articles/alpha", "articles/beta", "guides/first-steps", "about", "platforms/basil"]
    edit_body(site, rnd, rnd.choice(names + loose_pages(site)))


def rename_page(site: Path, rnd: random.Random) -> None:
    candidates = loose_pages(site)
    if not candidates:
        return
    name = rnd.choice(candidates)
    src = page(site, name)
    folder = site / "content" / rnd.choice(("articles", "guides"))   # maybe into the other section
    new = f"renamed-{rnd.randrange(10**6)}"
    while (folder / new).exists() or (folder / f"{new}.md").exists():   # the same seed again
        new += "-2"
    if src.name == "index.md":                      # a bundle: move its folder
        src.parent.rename(folder / new)
    else:
        src.rename(folder / f"{new}.md")


def delete_page(site: Path, rnd: random.Random) -> None:
    candidates = loose_pages(site)
    if not candidates:
        return
    src = page(site, rnd.choice(candidates))
    if src.name == "index.md":
        shutil.rmtree(src.parent)
    else:
        src.unlink()


def change_title(site: Path, rnd: random.Random, name: str = "articles/beta") -> None:
    set_key(page(site, name), "title", f"\"Retitled: {words(rnd, 3)} {rnd.randrange(1000)}\"")


def change_any_title(site: Path, rnd: random.Random) -> None:
    change_title(site, rnd, rnd.choice(["articles/alpha", "articles/beta", "guides/first-steps"] + loose_pages(site)))


def change_date(site: Path, rnd: random.Random, name: str | None = None) -> None:
    """Move a page within the past: listings, the feed and related articles reorder."""
    name = name or rnd.choice(["articles/alpha", "articles/beta"] + loose_pages(site))
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(320))
    set_key(page(site, name), "date", day.isoformat())
    drop_key(page(site, name), "updated")


def add_tag(site: Path, rnd: random.Random, name: str | None = None, tag: str | None = None) -> None:
    path = page(site, name or rnd.choice(["articles/alpha", "articles/beta"] + loose_pages(site)))
    tags = tags_of(path)
    tag = tag or rnd.choice([t for t in TAGS if t not in tags] or ["careers"])
    if tag not in tags:
        set_tags(path, tags + [tag])


def remove_tag(site: Path, rnd: random.Random, name: str | None = None, tag: str | None = None) -> None:
    path = page(site, name or rnd.choice(["articles/alpha", "articles/beta"] + loose_pages(site)))
    tags = tags_of(path)
    if tags:
        tag = tag or rnd.choice(tags)
        set_tags(path, [t for t in tags if t != tag])


def toggle_draft(site: Path, rnd: random.Random, name: str | None = None) -> None:
    """Flip ``draft:`` of a page (of a loose one when no name is given)."""
    candidates = loose_pages(site)
    if name is None and not candidates:
        return
    path = page(site, name or rnd.choice(candidates))
    set_key(path, "draft", "false" if get_key(path, "draft") == "true" else "true")


def toggle_future(site: Path, rnd: random.Random, name: str | None = None) -> None:
    """Date a page after TODAY (scheduled), or back into the past."""
    candidates = loose_pages(site)
    if name is None and not candidates:
        return
    path = page(site, name or rnd.choice(candidates))
    if dt.date.fromisoformat(get_key(path, "date")) > TODAY:
        set_key(path, "date", (TODAY - dt.timedelta(days=rnd.randrange(1, 300))).isoformat())
    else:
        set_key(path, "date", (TODAY + dt.timedelta(days=rnd.randrange(1, 90))).isoformat())
    drop_key(path, "updated")


def toggle_noindex(site: Path, rnd: random.Random) -> None:
    candidates = loose_pages(site)
    if candidates:
        path = page(site, rnd.choice(candidates))
        set_key(path, "noindex", "false" if get_key(path, "noindex") == "true" else "true")


def toggle_slug(site: Path, rnd: random.Random) -> None:
    """Give a loose page a slug of its own (its URL moves), or take it away."""
    candidates = loose_pages(site)
    if candidates:
        path = page(site, rnd.choice(candidates))
        if get_key(path, "slug"):
            drop_key(path, "slug")
        else:
            set_key(path, "slug", f"{path.stem if path.stem != 'index' else path.parent.name}-moved-"
                                  f"{rnd.randrange(10**6)}")


def add_ref(site: Path, rnd: random.Random) -> None:
    """A loose page cites a page that stays published ({ref: …}) or links to any URL in its body."""
    candidates = loose_pages(site)
    if not candidates:
        return
    path = page(site, rnd.choice(candidates))
    if rnd.random() < 0.5:
        target = rnd.choice(("articles/alpha", "articles/beta", "guides/first-steps"))
        head, rest = _split(path)
        if not any(line.startswith("sources:") for line in head):
            head.append("sources:")
        i = next(i for i, line in enumerate(head) if line.startswith("sources:"))
        head.insert(i + 1, f"  - ref: {target}")
        path.write_text("\n".join(head + rest), encoding="utf-8")
    else:
        url = rnd.choice(["/articles/alpha/", "/articles/gamma/", "/guides/toolkit/", "/platforms/acme/",
                          "/articles/showcase/", "/tags/pay/"])
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\nSee [this page]({url}).\n")


def add_platform(site: Path, rnd: random.Random) -> None:
    n = rnd.randrange(10**6)
    affiliate = rnd.random() < 0.5
    (site / "content" / "platforms" / f"added-{n}.md").write_text(
        "---\n"
        f"name: Added Platform {n}\n"
        f"url: https://added-{n}.example.com/\n"
        f"affiliate: {'true' if affiliate else 'false'}\n"
        f"pitch: \"Added platform {n} pays for {words(rnd, 2)}.\"\n"
        f"pay: \"${rnd.randrange(10, 50)}/hour\"\n"
        "---\n\n"
        f"A platform added between builds ({n}).\n", encoding="utf-8")


def toggle_draft_named(site: Path, rnd: random.Random) -> None:
    """Draft or publish a page that other pages name ({ref:}, a callout cta, a
    platform shortcode, the nav): those pages must follow."""
    toggle_draft(site, rnd, rnd.choice(("articles/beta", "articles/draft-notes", "guides/first-steps",
                                        "articles/alpha", "platforms/basil", "platforms/acme", "about")))


def respell_tag(site: Path, rnd: random.Random) -> None:
    """Write a tag another way (same slug): its listing pages take the new name."""
    name = rnd.choice(["articles/alpha", "articles/beta", "guides/first-steps"] + loose_pages(site))
    path = page(site, name)
    tags = tags_of(path)
    if tags:
        i = rnd.randrange(len(tags))
        tags[i] = tags[i].title() if tags[i] == tags[i].lower() else tags[i].lower()
        set_tags(path, tags)


def toggle_base_url(site: Path, rnd: random.Random) -> None:
    path = site / "content" / "site.yaml"
    guide = "https://example.org/guide/" in path.read_text(encoding="utf-8")
    set_key_yaml(path, "base_url", "https://example.org/" if guide else "https://example.org/guide/")


def swap_bundles(site: Path, rnd: random.Random) -> None:
    """Swap the folders of the two bundles: each image now stands where the other was."""
    a, b = site / "content/articles/portfolio", site / "content/articles/showcase"
    if a.is_dir() and b.is_dir():
        a.rename(a.with_name("swap-tmp"))
        b.rename(a)
        a.with_name("swap-tmp").rename(b)


def edit_pitch(site: Path, rnd: random.Random) -> None:
    set_key(page(site, rnd.choice(("platforms/acme", "platforms/basil"))), "pitch",
            f"\"A new pitch: {words(rnd, 4)}.\"")


def edit_platform_url(site: Path, rnd: random.Random) -> None:
    key = rnd.choice(("acme", "basil"))
    set_key(page(site, f"platforms/{key}"), "url", f"https://{key}.example.com/?ref=v{rnd.randrange(10**6)}")


def toggle_affiliate(site: Path, rnd: random.Random, key: str | None = None) -> None:
    path = page(site, f"platforms/{key or rnd.choice(('acme', 'basil'))}")
    set_key(path, "affiliate", "false" if get_key(path, "affiliate") == "true" else "true")


def _data(site: Path, name: str) -> Path:
    return site / "content" / "_data" / f"{name}.yaml"


def _set_data_field(site: Path, name: str, entry: str, field: str, value: str) -> None:
    """Set ``field`` of ``entry`` in a keyed data file (entries are 'key:' lines, fields indented)."""
    path = _data(site, name)
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"{entry}:")
    for i in range(start + 1, len(lines)):
        if not lines[i].startswith("  "):
            break
        if lines[i].startswith(f"  {field}:"):
            lines[i] = f"  {field}: {value}"
            break
    else:
        raise AssertionError(f"{entry}.{field} not in {path}")
    path.write_text("\n".join(lines), encoding="utf-8")


def edit_callout(site: Path, rnd: random.Random) -> None:
    key = rnd.choice(("starter", "partner"))
    _set_data_field(site, "callouts", key, "body", f"\"Callout text: {words(rnd)}.\"")


def edit_stat(site: Path, rnd: random.Random) -> None:
    key = rnd.choice(("hourly-rate", "growth"))
    _set_data_field(site, "stats", key, "value", f"\"{rnd.randrange(10, 99)}{'%' if key == 'growth' else '/hour'}\"")


def edit_author(site: Path, rnd: random.Random) -> None:
    key = rnd.choice(("ana-lopez", "ben-okafor"))
    _set_data_field(site, "authors", key, "name", f"\"{key.split('-')[0].title()} {words(rnd, 1).title()}\"")


def edit_job(site: Path, rnd: random.Random) -> None:
    path = _data(site, "jobs")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'pay: "\$\d+/hour"', f'pay: "${rnd.randrange(10, 99)}/hour"', text, count=1),
                    encoding="utf-8")


def add_job(site: Path, rnd: random.Random) -> None:
    n = rnd.randrange(10**6)
    key = rnd.choice(("acme", "basil"))
    with open(_data(site, "jobs"), "a", encoding="utf-8") as fh:
        fh.write(f"\n- title: Added Job {n}\n  platform: {key}\n  url: \"https://{key}.example.com/jobs/{n}\"\n"
                 f"  posted: 2026-11-{rnd.randrange(1, 27):02d}\n")


def edit_template(site: Path, rnd: random.Random) -> None:
    path = site / "templates" / "base.html"
    text = path.read_text(encoding="utf-8")
    new = f'<footer class="site-footer" data-v="{rnd.randrange(10**6)}">'
    path.write_text(re.sub(r'<footer class="site-footer"[^>]*>', new, text, count=1), encoding="utf-8")


def edit_partial(site: Path, rnd: random.Random) -> None:
    path = site / "templates" / "partials" / "platform.html"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\n<!-- partial v\d+ -->", "", text)
    path.write_text(text + f"\n<!-- partial v{rnd.randrange(10**6)} -->", encoding="utf-8")


def add_static(site: Path, rnd: random.Random) -> None:
    folder = site / "static" / "extra"
    folder.mkdir(exist_ok=True)
    (folder / f"note-{rnd.randrange(10**6)}.txt").write_text(f"{words(rnd)}\n", encoding="utf-8")


def remove_static(site: Path, rnd: random.Random) -> None:
    files = sorted(p for p in (site / "static").rglob("*") if p.is_file())
    if files:
        rnd.choice(files).unlink()


def replace_image(site: Path, rnd: random.Random) -> None:
    for shot in (site / "content").rglob("shot.png"):
        shot.write_bytes(png(rnd.randrange(2, 9), rnd.randrange(2, 9),
                             (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))))


def replace_image_same_size(site: Path, rnd: random.Random) -> None:
    for shot in (site / "content").rglob("shot.png"):
        old = shot.read_bytes()
        width, height = struct.unpack(">II", old[16:24])
        while True:
            data = png(width, height, (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
            if len(data) == len(old) and data != old:
                break
        shot.write_bytes(data)


def edit_site_title(site: Path, rnd: random.Random) -> None:
    set_key_yaml(site / "content" / "site.yaml", "title", f"\"Fixture Review {words(rnd, 2)}\"")


def edit_page_size(site: Path, rnd: random.Random) -> None:
    path = site / "content" / "site.yaml"
    current = int(re.search(r"^page_size: (\d+)$", path.read_text(encoding="utf-8"), re.M).group(1))
    set_key_yaml(path, "page_size", str(rnd.choice([n for n in (1, 2, 3, 5) if n != current])))


def set_key_yaml(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.M)
    assert n, f"{key} not in {path}"
    path.write_text(text, encoding="utf-8")


def delete_cache(site: Path, rnd: random.Random) -> None:
    shutil.rmtree(site / CACHE, ignore_errors=True)


def truncate_state(site: Path, rnd: random.Random) -> None:
    state = site / CACHE / "state.pickle"
    if state.is_file():
        data = state.read_bytes()
        state.write_bytes(data[: rnd.randrange(len(data) // 2 + 1)])


def garble_bodies(site: Path, rnd: random.Random) -> None:
    db = site / CACHE / "bodies.sqlite"
    if db.is_file():
        db.write_bytes(b"this is not a database " * rnd.randrange(1, 200))


def hand_edit_output(site: Path, rnd: random.Random) -> None:
    files = sorted(p for p in (site / "public").rglob("*.html") if p.is_file())
    if files:
        with open(rnd.choice(files), "a", encoding="utf-8") as fh:
            fh.write(f"<!-- edited by hand {rnd.randrange(10**6)} -->\n")


def delete_output_file(site: Path, rnd: random.Random) -> None:
    files = sorted(p for p in (site / "public").rglob("*") if p.is_file())
    if files:
        rnd.choice(files).unlink()


def add_stray_output(site: Path, rnd: random.Random) -> None:
    (site / "public" / f"stray-{rnd.randrange(10**6)}.html").write_text("<p>not built</p>\n", encoding="utf-8")


def add_empty_output_folder(site: Path, rnd: random.Random) -> None:
    (site / "public" / "articles" / f"empty-{rnd.randrange(10**6)}").mkdir()


def build_elsewhere(site: Path, rnd: random.Random) -> None:
    """Build the site into another folder too (as `build --out …` would), which
    leaves the cache describing that folder; sometimes with --clean."""
    build_here(site, out=site.parent / f"elsewhere-{rnd.randrange(3)}", clean=rnd.random() < 0.5)


def nothing(site: Path, rnd: random.Random) -> None:
    pass


def named(fn, **kw) -> Callable[[Path, random.Random], None]:
    def edit(site: Path, rnd: random.Random) -> None:
        fn(site, rnd, **kw)
    return edit


# ---------------------------------------------------------------- the table
@dataclasses.dataclass(frozen=True)
class Edit:
    id: str
    steps: tuple        # each step is applied, then the site is built incrementally
    bug: str = ""       # a known mismatch: the case is xfail(strict=True)
    same_site: bool = False   # the edit leaves content/, templates/, static/ as they were
    failing: tuple = ()       # indexes of steps whose build must fail (exit 1)
    most: int | None = None   # at most this many files written by the last build


def _set(name: str, key: str, value: str):
    return lambda site, rnd: set_key(page(site, name), key, value)


EDITS = [
    Edit("no-op", (nothing,), same_site=True, most=0),
    Edit("page-added", (add_page,)),
    Edit("page-body-edited", (edit_body,), most=1),
    Edit("code-block-edited", (edit_code,), most=1),
    Edit("page-renamed", (lambda s, r: page(s, "articles/gamma").rename(s / "content/articles/gamma-two.md"),)),
    Edit("bundle-renamed", (lambda s, r: (s / "content/articles/portfolio").rename(s / "content/articles/folio"),)),
    Edit("page-deleted", (lambda s, r: page(s, "articles/delta").unlink(),)),
    Edit("bundle-deleted", (lambda s, r: shutil.rmtree(s / "content/articles/portfolio"),)),
    Edit("title-changed", (named(change_title, name="articles/beta"),)),
    Edit("date-changed-reorders-feed", (named(change_date, name="articles/gamma"),)),
    Edit("slug-added", (_set("articles/beta", "slug", "beta-moved"),)),
    Edit("bundle-slug-added", (_set("articles/portfolio", "slug", "folio"),)),
    Edit("bundle-folders-swapped", (swap_bundles,)),
    Edit("bundle-slugs-swapped", (lambda s, r: (set_key(page(s, "articles/portfolio"), "slug", "showcase"),
                                                set_key(page(s, "articles/showcase"), "slug", "portfolio")),)),
    Edit("tag-added", (named(add_tag, name="articles/gamma", tag="coding"),)),
    Edit("tag-removed", (named(remove_tag, name="articles/alpha", tag="pay"),)),
    Edit("new-tag-added", (named(add_tag, name="articles/delta", tag="careers"),)),
    Edit("tag-spelling-changed", (lambda s, r: set_tags(page(s, "articles/alpha"), ["remote work", "pay"]),)),
    Edit("ref-added", (lambda s, r: replace(page(s, "guides/toolkit"), "  - ref: articles/alpha",
                                            "  - ref: articles/alpha\n  - ref: articles/delta"),)),
    Edit("body-link-added", (lambda s, r: replace(page(s, "articles/delta"), "DELTA-BODY.",
                                                   "DELTA-BODY. See [the toolkit](/guides/toolkit/)."),), most=4),
    Edit("noindex-set", (_set("articles/gamma", "noindex", "true"),)),
    Edit("draft-on", (named(toggle_draft, name="articles/gamma"),)),
    Edit("draft-on-then-off", (named(toggle_draft, name="articles/gamma"), named(toggle_draft, name="articles/gamma"))),
    Edit("draft-on-referenced", (named(toggle_draft, name="articles/beta"),)),
    Edit("draft-on-then-off-referenced", (named(toggle_draft, name="articles/beta"),
                                          named(toggle_draft, name="articles/beta"))),
    Edit("draft-off-callout-target", (named(toggle_draft, name="articles/draft-notes"),)),
    Edit("date-moved-into-future", (named(toggle_future, name="articles/gamma"),)),
    Edit("date-into-future-and-back", (named(toggle_future, name="articles/gamma"),
                                       named(toggle_future, name="articles/gamma"))),
    Edit("platform-pitch-edited", (lambda s, r: set_key(page(s, "platforms/acme"), "pitch", "\"A new pitch.\""),), most=8),
    Edit("platform-url-edited", (lambda s, r: set_key(page(s, "platforms/acme"), "url",
                                                       "https://acme.example.com/?ref=new"),)),
    Edit("platform-affiliate-flipped", (named(toggle_affiliate, key="basil"),)),
    Edit("platform-affiliate-removed", (named(toggle_affiliate, key="acme"),)),
    Edit("platform-drafted", (named(toggle_draft, name="platforms/basil"),)),
    Edit("platform-drafted-then-restored", (named(toggle_draft, name="platforms/basil"),
                                            named(toggle_draft, name="platforms/basil"))),
    # With basil featured by one page only, its return changes no related box
    # that would re-render that page by chance.
    Edit("platform-featured-once-drafted-then-restored", (
        lambda s, r: drop_key(page(s, "articles/beta"), "platforms"),
        named(toggle_draft, name="platforms/basil"), named(toggle_draft, name="platforms/basil"))),
    Edit("callout-edited", (lambda s, r: _set_data_field(s, "callouts", "starter", "body", "\"New callout text.\""),)),
    Edit("stat-edited", (lambda s, r: _set_data_field(s, "stats", "hourly-rate", "value", "\"$47/hour\""),), most=1),
    Edit("author-edited", (lambda s, r: _set_data_field(s, "authors", "ben-okafor", "name", "\"Benedict Okafor\""),)),
    Edit("author-bio-edited", (lambda s, r: _set_data_field(s, "authors", "ana-lopez", "bio", "\"A new bio.\""),)),
    Edit("jobs-entry-edited", (edit_job,)),
    Edit("jobs-entry-added", (add_job,)),
    Edit("template-edited", (edit_template,)),
    Edit("partial-edited", (edit_partial,)),
    Edit("static-added", (add_static,), most=1),
    Edit("static-removed", (lambda s, r: (s / "static/css/pygments.css").unlink(),), most=0),
    Edit("bundle-image-replaced", (replace_image,), most=2),
    Edit("bundle-image-replaced-same-size", (replace_image_same_size,)),
    Edit("site-title-edited", (edit_site_title,)),
    Edit("site-page-size-edited", (lambda s, r: set_key_yaml(s / "content/site.yaml", "page_size", "3"),)),
    Edit("site-base-url-edited", (lambda s, r: set_key_yaml(s / "content/site.yaml", "base_url",
                                                            "https://example.org/guide/"),)),
    Edit("failed-build-then-fixed", (
        lambda s, r: (edit_body(s, r), replace(page(s, "articles/beta"), "BETA-BODY.", "BETA-BODY.\n\n"
                                                "{{< platform nosuch >}}\n")),
        lambda s, r: replace(page(s, "articles/beta"), "\n\n{{< platform nosuch >}}\n", "")), failing=(0,)),
    Edit("template-broken-then-fixed", (
        lambda s, r: (edit_body(s, r), replace(s / "templates/partials/stat.html", "{{", "{% if %}{{")),
        lambda s, r: replace(s / "templates/partials/stat.html", "{% if %}{{", "{{")), failing=(0,)),
    Edit("built-elsewhere-in-between", (lambda s, r: (edit_body(s, r), build_elsewhere(s, random.Random(0))),
                                        lambda s, r: (change_title(s, r), build_elsewhere(s, random.Random(1))))),
    Edit("cache-deleted", (delete_cache,), same_site=True),
    Edit("cache-deleted-and-body-edited", (delete_cache, edit_body)),
    Edit("cache-state-truncated", (truncate_state,), same_site=True),
    Edit("cache-state-truncated-and-body-edited", (lambda s, r: (truncate_state(s, r), edit_body(s, r)),)),
    Edit("cache-bodies-garbage", (garble_bodies,), same_site=True, most=0),
    Edit("cache-bodies-garbage-and-title-edited", (lambda s, r: (garble_bodies(s, r), change_title(s, r)),)),
    Edit("output-hand-edited", (lambda s, r: open(s / "public/articles/alpha/index.html", "a").write("<!-- x -->"),), same_site=True, most=1),
    Edit("output-file-deleted", (lambda s, r: (s / "public/tags/pay/page/2/index.html").unlink(),), same_site=True, most=1),
    Edit("output-image-deleted", (lambda s, r: (s / "public/articles/portfolio/shot.png").unlink(),), same_site=True, most=1),
    Edit("output-stray-file-added", (add_stray_output,), same_site=True),
    Edit("output-empty-folder-added", (add_empty_output_folder,), same_site=True, most=0),
    Edit("output-stray-file-added-and-body-edited", (lambda s, r: (add_stray_output(s, r), edit_body(s, r)),)),
]


def apply_edit(edit: Edit, site: Path, monkeypatch) -> None:
    """Each step of ``edit``, each followed by a build through the command."""
    rnd = random.Random(edit.id)
    for i, step in enumerate(edit.steps):
        step(site, rnd)
        if i in edit.failing:
            before = tree(site / "public")
            cli_build(site, monkeypatch=monkeypatch, expect=1)
            assert tree(site / "public") == before, "a failed build changed the output"
        else:
            stdout = cli_build(site, monkeypatch=monkeypatch)
    if edit.most is not None:
        assert files_written(stdout) <= edit.most, stdout


def _param(edit: Edit):
    marks = [pytest.mark.xfail(strict=True, reason=edit.bug)] if edit.bug else []
    return pytest.param(edit, id=edit.id, marks=marks)


@pytest.mark.parametrize("edit", [_param(e) for e in EDITS])
def test_incremental_build_equals_clean_build(edit: Edit, built, pristine, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    if edit.same_site:
        # a build of the copy first, so that the unedited site is "up to date" for
        # the next one and the engine's no-change shortcut is what gets tested
        cli_build(site, monkeypatch=monkeypatch)
    apply_edit(edit, site, monkeypatch)
    clean = pristine if edit.same_site else clean_build(site, tmp_path / "edited")
    assert_same_output(site / "public", clean, edit.id)


# ---------------------------------------------------------------- the quick rebuild (quick.py)
# The cases above start from a copy of the built fixture, so their first
# build has a new output folder and takes the full path. These build the copy
# in place first: a body edit then takes the quick path, and every edit it
# must turn down falls back to the full build. Each is compared with a clean build.
def _callout_added(site: Path, rnd: random.Random) -> None:
    edit_body(site, rnd)
    with open(page(site, "articles/alpha"), "a", encoding="utf-8") as fh:
        fh.write("\n{{< callout partner >}}\n")


def _heading_added(site: Path, rnd: random.Random) -> None:
    with open(page(site, "guides/toolkit"), "a", encoding="utf-8") as fh:
        fh.write(f"\n## A new heading\n\n{words(rnd)}.\n")


def _saved_unchanged(site: Path, rnd: random.Random) -> None:
    path = page(site, "articles/beta")
    path.write_bytes(path.read_bytes())
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _symlink_outside(site: Path, rnd: random.Random) -> None:
    """gamma.md becomes a link to an edited copy outside the site: refused, as by a clean build."""
    path = page(site, "articles/gamma")
    outside = site.parent / "outside-gamma.md"
    outside.write_text(path.read_text(encoding="utf-8") + "\nText from outside the site.\n", encoding="utf-8")
    path.unlink()
    path.symlink_to(outside)


def _symlink_replaced(site: Path, rnd: random.Random) -> None:
    path = page(site, "articles/gamma")
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text, encoding="utf-8")


def _graph_row_damaged(site: Path, rnd: random.Random) -> None:
    import sqlite3
    with contextlib.closing(sqlite3.connect(site / CACHE / "bodies.sqlite")) as db, db:
        db.execute("UPDATE graph SET data = ? WHERE name = ?", (b"\x00\x11garbage", "p:articles/beta"))
    edit_body(site, rnd)


def _editor_backup_and_body(site: Path, rnd: random.Random) -> None:
    (site / "content/articles/alpha.md~").write_text("the editor's backup", encoding="utf-8")
    edit_body(site, rnd)


QUICK_EDITS = [
    Edit("quick-article-body", (edit_body,), most=1),
    Edit("quick-article-body-twice", (edit_body, edit_body), most=1),
    Edit("quick-two-bodies", (lambda s, r: (edit_body(s, r), edit_body(s, r, "guides/first-steps")),), most=2),
    Edit("quick-page-body", (named(edit_body, name="about"),), most=1),
    Edit("quick-bundle-body", (named(edit_body, name="articles/portfolio"),), most=1),
    Edit("quick-heading-added", (_heading_added,), most=1),
    Edit("quick-saved-unchanged", (_saved_unchanged,), most=0),
    Edit("quick-body-then-title", (edit_body, named(change_title, name="articles/alpha"))),
    Edit("quick-body-then-full-then-body", (edit_body, named(change_title, name="articles/beta"), edit_body)),
    Edit("quick-body-then-hand-edit", (edit_body, lambda s, r: open(s / "public/articles/beta/index.html", "a")
                                       .write("<!-- x -->"), edit_body)),
    Edit("quick-body-then-cache-deleted", (edit_body, delete_cache)),
    Edit("quick-body-then-state-truncated", (edit_body, truncate_state)),
    Edit("quick-graph-row-damaged", (_graph_row_damaged,)),
    Edit("quick-editor-backup-beside", (_editor_backup_and_body,), most=1),
    Edit("full-page-symlinked-outside", (_symlink_outside, _symlink_replaced), failing=(0,)),
    Edit("full-callout-added", (_callout_added,)),
    Edit("template-includes-a-new-partial", (
        lambda s, r: ((s / "templates/partials/extra.html").write_text("<p>EXTRA-ONE</p>\n", encoding="utf-8"),
                      replace(s / "templates/article.html", "{% block main %}",
                              "{% block main %}{% include 'partials/extra.html' %}")),
        lambda s, r: (s / "templates/partials/extra.html").write_text("<p>EXTRA-TWO</p>\n", encoding="utf-8"),
        edit_body)),
    Edit("full-link-added", (lambda s, r: replace(page(s, "articles/delta"), "DELTA-BODY.",
                                                  "DELTA-BODY. See [the toolkit](/guides/toolkit/)."),)),
    Edit("full-home-body", (named(edit_body, name="index"),)),
    Edit("full-platform-body", (named(edit_body, name="platforms/basil"),)),
    Edit("full-draft-body", (named(edit_body, name="articles/draft-notes"),)),
    Edit("full-body-and-template", (edit_body, edit_template)),
    Edit("full-body-and-static", (edit_body, add_static)),
    Edit("full-body-and-static-named-like-a-backup", (
        lambda s, r: (edit_body(s, r), (s / "static/notes.tmp").write_text("static, whatever its name", encoding="utf-8")),)),
    Edit("full-body-and-stray-output", (lambda s, r: (add_stray_output(s, r), edit_body(s, r)),)),
    Edit("full-body-broken-then-fixed", (
        lambda s, r: replace(page(s, "articles/beta"), "BETA-BODY.", "BETA-BODY.\n\n{{< platform nosuch >}}\n"),
        lambda s, r: replace(page(s, "articles/beta"), "\n\n{{< platform nosuch >}}\n", "")), failing=(0,)),
]


@pytest.mark.parametrize("edit", [_param(e) for e in QUICK_EDITS])
def test_rebuild_in_place_equals_clean_build(edit: Edit, built, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    cli_build(site, monkeypatch=monkeypatch)   # in place: the output is where the cache says
    apply_edit(edit, site, monkeypatch)
    assert_same_output(site / "public", clean_build(site, tmp_path / "edited"), edit.id)
    assert set(build_here(site).timings) == {"check"}, "the build after it is not a no-op"


def test_a_body_edit_is_rebuilt_without_the_whole_graph(built, tmp_path, monkeypatch):
    """The quick path: no full build, one file written, the others keep their inode."""
    site = start_from(built, tmp_path / "site")
    build_here(site)
    before = _stats(site / "public")
    monkeypatch.setattr(pipeline, "_build", lambda *a, **k: pytest.fail("the full build ran"))
    edit_body(site, random.Random(0))
    result = build_here(site)
    assert result.changed == ["articles/alpha/index.html"]
    assert "An added paragraph" in (site / "public/articles/alpha/index.html").read_text(encoding="utf-8")
    after = _stats(site / "public")
    assert {p for p in after if after[p] != before.get(p)} == {"articles/alpha/index.html"}
    edit_body(site, random.Random(1))   # from the kept tree this time, examined by the walk's child
    assert build_here(site).changed == ["articles/alpha/index.html"]
    from careerpress.cache import Cache, stat_tree, unchanged
    head = Cache(site).load_state(whole=False)
    assert head.out_stats == stat_tree(site / "public", folders=True), "what is recorded is not what a walk gives"
    assert unchanged(str(site / "public"), head.out_stats, head.out_check)


def test_the_first_rebuild_starts_from_the_copy_the_first_build_made(tmp_path):
    """A first build into an empty folder has no output to keep: it leaves a
    complete hard-linked copy of its output in the cache, and the next build
    is assembled from it instead of a fresh folder, with a clean build's bytes."""
    from careerpress.cache import Cache
    site = copy_site(FIXTURE, tmp_path / "site")
    build_here(site)
    copy = site / CACHE / "trash" / Cache(site).load_state(whole=False).base.name
    assert tree(copy) == tree(site / "public"), "the build ended before its copy was complete"
    inode = os.stat(copy).st_ino
    edit_body(site, random.Random(1))
    build_here(site)
    assert os.stat(site / "public").st_ino == inode, "the rebuild made a fresh folder"
    assert_same_output(site / "public", clean_build(site, tmp_path / "clean"), "the first rebuild")


@pytest.mark.parametrize("stray", ["articles/beta/stray.html", "articles/beta/new/stray.html"])
def test_a_file_added_to_the_output_while_a_build_ran_does_not_come_back(built, tmp_path, stray):
    """A file added to the output after a build checked it and before it swapped
    the new one in goes, with that output, into the kept tree, which the build
    after next reuses: it must not come back into the output then."""
    from careerpress.cache import Cache
    site = start_from(built, tmp_path / "site")
    build_here(site)
    edit_body(site, random.Random(1))
    build_here(site)
    kept = site / CACHE / "trash" / Cache(site).load_state(whole=False).base.name
    time.sleep(0.06)   # past the window in which a folder's mtime is not trusted
    (kept / stray).parent.mkdir(exist_ok=True)
    (kept / stray).write_text("added while the build ran", encoding="utf-8")
    for seed in (2, 3):   # the first reuses that tree, the second the one after it
        edit_body(site, random.Random(seed))
        build_here(site)
        assert not (site / "public" / stray).exists(), f"{stray} came back after edit {seed}"
    assert_same_output(site / "public", clean_build(site, tmp_path / "clean"), "a stray in the kept tree")


def test_a_frontmatter_edit_is_not_rebuilt_quickly(built, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    build_here(site)
    full = []
    real = pipeline._build
    monkeypatch.setattr(pipeline, "_build", lambda *a, **k: full.append(1) or real(*a, **k))
    change_title(site, random.Random(0), "articles/alpha")
    build_here(site)
    assert full == [1]


def test_templates_edited_between_builds_are_compiled_again(built, tmp_path):
    """Compiled templates are kept in the cache; an edited one must not be served from it."""
    site = start_from(built, tmp_path / "site")
    for seed in (1, 2, 3):
        edit_template(site, random.Random(seed))
        build_here(site)
    assert (site / CACHE / "templates").is_dir() and any((site / CACHE / "templates").iterdir())
    assert_same_output(site / "public", clean_build(site, tmp_path / "edited"), "template edited three times")


# ---------------------------------------------------------------- only what the change touches
def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in folder.rglob("*"):
        if p.is_file():
            s = p.stat()
            out[p.relative_to(folder).as_posix()] = (s.st_ino, s.st_mtime_ns)
    return out


def test_unchanged_output_files_keep_their_mtime(built, tmp_path):
    """After a body edit, every file whose bytes did not change is the same file
    (same inode, same mtime: hard-linked from the previous output); the edited
    page is new. (Backdating output mtimes with os.utime is no way to see this:
    the cache then takes every output file for hand-edited and rewrites it.)"""
    site = start_from(built, tmp_path / "site")
    build_here(site)
    out = site / "public"
    before_bytes, before = tree(out), _stats(out)
    edit_body(site, random.Random(0))
    build_here(site)
    after_bytes, after = tree(out), _stats(out)
    assert after_bytes.keys() == before_bytes.keys()
    changed = {name for name in after_bytes if after_bytes[name] != before_bytes[name]}
    assert changed == {"articles/alpha/index.html"}
    assert after["articles/alpha/index.html"] != before["articles/alpha/index.html"]
    rewritten = sorted(name for name in after_bytes if name not in changed and after[name] != before[name])
    assert not rewritten, f"rewritten though their bytes did not change: {rewritten}"


def test_a_body_edit_parses_and_renders_one_page(built, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    parsed, rendered = [], []
    real_parse, real_render = pipeline.parse_all, pipeline._render_task

    def parse_all(sources, *args, **kwargs):
        parsed.extend(s.src_path for s in sources)
        return real_parse(sources, *args, **kwargs)

    def render_task(renderer, task):
        rendered.append(task)
        return real_render(renderer, task)

    monkeypatch.setattr(pipeline, "parse_all", parse_all)
    monkeypatch.setattr(pipeline, "_render_task", render_task)
    edit_body(site, random.Random(0))
    result = build_here(site)
    assert parsed == ["articles/alpha.md"]
    assert rendered == [("page", "articles/alpha", None)]
    assert result.files == 1


def test_highlighted_code_comes_from_the_cache_until_the_code_changes(built, tmp_path, monkeypatch):
    """A prose edit reuses the code block's highlighting (no Pygments); a code edit highlights anew."""
    from markdown.extensions.codehilite import CodeHilite
    site = start_from(built, tmp_path / "site")
    calls = []
    real = CodeHilite.hilite
    monkeypatch.setattr(CodeHilite, "hilite", lambda self, shebang=True: calls.append(self.src) or real(self, shebang))
    for seed in (0, 1):   # a full rebuild (the copy's first), then a quick one
        edit_body(site, random.Random(seed))
        assert build_here(site).files == 1
    assert calls == []
    edit_code(site, random.Random(0))
    assert build_here(site).files == 1
    assert len(calls) == 1 and "hours = " in calls[0]
    number = re.search(r"hours = (\d+)", page(site, "articles/alpha").read_text(encoding="utf-8")).group(1)
    assert f'<span class="mi">{number}</span>' in (site / "public/articles/alpha/index.html").read_text(encoding="utf-8")


def test_a_body_edit_writes_few_files_via_the_command(tmp_path):
    """The command, as a user runs it: the summary names the files written."""
    site = copy_site(FIXTURE, tmp_path / "site")
    first = run(["build", "--no-search", "--jobs", "1"], cwd=site)
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    assert files_written(first.stdout) > 30
    noop = run(["build", "--no-search", "--jobs", "1"], cwd=site)
    assert noop.returncode == 0 and "Traceback" not in noop.stderr, noop.stderr
    assert files_written(noop.stdout) == 0, noop.stdout
    edit_body(site, random.Random(0))
    again = run(["build", "--no-search", "--jobs", "1"], cwd=site)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert 1 <= files_written(again.stdout) <= 3, again.stdout
    clean = clean_build(site, tmp_path / "edited")
    assert_same_output(site / "public", clean, "body edit (command)")


def test_a_title_edit_renders_only_pages_that_show_the_title(built, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    rendered = []
    real_render = pipeline._render_task

    def render_task(renderer, task):
        rendered.append(task)
        return real_render(renderer, task)

    monkeypatch.setattr(pipeline, "_render_task", render_task)
    change_title(site, random.Random(0), "guides/toolkit")
    build_here(site)
    pages = {arg for kind, arg, _ in rendered if kind == "page"}
    # toolkit itself, the pages that show it in their related box, and no others
    assert "guides/toolkit" in pages
    assert not pages & {"articles/gamma", "platforms/acme", "platforms/basil", "about"}, pages
    clean = clean_build(site, tmp_path / "edited")
    assert_same_output(site / "public", clean, "title edit")


def test_base_url_option_change_equals_clean_build(built, tmp_path, monkeypatch):
    site = start_from(built, tmp_path / "site")
    cli_build(site, "--base-url", "https://example.org/guide/", monkeypatch=monkeypatch)
    shutil.copytree(site, tmp_path / "edited", ignore=lambda d, n: [CACHE, "public"] if Path(d) == site else [])
    build_here(tmp_path / "edited", clean=True, base_url="https://example.org/guide/")
    assert_same_output(site / "public", tmp_path / "edited" / "public", "--base-url changed")


# ---------------------------------------------------------------- with the search index
def test_body_edit_with_search_index_equals_clean_build(tmp_path):
    site = copy_site(FIXTURE, tmp_path / "site")
    build_here(site, search=True)
    assert (site / "public" / "pagefind" / "pagefind.js").is_file()
    edit_body(site, random.Random(0))
    build_here(site, search=True)
    clean = clean_build(site, tmp_path / "edited", search=True)
    assert_same_output(site / "public", clean, "body edit with search")


def test_a_body_edit_that_changes_no_html_keeps_the_search_index(tmp_path):
    """Blank lines at the end change the source, not the page: the quick path
    writes nothing new, and the index (kept whole) must not be claimed twice."""
    site = copy_site(FIXTURE, tmp_path / "site")
    build_here(site, search=True)
    index_before = (site / "public" / "pagefind" / "pagefind.js").stat()
    path = page(site, "articles/alpha")
    path.write_text(path.read_text(encoding="utf-8") + "\n\n\n", encoding="utf-8")
    result = build_here(site, search=True)
    assert result.changed == []
    index_after = (site / "public" / "pagefind" / "pagefind.js").stat()
    assert (index_after.st_ino, index_after.st_mtime_ns) == (index_before.st_ino, index_before.st_mtime_ns)
    assert_same_output(site / "public", clean_build(site, tmp_path / "clean", search=True), "blank lines added")


def test_hand_edited_search_index_file_equals_clean_build(tmp_path):
    site = copy_site(FIXTURE, tmp_path / "site")
    build_here(site, search=True)
    with open(site / "public" / "pagefind" / "pagefind-ui.js", "a", encoding="utf-8") as fh:
        fh.write("\n// edited by hand\n")
    build_here(site, search=True)
    clean = clean_build(site, tmp_path / "edited", search=True)
    assert_same_output(site / "public", clean, "hand-edited pagefind file")


# ---------------------------------------------------------------- the search index in parts
# A large site's index comes in parts of PART_PAGES pages (careerpress.search);
# at two pages a part, the fixture's index is several parts, and every edit
# must leave the index a clean build writes, re-indexing only the parts whose
# pages changed.
def add_pages(site: Path, rnd: random.Random, n: int) -> None:
    for _ in range(n):
        add_page(site, rnd)


def remove_added_pages(site: Path, rnd: random.Random) -> None:
    for path in (site / "content").glob("*/added-*.md"):
        path.unlink()


SEARCH_EDITS = [
    Edit("no-op", (nothing,)),
    Edit("page-added", (add_page,)),
    Edit("page-body-edited", (edit_body,)),
    Edit("page-renamed", (lambda s, r: page(s, "articles/gamma").rename(s / "content/articles/gamma-two.md"),)),
    Edit("page-deleted", (lambda s, r: page(s, "articles/delta").unlink(),)),
    Edit("title-changed", (named(change_title, name="articles/beta"),)),
    Edit("draft-on", (named(toggle_draft, name="articles/gamma"),)),
    Edit("date-moved-into-future", (named(toggle_future, name="articles/gamma"),)),
    Edit("platform-pitch-edited", (lambda s, r: set_key(page(s, "platforms/acme"), "pitch", "\"A new pitch.\""),)),
    Edit("template-edited", (edit_template,)),
    Edit("site-base-url-edited", (lambda s, r: set_key_yaml(s / "content/site.yaml", "base_url",
                                                            "https://example.org/guide/"),)),
    Edit("cache-deleted", (delete_cache,)),
    Edit("index-file-hand-edited", (lambda s, r: open(s / "public/pagefind/part-1/pagefind-entry.json", "a").write(" "),)),
    Edit("index-file-deleted", (lambda s, r: next((s / "public/pagefind/part-1/index").iterdir()).unlink(),)),
    Edit("parts-list-deleted", (lambda s, r: (s / "public/pagefind/parts.js").unlink(),)),
    Edit("body-edited-twice", (edit_body, edit_body)),
    # past a count of parts, the pages are split again (and back)
    Edit("site-grows-to-more-parts", (named(add_pages, n=30),)),
    Edit("site-shrinks-to-fewer-parts", (named(add_pages, n=30), remove_added_pages)),
]




@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(search_index, "PART_PAGES", 2)


@pytest.fixture(scope="module")
def built_with_search(tmp_path_factory) -> Path:
    site = copy_site(FIXTURE, tmp_path_factory.mktemp("search-parts") / "site")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(search_index, "PART_PAGES", 2)
        build_here(site, search=True)
    assert (site / "public/pagefind/part-3/pagefind-entry.json").is_file(), "the fixture is indexed in parts"
    return site


@pytest.mark.parametrize("edit", [_param(e) for e in SEARCH_EDITS])
def test_search_index_in_parts_equals_clean_build(edit: Edit, built_with_search, small_parts, tmp_path):
    site = start_from(built_with_search, tmp_path / "site")
    build_here(site, search=True)
    parts = [len(_parts_script(site))]
    rnd = random.Random(edit.id)
    for step in edit.steps:
        step(site, rnd)
        build_here(site, search=True)
        parts.append(len(_parts_script(site)))
    if edit.id.startswith("site-grows"):
        assert parts[-1] > parts[0], f"the edit should have made more parts: {parts}"
    if edit.id.startswith("site-shrinks"):
        assert parts[-1] < parts[-2], f"the edit should have made fewer parts: {parts}"
    assert_same_output(site / "public", clean_build(site, tmp_path / "edited", search=True), edit.id)


def _parts_script(site: Path) -> list[str]:
    return re.findall(r'"(part-\d+/)"', (site / "public/pagefind/parts.js").read_text(encoding="utf-8"))


def _indexed(monkeypatch) -> list[list[str]]:
    """The pages of each part Pagefind indexes from here on."""
    calls: list[list[str]] = []
    real = search_index.Service.index

    def index(self, tree, pages):
        calls.append(list(pages))
        return real(self, tree, pages)
    monkeypatch.setattr(search_index.Service, "index", index)
    return calls


def _index_stats(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / "pagefind").rglob("*") if p.is_file()}


def test_a_body_edit_indexes_again_only_the_part_of_its_page(built_with_search, small_parts, tmp_path, monkeypatch):
    site = start_from(built_with_search, tmp_path / "site")
    build_here(site, search=True)
    before = _index_stats(site / "public")
    indexed = _indexed(monkeypatch)
    assert build_here(site, search=True).changed == [] and indexed == [], "nothing changed: nothing indexed"
    edit_body(site, random.Random(1))
    build_here(site, search=True)
    assert len(indexed) == 1 and "articles/alpha/index.html" in indexed[0], indexed
    after = _index_stats(site / "public")
    part = next(k for k, pages in enumerate(search_index.split(sorted(
        p.relative_to(site / "public").as_posix() for p in (site / "public").rglob("*.html")
        if b"data-pagefind-body" in p.read_bytes()))) if "articles/alpha/index.html" in pages)
    rewritten = {path for path in after if before.get(path) != after[path]}
    assert rewritten and {search_index.part_of_file(path) for path in rewritten} <= {part, None}, rewritten
    kept = [path for path in before if search_index.part_of_file(path) not in (part, None)]
    assert kept and all(after.get(path) == before[path] for path in kept), "other parts keep their files"
    assert_same_output(site / "public", clean_build(site, tmp_path / "clean", search=True), "body edit")


# ---------------------------------------------------------------- property: any sequence of edits
# Edits that are safe to repeat in any order (none makes the build fail).
REPEATABLE = {
    "toggle_draft_named": toggle_draft_named, "respell_tag": respell_tag, "toggle_base_url": toggle_base_url,
    "swap_bundles": swap_bundles, "add_stray_output": add_stray_output, "add_empty_output_folder": add_empty_output_folder,
    "add_page": add_page, "edit_any_body": edit_any_body, "edit_code": edit_code, "rename_page": rename_page,
    "delete_page": delete_page, "change_any_title": change_any_title, "change_date": change_date,
    "add_tag": add_tag, "remove_tag": remove_tag, "toggle_draft": toggle_draft,
    "toggle_future": toggle_future, "toggle_noindex": toggle_noindex, "toggle_slug": toggle_slug,
    "add_ref": add_ref, "add_platform": add_platform, "edit_pitch": edit_pitch, "edit_platform_url": edit_platform_url,
    "toggle_affiliate": toggle_affiliate, "edit_callout": edit_callout, "edit_stat": edit_stat,
    "edit_author": edit_author, "edit_job": edit_job, "add_job": add_job, "edit_template": edit_template,
    "edit_partial": edit_partial, "add_static": add_static, "remove_static": remove_static,
    "replace_image": replace_image, "edit_site_title": edit_site_title, "edit_page_size": edit_page_size,
    "delete_cache": delete_cache, "truncate_state": truncate_state, "garble_bodies": garble_bodies,
    "hand_edit_output": hand_edit_output, "build_elsewhere": build_elsewhere, "delete_output_file": delete_output_file, "nothing": nothing,
}
EXAMPLES = int(os.environ.get("INCREMENTAL_EXAMPLES", "8"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("INCREMENTAL_RANDOM"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(st.tuples(st.sampled_from(sorted(REPEATABLE)), st.integers(0, 2**32 - 1)),
                         min_size=1, max_size=4))
def test_any_sequence_of_edits_equals_clean_build(built, sequence):
    with tempfile.TemporaryDirectory(prefix="careerpress-incremental-") as tmp:
        site = start_from(built, Path(tmp) / "site")
        for name, seed in sequence:
            REPEATABLE[name](site, random.Random(seed))
            build_here(site)
        clean = clean_build(site, Path(tmp) / "edited")
        what = " -> ".join(name for name, _ in sequence)
        assert_same_output(site / "public", clean, what)
        # and the build left its output as the cache remembers it: the next one
        # takes the no-op path (it only checks, renders nothing)
        assert set(build_here(site).timings) == {"check"}, what


@settings(max_examples=max(4, EXAMPLES // 2), deadline=None, derandomize=not os.environ.get("INCREMENTAL_RANDOM"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(st.tuples(st.sampled_from(sorted(REPEATABLE)), st.integers(0, 2**32 - 1)),
                         min_size=1, max_size=3))
def test_any_sequence_of_edits_with_the_index_in_parts_equals_clean_build(built_with_search, small_parts, sequence):
    with tempfile.TemporaryDirectory(prefix="careerpress-incremental-") as tmp:
        site = start_from(built_with_search, Path(tmp) / "site")
        for name, seed in sequence:
            REPEATABLE[name](site, random.Random(seed))
            build_here(site, search=True)
        clean = clean_build(site, Path(tmp) / "edited", search=True)
        assert_same_output(site / "public", clean, " -> ".join(name for name, _ in sequence) + " (with search)")


def test_the_output_is_walked_in_process_when_fork_fails(built, tmp_path, monkeypatch):
    """No process left to fork (a container's limit): the build walks the output itself."""
    site = start_from(built, tmp_path / "site")
    build_here(site)

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    open(site / "public/articles/beta/index.html", "a").write("<!-- by hand -->")
    edit_body(site, random.Random(0))
    build_here(site)
    assert_same_output(site / "public", clean_build(site, tmp_path / "edited"), "fork failed")
