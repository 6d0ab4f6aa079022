"""Inputs at the edge: a 5 MB article builds; lists nested hundreds of levels
deep are one error line (Python-Markdown recurses per level), never a traceback."""
from __future__ import annotations

import re

from conftest import run

PROBLEM = re.compile(r"^\S+:\d+: (error|warning): ", re.M)


def test_a_5_mb_article_builds(site):
    built = site("small")
    para = "Lorem ipsum dolor sit amet, **bold** and *italic* with a [link](https://example.org/). " * 10 + "\n\n"
    body = "## A long section\n\n" + para * (5_000_000 // len(para))
    (built / "content/articles/huge.md").write_text(
        "---\ntitle: Huge\ndate: 2026-01-01\ndescription: A 5 MB article.\n---\n\n" + body, encoding="utf-8")
    result = run(["build", "--no-search"], cwd=built)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    html = (built / "public/articles/huge/index.html").read_text(encoding="utf-8")
    assert len(html) > 5_000_000
    assert html.count("<strong>bold</strong>") == 10 * (5_000_000 // len(para))


def test_deeply_nested_lists_are_one_error_line(site):
    built = site("small")
    public = built / "public"
    assert run(["build", "--no-search"], cwd=built).returncode == 0
    before = {p: p.read_bytes() for p in public.rglob("*") if p.is_file()}
    nested = "".join("    " * i + f"- level {i}\n" for i in range(300))
    (built / "content/articles/nested.md").write_text(
        "---\ntitle: Nested\ndate: 2026-01-01\ndescription: Deep lists.\n---\n\n" + nested, encoding="utf-8")
    result = run(["build", "--no-search"], cwd=built)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert PROBLEM.findall(result.stderr) and "content/articles/nested.md:6: error: the body is nested too deeply" \
        in result.stderr
    assert {p: p.read_bytes() for p in public.rglob("*") if p.is_file()} == before
