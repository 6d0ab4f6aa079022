"""The search index in parts (careerpress.search): how pages are split, and
what a failing Pagefind does to a build."""
from __future__ import annotations

import json
import random
import stat
import sys
from pathlib import Path

from careerpress import search
from careerpress.config import BuildOptions
from careerpress.pipeline import build
from careerpress.search import PART_PAGES, part_folder, part_of_file, split
from conftest import SITES, copy_site, tree


def pages(n: int, prefix: str = "articles/page") -> list[str]:
    return sorted(f"{prefix}-{i}/index.html" for i in range(n))


def test_a_site_up_to_the_part_size_is_one_index():
    assert len(split(pages(1))) == 1
    assert len(split(pages(PART_PAGES))) == 1
    assert split(pages(3)) == [pages(3)]


def test_a_larger_site_is_split_in_a_power_of_two_of_parts_of_at_most_the_part_size_on_average():
    for n, parts in ((PART_PAGES + 1, 2), (2 * PART_PAGES, 2), (4 * PART_PAGES + 1, 8), (10_021, 32)):
        got = split(pages(n))
        assert len(got) == parts, n
        assert all(got), f"{n}: an empty part"
        assert sorted(p for part in got for p in part) == pages(n), f"{n}: a page lost or indexed twice"
        assert all(part == sorted(part) for part in got), "pages go to Pagefind in the order of their paths"


def test_adding_or_removing_a_page_changes_only_its_own_part():
    before = split(pages(3 * PART_PAGES))
    rnd = random.Random(7)
    for _ in range(20):
        new = f"guides/new-{rnd.randrange(10**6)}/index.html"
        after = split(sorted(pages(3 * PART_PAGES) + [new]))
        assert len(after) == len(before)
        changed = [k for k in range(len(before)) if before[k] != after[k]]
        assert len(changed) == 1 and new in after[changed[0]]
    gone = pages(3 * PART_PAGES)[123]
    after = split([p for p in pages(3 * PART_PAGES) if p != gone])
    assert [k for k in range(len(before)) if before[k] != after[k]] == [k for k, part in enumerate(before)
                                                                         if gone in part]


def test_the_split_does_not_depend_on_the_order_or_the_run():
    shuffled = pages(2 * PART_PAGES + 10)
    random.Random(3).shuffle(shuffled)
    assert split(sorted(shuffled)) == split(pages(2 * PART_PAGES + 10))


def test_each_file_of_the_index_belongs_to_one_part():
    assert part_folder(0) == "pagefind/" and part_folder(3) == "pagefind/part-3/"
    assert part_of_file("pagefind/pagefind.js") == 0
    assert part_of_file("pagefind/index/en_1234.pf_index") == 0
    assert part_of_file("pagefind/part-3/pagefind-entry.json") == 3
    assert part_of_file("pagefind/part-12/fragment/en_ab.pf_fragment") == 12
    assert part_of_file("pagefind/parts.js") is None
    assert part_of_file("articles/pagefind/index.html") is None


def _failing_pagefind(tmp_path: Path, script: str) -> str:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return str(fake)


def test_a_pagefind_that_fails_is_one_error_line_and_the_output_is_left_as_it_was(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    options = BuildOptions(site_dir=site, out_dir=site / "public", jobs=1)
    first = build(options)
    assert first.ok, first.problems
    before = tree(site / "public")
    assert "pagefind/pagefind.js" in before
    (site / "content" / "about.md").write_text((site / "content" / "about.md").read_text() + "\nMore words.\n")
    runs = tmp_path / "runs.log"
    fake = _failing_pagefind(tmp_path, f"echo run >> '{runs}'; head -c 1 > /dev/null; "
                                       "echo 'Error: out of disk space' >&2; exit 3")
    monkeypatch.setattr(search, "executable", lambda: fake)
    result = build(options)
    assert not result.ok
    assert [str(p) for p in result.problems] == ["public:1: error: search index: Error: out of disk space"]
    assert tree(site / "public") == before
    assert runs.read_text().count("run") == 1, "a failing Pagefind is run once, not again by a fallback"


def test_the_error_line_names_the_output_folder_the_build_was_given(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    elsewhere = tmp_path / "dist"
    assert build(BuildOptions(site_dir=site, out_dir=elsewhere, jobs=1)).ok
    before = tree(elsewhere)
    (site / "content" / "about.md").write_text((site / "content" / "about.md").read_text() + "\nMore words.\n")
    monkeypatch.setattr(search, "executable", lambda: _failing_pagefind(tmp_path, "echo 'Error: disk full' >&2; exit 3"))
    expected = [f"{elsewhere}:1: error: search index: Error: disk full"]
    # a body edit (the quick path), then a build from scratch (the full one)
    for clean in (False, True):
        result = build(BuildOptions(site_dir=site, out_dir=elsewhere, jobs=1, clean=clean))
        assert [str(p) for p in result.problems] == expected, clean
        assert tree(elsewhere) == before


def test_a_pagefind_that_answers_garbage_is_one_error_line(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    fake = _failing_pagefind(tmp_path, "printf 'Segmentation fault!,'; sleep 5")
    monkeypatch.setattr(search, "executable", lambda: fake)
    result = build(BuildOptions(site_dir=site, out_dir=site / "public", jobs=1))
    assert [str(p) for p in result.problems] == ["public:1: error: search index: pagefind answered something unreadable"]
    assert not (site / "public").exists()


def _page_count(out: Path) -> int:
    """The pages of every part together, as their pagefind-entry.json count them."""
    return sum(lang["page_count"] for entry in (out / "pagefind").glob("**/pagefind-entry.json")
               for lang in json.loads(entry.read_text(encoding="utf-8"))["languages"].values())


def _html(out: Path, marked: bool | None = None) -> list[Path]:
    return [p for p in out.rglob("*.html") if "pagefind" not in p.relative_to(out).parts
            and (marked is None or (b"data-pagefind-body" in p.read_bytes()) == marked)]


def test_the_parts_index_the_marked_pages_once_each(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    monkeypatch.setattr(search, "PART_PAGES", 1)
    assert build(BuildOptions(site_dir=site, out_dir=site / "public", jobs=2)).ok
    out = site / "public"
    assert len(list((out / "pagefind").glob("part-*/pagefind-entry.json"))) >= 1
    assert _html(out, marked=False), "the fixture has pages the templates do not mark (listings)"
    assert _page_count(out) == len(_html(out, marked=True))


def test_with_no_page_marked_every_page_is_indexed(tmp_path):
    """Pagefind's rule, which careerpress keeps: a site that marks no page
    data-pagefind-body has every page's <body> indexed."""
    site = copy_site(SITES / "small", tmp_path / "site")
    for template in (site / "templates").rglob("*.html"):
        template.write_text(template.read_text(encoding="utf-8").replace(" data-pagefind-body", ""), encoding="utf-8")
    assert build(BuildOptions(site_dir=site, out_dir=site / "public", jobs=1)).ok
    out = site / "public"
    assert not _html(out, marked=True)
    assert _page_count(out) == len(_html(out))


def test_a_pagefind_that_cannot_run_is_one_error_line(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    not_a_program = tmp_path / "pagefind"
    not_a_program.write_text("not a program\n", encoding="utf-8")
    monkeypatch.setattr(search, "executable", lambda: str(not_a_program))
    result = build(BuildOptions(site_dir=site, out_dir=site / "public", jobs=1))
    assert [str(p) for p in result.problems] == ["public:1: error: search index: cannot run pagefind: Permission denied"]


def test_a_pagefind_that_gives_no_answer_is_stopped(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    monkeypatch.setattr(search, "executable", lambda: _failing_pagefind(tmp_path, "exec sleep 60"))
    monkeypatch.setattr(search, "TIMEOUT", 1)
    result = build(BuildOptions(site_dir=site, out_dir=site / "public", jobs=1))
    assert [str(p) for p in result.problems] == ["public:1: error: search index: pagefind gave no answer in 1 s"]


# A service that makes an index, then turns down the first page it is given.
REFUSING = f"""#!{sys.executable}
import base64, json, sys
def read():
    data = b""
    while not data.endswith(b","):
        data += sys.stdin.buffer.read(1)
    return json.loads(base64.b64decode(data[:-1]))
def answer(message_id, payload):
    sys.stdout.buffer.write(base64.b64encode(json.dumps({{"message_id": message_id, "payload": payload}}).encode()) + b",")
    sys.stdout.flush()
answer(read()["message_id"], {{"type": "NewIndex", "index_id": 0}})
answer(read()["message_id"], {{"type": "Error", "message": "the HTML could not be read"}})
"""


def test_a_page_pagefind_turns_down_is_named_in_the_error_line(tmp_path, monkeypatch):
    site = copy_site(SITES / "small", tmp_path / "site")
    options = BuildOptions(site_dir=site, out_dir=site / "public", jobs=1)
    assert build(options).ok
    first = min(p.relative_to(site / "public").as_posix() for p in _html(site / "public", marked=True))
    (site / "content" / "about.md").write_text((site / "content" / "about.md").read_text() + "\nMore words.\n")
    fake = tmp_path / "refusing"
    fake.write_text(REFUSING, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "executable", lambda: str(fake))
    result = build(options)
    assert [str(p) for p in result.problems] == [
        f"public:1: error: search index: {first}: the HTML could not be read"]
