"""Search works in a real browser: the sample publication built with its Pagefind
index, served over http on 127.0.0.1, searched through the Pagefind UI on
/search/ in headless Chromium.

The index comes in parts that the search page merges (careerpress.search):
a copy of the sample is built in parts of three pages and must answer as the
one-part index does.

Only what templates mark ``data-pagefind-body`` (an article's title and body) is
indexed, never the navigation, and results honour the path of ``base_url``.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

import careerpress.search as index_parts
from browser import TIMEOUT_MS, axe, browser, build_sample, format_violations, new_page, serve
from careerpress.config import BuildOptions
from careerpress.pipeline import build
from conftest import REPO

# A label added to the menu of a copy of the sample: no page's text has it, nor a word
# it starts like (Pagefind falls back to prefixes of a word it does not know).
NAV_ONLY = "Zeitgeist"


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    # the sample publication, with one more menu entry whose label no page contains
    def add_to_menu(yaml: str) -> str:
        assert "\nnav:\n" in yaml
        return yaml.replace("\nnav:\n", f"\nnav:\n  - {{title: {NAV_ONLY}, url: /about/}}\n", 1)
    return build_sample(tmp_path_factory.mktemp("sample"), edit_site_yaml=add_to_menu)


@pytest.fixture(scope="module")
def origin(out):
    with serve(out) as url:
        yield url


class _Regions(HTMLParser):
    """The text a page has inside ``data-pagefind-body`` (less ``data-pagefind-ignore``) and outside it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[bool, bool]] = []
        self.body: list[str] = []
        self.chrome: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        names = {name for name, _ in attrs}
        inside = (self.stack[-1] if self.stack else (False, False))
        self.stack.append((inside[0] or "data-pagefind-body" in names,
                           inside[1] or "data-pagefind-ignore" in names or tag in ("script", "style", "head")))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        body, ignored = self.stack[-1] if self.stack else (False, False)
        if ignored:
            return
        (self.body if body else self.chrome).append(data)


def regions(html: str) -> tuple[str, str]:
    parser = _Regions()
    parser.feed(html)
    return " ".join(parser.body), " ".join(parser.chrome)


def url_of(file: Path, out: Path) -> str:
    rel = file.relative_to(out).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def search(page, query: str) -> tuple[str, list[str]]:
    """Type ``query`` into the Pagefind UI; return its message and the result pages' links."""
    box = page.locator(".pagefind-ui__search-input")
    box.fill("")
    box.type(query, delay=20)
    page.wait_for_function(
        """q => { const m = document.querySelector('.pagefind-ui__message');
                  return m && new RegExp('^(No results|[\\\\d,]+ results?) for ' + q).test(m.textContent.trim()); }""",
        arg=query, timeout=TIMEOUT_MS)
    message = page.locator(".pagefind-ui__message").inner_text().strip()
    count = re.match(r"[\d,]+", message)
    if not count:
        return message, []
    # the UI shows the first few results, each a placeholder until its data is loaded:
    # wait until every shown result has its link
    links = page.wait_for_function(
        """want => { const shown = [...document.querySelectorAll('.pagefind-ui__result')];
                     const links = shown.map(r => r.querySelector(
                         ':scope > .pagefind-ui__result-inner > .pagefind-ui__result-title > .pagefind-ui__result-link'));
                     return shown.length >= want && links.every(a => a) && links.map(a => a.getAttribute('href')); }""",
        arg=min(int(count.group().replace(",", "")), 5), timeout=TIMEOUT_MS).json_value()
    return message, links


def open_search(chromium, url: str):
    page = new_page(chromium)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.locator(".pagefind-ui__search-input").wait_for()
    return page, errors


def test_a_word_from_an_article_finds_it(chromium, origin, out):
    body, _ = regions((out / "articles" / "why-human-input" / "index.html").read_text(encoding="utf-8"))
    assert "sociotechnical" in body  # a word of this article's body, and of no other page
    page, errors = open_search(chromium, origin + "/search/")
    try:
        message, links = search(page, "sociotechnical")
        assert message == "1 result for sociotechnical", message
        assert links == ["/articles/why-human-input/"]

        message, links = search(page, "RLHF")
        assert re.match(r"\d+ results for RLHF", message), message
        assert "/articles/rlhf-explained-for-job-seekers/" in links
        assert "/articles/why-human-input/" in links

        # a result is a link to the page, which opens
        page.locator(".pagefind-ui__result-link", has_text="RLHF Explained").first.click()
        page.wait_for_url(origin + "/articles/rlhf-explained-for-job-seekers/")
        assert page.locator("h1").inner_text().startswith("RLHF Explained")
    finally:
        page.context.close()
    assert not errors, errors


def test_only_titles_and_bodies_are_indexed_not_the_navigation(chromium, origin, out):
    article = (out / "articles" / "why-human-input" / "index.html").read_text(encoding="utf-8")
    body, chrome = regions(article)
    # the label is in the menu of every page, and in no page's indexed text
    assert NAV_ONLY in chrome and NAV_ONLY.lower() not in body.lower()
    pages = {url_of(f, out): regions(f.read_text(encoding="utf-8")) for f in out.rglob("*.html")}
    assert not [url for url, (b, _) in pages.items() if NAV_ONLY.lower() in b.lower()]
    # "Search" is a menu label on every page too, but in the body of few pages
    in_bodies = {url for url, (b, _) in pages.items() if re.search(r"\bsearch", b, re.I)}
    assert "/articles/why-human-input/" not in in_bodies and re.search(r"\bSearch\b", chrome)

    page, errors = open_search(chromium, origin + "/search/")
    try:
        message, links = search(page, NAV_ONLY)
        assert message == f"No results for {NAV_ONLY}" and links == [], (message, links)

        message, links = search(page, "Search")
        assert bool(links) == bool(in_bodies), (message, in_bodies)
        assert set(links) <= in_bodies, f"'Search' found pages whose body lacks it: {set(links) - in_bodies}"

        # a title is indexed: words of an article's h1
        message, links = search(page, "Mattering")
        assert "/articles/why-human-input/" in links, (message, links)
    finally:
        page.context.close()
    assert not errors, errors


def test_results_link_under_the_path_of_base_url(chromium, tmp_path):
    root = tmp_path / "root"
    build_sample(tmp_path, "--base-url", "https://example.org/guide/", "--out", str(root / "guide"))
    assert (root / "guide" / "pagefind" / "pagefind-ui.js").is_file()
    with serve(root) as origin:
        page, errors = open_search(chromium, origin + "/guide/search/")
        try:
            message, links = search(page, "sociotechnical")
            assert links == ["/guide/articles/why-human-input/"], (message, links)
            message, links = search(page, "RLHF")
            assert links and all(link.startswith("/guide/") for link in links), links
            page.locator(".pagefind-ui__result-link").first.click()
            page.wait_for_url(re.compile(re.escape(origin) + r"/guide/[a-z]+/[^/]+/"))
            assert page.locator("article h1").is_visible()
        finally:
            page.context.close()
    assert not errors, errors


def test_the_search_page_with_results_is_accessible(chromium, origin):
    page, errors = open_search(chromium, origin + "/search/")
    try:
        # the box is labelled by the page's visible heading, not by a tooltip only
        assert page.locator(".pagefind-ui__search-input").get_attribute("aria-labelledby") == "search-title"
        message, links = search(page, "Mercor")
        assert links, message
        results = axe(page)
    finally:
        page.context.close()
    assert results["violations"] == [], format_violations(results["violations"])
    assert not errors, errors


def test_result_titles_do_not_end_with_the_heading_anchor(chromium, origin):
    page, errors = open_search(chromium, origin + "/search/")
    try:
        search(page, "Mercor")
        titles = [t.strip() for t in page.locator(".pagefind-ui__result-title").all_inner_texts()]
    finally:
        page.context.close()
    assert titles and not [t for t in titles if t.endswith("#")], titles


# ---------------------------------------------------------------- the index in parts
@pytest.fixture(scope="module")
def parts_out(tmp_path_factory) -> Path:
    """The sample publication indexed in parts of at most three pages (on average)."""
    site = tmp_path_factory.mktemp("parts") / "site"
    for part in ("content", "templates", "static"):
        shutil.copytree(REPO / part, site / part)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(index_parts, "PART_PAGES", 3)
        result = build(BuildOptions(site_dir=site, out_dir=site / "public", strict=True, jobs=2,
                                    today=dt.date(2026, 12, 1)))
    assert result.ok, result.problems
    return site / "public"


def _parts(out: Path) -> list[str]:
    script = (out / "pagefind" / "parts.js").read_text(encoding="utf-8")
    return re.findall(r'"(part-\d+/)"', script)


def test_the_index_in_parts_is_one_bundle_of_scripts_and_the_indexes_of_the_others(out, parts_out):
    assert _parts(out) == [], "the sample is one part at the default part size"
    parts = _parts(parts_out)
    assert len(parts) >= 3, parts
    for folder in parts:
        bundle = parts_out / "pagefind" / folder
        assert (bundle / "pagefind-entry.json").is_file() and list((bundle / "index").iterdir())
        assert not (bundle / "pagefind.js").exists(), "the scripts are loaded once, from /pagefind/"
    assert len(list((parts_out / "pagefind").glob("*.pf_meta"))) == 1


def _part_of_page(out: Path, monkeypatch) -> dict[str, int]:
    """The part each indexed page went to (the split of the fixture's build)."""
    marked = sorted(f.relative_to(out).as_posix() for f in out.rglob("*.html")
                    if "data-pagefind-body" in f.read_text(encoding="utf-8"))
    monkeypatch.setattr(index_parts, "PART_PAGES", 3)
    return {url_of(out / p, out): k for k, part in enumerate(index_parts.split(marked)) for p in part}


def _unique_words(out: Path) -> dict[str, str]:
    """A word of each indexed page's body that no other page has (nor any
    word sharing its first six letters, which stemming could merge): by page."""
    bodies = {url_of(f, out): regions(f.read_text(encoding="utf-8"))[0].lower() for f in out.rglob("*.html")
              if "data-pagefind-body" in f.read_text(encoding="utf-8")}
    words = {url: set(re.findall(r"[a-z]{9,}", body)) for url, body in bodies.items()}
    stems = Counter(stem for ws in words.values() for stem in {w[:6] for w in ws})
    everywhere = " ".join(bodies.values())
    unique = {}
    for url, ws in sorted(words.items()):
        for word in sorted(ws):
            if stems[word[:6]] == 1 and everywhere.count(word[:6]) == bodies[url].count(word[:6]):
                unique[url] = word
                break
    return unique


def test_words_of_pages_in_every_part_are_found_and_counts_match_one_index(chromium, out, parts_out, monkeypatch):
    """A word of one page is found from whichever part holds the page; a word
    that pages of every part have counts as in one index.

    (Pagefind answers a word an index lacks with the longest shorter prefix it
    has, and each part does so on its own: a word missing from some parts
    also brings their prefix matches. README, "Search", says so.)"""
    unique = _unique_words(parts_out)
    part_of = _part_of_page(parts_out, monkeypatch)
    assert {part_of[url] for url in unique} == set(range(len(_parts(parts_out)) + 1)), "a word from every part"
    bodies = {url_of(f, parts_out): set(re.findall(r"[a-z]{6,}", regions(f.read_text(encoding="utf-8"))[0].lower()))
              for f in parts_out.rglob("*.html") if url_of(f, parts_out) in part_of}
    in_every_part = sorted(w for w in set.union(*bodies.values())
                           if {part_of[url] for url, ws in bodies.items() if w in ws} == set(part_of.values()))
    assert len(in_every_part) >= 5, in_every_part
    with serve(parts_out) as parts_origin, serve(out) as one_origin:
        merged, errors = open_search(chromium, parts_origin + "/search/")
        single, single_errors = open_search(chromium, one_origin + "/search/")
        try:
            for url, word in unique.items():
                assert search(single, word) == (f"1 result for {word}", [url]), (url, word)
                message, links = search(merged, word)
                assert url in links, (url, word, message, links)
            for word in in_every_part[::max(1, len(in_every_part) // 6)]:
                got, want = search(merged, word), search(single, word)
                assert got[0] == want[0], f"{word}: {got[0]!r} merged from parts, {want[0]!r} from one index"
        finally:
            merged.context.close()
            single.context.close()
    assert not errors and not single_errors, errors + single_errors
