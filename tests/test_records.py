"""Build records: every rendered file lists the inputs it was made from.

The incremental build and the preview server decide what to redo from these
records, so a record that misses an input means a stale page after an edit.
The completeness test edits one input at a time and checks that every output
file whose bytes changed names that input.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from careerpress.config import BuildOptions
from careerpress.pipeline import build
from conftest import SITES, copy_site, tree

TODAY = dt.date(2026, 11, 27)   # the day FIXED_EPOCH names


def build_site(site: Path, out: Path | None = None):
    options = BuildOptions(site_dir=site, out_dir=out or site / "public", jobs=1, today=TODAY)
    result = build(options, write=out is not None)
    assert result.ok, "\n".join(map(str, result.problems))
    return result


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> dict[str, frozenset[str]]:
    site = copy_site(SITES / "article", tmp_path_factory.mktemp("records") / "site")
    result = build_site(site)
    assert result.records
    return result.records


GUIDE = "articles/guide/index.html"
OTHER = "articles/other/index.html"


def test_every_rendered_page_has_a_record(records):
    for out_path in (GUIDE, OTHER, "articles/escaped/index.html", "articles/featured/index.html",
                     "platforms/acme/index.html", "platforms/basil/index.html", "about/index.html", "index.html"):
        assert out_path in records, out_path


def test_featured_platform_is_a_dependency(records):
    assert "content/platforms/acme.md" in records[GUIDE]          # {{< platform acme >}}
    assert "content/platforms/acme.md" in records["articles/featured/index.html"]  # platforms: [acme]
    assert "content/platforms/basil.md" in records[OTHER]
    assert "content/platforms/basil.md" not in records[GUIDE]


def test_data_entries_are_dependencies_by_key(records):
    assert "content/_data/callouts.yaml#starter" in records[GUIDE]
    assert "content/_data/callouts.yaml#outside" in records[GUIDE]
    assert "content/_data/callouts.yaml#unsafe" not in records[GUIDE]
    assert "content/_data/callouts.yaml#unsafe" in records["articles/escaped/index.html"]
    assert "content/_data/stats.yaml#hourly-rate" in records[GUIDE]
    assert "content/_data/stats.yaml#hourly-rate" not in records[OTHER]
    assert "content/_data/authors.yaml#ana-lopez" in records[GUIDE]
    assert "content/_data/authors.yaml#ana-lopez" not in records["articles/escaped/index.html"]


def test_every_page_depends_on_site_jobs_its_source_and_its_templates(records):
    sources = {GUIDE: ("content/articles/guide.md", "article.html"),
               OTHER: ("content/articles/other.md", "article.html"),
               "platforms/acme/index.html": ("content/platforms/acme.md", "platform.html"),
               "about/index.html": ("content/about.md", "page.html"),
               "index.html": ("content/index.md", "home.html")}
    for out_path, (source, template) in sources.items():
        deps = records[out_path]
        for needed in ("content/site.yaml", "content/_data/jobs.yaml", source, f"templates/{template}",
                       "templates/base.html", "templates/partials/jobs-line.html"):
            assert needed in deps, f"{out_path} lacks {needed}"
    for partial in ("byline", "sources", "faq", "platform", "callout", "stat", "toc", "related", "breadcrumbs"):
        assert f"templates/partials/{partial}.html" in records[GUIDE], partial
    assert "templates/partials/platform-facts.html" in records["platforms/acme/index.html"]


def test_a_ref_source_depends_on_the_referenced_page(records):
    assert "content/articles/other.md" in records[GUIDE]
    # the page the guide cites lists the guide among "referenced by"
    assert "content/articles/guide.md" in records[OTHER]


# ---------------------------------------------------------------- completeness
def _sub(rel: str, old: str, new: str):
    def apply(site: Path):
        path = site / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return apply


def _prepend(rel: str, text: str):
    def apply(site: Path):
        path = site / rel
        path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")
    return apply


# input a record must name -> an edit of it that changes what readers see.
# Applied one after another to one site; each is compared with the build before it.
EDITS = [
    ("content/platforms/acme.md", _sub("content/platforms/acme.md", "matches reviewers with", "pairs reviewers with")),
    ("content/platforms/basil.md", _sub("content/platforms/basil.md", "name: Basil Labs", "name: Basil Studio")),
    ("content/_data/callouts.yaml#starter",
     _sub("content/_data/callouts.yaml", "New To Remote Gig Work?", "Brand New Here?")),
    ("content/_data/stats.yaml#hourly-rate", _sub("content/_data/stats.yaml", '"$42/hour"', '"$44/hour"')),
    ("content/_data/authors.yaml#ana-lopez", _sub("content/_data/authors.yaml", "name: Ana Lopez", "name: Ana M. Lopez")),
    ("content/_data/jobs.yaml", _sub("content/_data/jobs.yaml", "- title: QA Analyst\n  platform: basil\n"
                                     '  url: "https://basil.example.com/jobs/5"\n', "")),
    ("content/site.yaml", _sub("content/site.yaml", "we may be paid", "we may earn money")),
    ("content/articles/other.md", _sub("content/articles/other.md", "title: Other Notes for New Reviewers",
                                       "title: Other Notes for Beginners")),
    ("content/articles/guide.md", _sub("content/articles/guide.md", "title: The Complete Fixture Guide",
                                       "title: The Whole Fixture Guide")),
    ("content/articles/featured.md", _sub("content/articles/featured.md", "date: 2026-02-20", "date: 2026-06-20")),
    ("templates/partials/callout.html", _sub("templates/partials/callout.html", '<h2 class="callout-title">',
                                             '<h2 class="callout-title" data-edited="1">')),
    ("templates/partials/platform.html", _prepend("templates/partials/platform.html", "<!-- edited -->\n")),
    ("templates/partials/stat.html", _prepend("templates/partials/stat.html", "<!-- edited -->")),
    ("templates/partials/byline.html", _prepend("templates/partials/byline.html", "<!-- edited -->\n")),
    ("templates/partials/jobs-line.html", _prepend("templates/partials/jobs-line.html", "<!-- edited -->\n")),
    ("templates/partials/page-card.html", _prepend("templates/partials/page-card.html", "<!-- edited -->\n")),
    ("templates/base.html", _sub("templates/base.html", "</footer>", "</footer><!-- edited -->")),
    ("templates/page.html", _prepend("templates/page.html", "<!-- edited -->\n")),
]


def test_records_name_every_input_whose_edit_changes_a_file(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    previous = build_site(site, tmp_path / "out-0")
    previous_tree = tree(tmp_path / "out-0")
    misses, invisible = [], []
    for i, (input_key, change) in enumerate(EDITS, 1):
        change(site)
        result = build_site(site, tmp_path / f"out-{i}")
        now = tree(tmp_path / f"out-{i}")
        changed = [p for p in now if previous_tree.get(p) != now[p] and p in result.records]
        if not changed:
            invisible.append(input_key)
        for p in changed:
            if input_key not in result.records[p] or (p in previous.records and input_key not in previous.records[p]):
                misses.append(f"{p} changed when {input_key} changed, but its record does not name it")
        previous, previous_tree = result, now
    assert not invisible, f"these edits changed no rendered file (the test must see each one): {invisible}"
    assert not misses, "\n".join(misses)


def test_records_name_the_page_a_nav_entry_names(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    before = build_site(site, tmp_path / "before")
    _sub("content/articles/other.md", "date: 2026-04-01\n", "date: 2026-04-01\nslug: notes\n")(site)
    build_site(site, tmp_path / "after")
    about_before = (tmp_path / "before" / "about" / "index.html").read_text(encoding="utf-8")
    about_after = (tmp_path / "after" / "about" / "index.html").read_text(encoding="utf-8")
    assert 'href="/articles/other/"' in about_before and 'href="/articles/notes/"' in about_after
    assert "content/articles/other.md" in before.records["about/index.html"]
