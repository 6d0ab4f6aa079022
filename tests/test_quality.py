"""Quality a reader notices, checked on the repo's own sample publication.

- every built page is valid HTML5 (the Nu Html Checker, vnu.jar, needs Java);
- axe-core finds no accessibility violation on every kind of page, on a
  desktop screen and (for the main ones) a phone-sized one, in headless Chromium;
- pages are readable without JavaScript, load one stylesheet, declare a
  viewport, and an article has no horizontal scroll at 390px.

The tools come from tests/quality/package.json (`npm ci --prefix tests/quality`),
Debian's chromium and a Java runtime; .ci/run installs all three. Locally a
missing tool skips its tests with the reason; in CI it fails them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import NPM_HINT, VNU_JAR, axe, browser, build_sample, format_violations, need, new_page, serve

# The pages axe checks: the four the issue names first, then one of every other kind.
AXE_PAGES = [
    "/",                                   # home
    "/articles/why-human-input/",          # an article (TOC, callouts, FAQ, sources)
    "/articles/",                          # a listing
    "/platforms/",                         # the comparison table
    "/articles/ai-trainer-salary-2026/",   # an article with highlighted code and tables
    "/platforms/mercor/",                  # a platform review
    "/guides/platform-comparison-2026/",   # a guide with a wide table
    "/jobs/",
    "/tags/",
    "/tags/ai-training/page/2/",           # a paginated listing
    "/authors/",
    "/authors/maya-okafor/",
    "/about/",
    "/404.html",
]
# On a phone-sized screen too: the pages whose layout changes most (tables, code, cards).
PHONE_PAGES = AXE_PAGES[:5] + ["/jobs/"]
AXE_CASES = ([pytest.param(url, 1200, id=f"{url}-desktop") for url in AXE_PAGES]
             + [pytest.param(url, 390, id=f"{url}-phone") for url in PHONE_PAGES])


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The sample publication, built once for this module."""
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def origin(out):
    with serve(out) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def html_pages(out: Path) -> dict[str, str]:
    """URL path -> HTML of every page the build wrote."""
    pages = {}
    for f in sorted(out.rglob("*.html")):
        rel = f.relative_to(out).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        pages[url] = f.read_text(encoding="utf-8")
    return pages


# ---------------------------------------------------------------- valid HTML5
def test_every_page_is_valid_html5(out, tmp_path):
    java = shutil.which("java")
    need("Java", java is not None, "apt-get install -y default-jre-headless")
    need("vnu.jar", VNU_JAR.is_file(), NPM_HINT)
    # a page with a known error, checked in the same run: proves the checker reports errors
    control = tmp_path / "control"
    control.mkdir()
    (control / "broken.html").write_text(
        "<!DOCTYPE html><html lang=en><head><title>x</title></head>"
        "<body><h1>a</h1><ul><p>not a list item</p></ul></body></html>", encoding="utf-8")
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json", "--verbose",
         str(control), str(out)],
        capture_output=True, text=True, timeout=300)
    checked = [line for line in result.stdout.splitlines() if line.endswith(".html")]
    assert len(checked) == len(html_pages(out)) + 1, f"vnu checked {len(checked)} files:\n{result.stdout}{result.stderr}"
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu did not answer in JSON (exit {result.returncode}):\n{result.stderr}")
    assert any("broken.html" in m.get("url", "") for m in messages), "the checker missed the control page's error"
    problems = [m for m in messages if "broken.html" not in m.get("url", "")]
    report = "\n".join(f"{m.get('url', '').replace('file:' + str(out), '')}:{m.get('lastLine', '?')}: "
                       f"{m.get('type')}: {m.get('message')}\n    {m.get('extract', '').strip()}"
                       for m in problems)
    assert not problems, f"{len(problems)} HTML error(s):\n{report}"


# ---------------------------------------------------------------- accessibility
@pytest.mark.parametrize("url, width", AXE_CASES)
def test_axe_finds_no_violation(chromium, origin, url, width):
    page = new_page(chromium, width=width)
    try:
        response = page.goto(origin + url)
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        results = axe(page)
    finally:
        page.context.close()
    assert results["passes"] > 10, f"axe ran almost no rule on {url}"
    assert results["violations"] == [], f"{url} at {width}px:\n{format_violations(results['violations'])}"


# ---------------------------------------------------------------- light pages
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>", re.I)


def test_pages_need_no_javascript_and_load_one_stylesheet(out):
    pages = {url: html for url, html in html_pages(out).items() if url != "/search/"}
    assert "/articles/why-human-input/" in pages and "/articles/" in pages
    for url, html in pages.items():
        scripts = SCRIPT.findall(html)
        assert all('type="application/ld+json"' in attrs and "src=" not in attrs for attrs in scripts), \
            f"{url} has a script other than JSON-LD: {scripts}"
        assert len(STYLESHEET.findall(html)) == 1, f"{url} links {len(STYLESHEET.findall(html))} stylesheets"
        assert not re.search(r"<style\b|<[a-z][^>]*\sstyle=", html), f"{url} has inline styles"
        assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', html), \
            f"{url} has no viewport meta"


def test_an_article_reads_without_javascript(chromium, origin):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(origin + "/articles/why-human-input/")
        assert page.locator("h1").inner_text().startswith("Why Human Input")
        body = page.locator("article .prose")
        assert body.is_visible() and len(body.inner_text()) > 3000
        for part in (".toc", ".faq", ".sources", ".callout-platform"):
            assert page.locator(part).first.is_visible(), f"{part} is hidden without JavaScript"
        # one stylesheet reached the page, and it applied
        assert page.evaluate("document.styleSheets.length") == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.callout')).borderTopStyle") == "solid"
    finally:
        context.close()


@pytest.mark.parametrize("url", ["/articles/why-human-input/", "/", "/articles/", "/platforms/",
                                 "/articles/ai-trainer-salary-2026/", "/jobs/"])
def test_no_horizontal_scroll_on_a_phone(chromium, origin, url):
    page = new_page(chromium, width=390, height=844, is_mobile=True, has_touch=True)
    try:
        page.goto(origin + url)
        assert page.evaluate("window.innerWidth") == 390
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 390.5 && !e.closest('.table-wrap'))
            .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""")
    finally:
        page.context.close()
    assert width <= 390, f"{url} scrolls sideways at 390px ({width}px wide): {wide}"
