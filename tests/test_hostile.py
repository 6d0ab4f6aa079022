"""Hostile strings in every frontmatter field and data entry that reaches output.

The contract (SPEC "Guarantees: Safe"): text from frontmatter and data is
HTML-escaped. A writer's `{{ 7*7 }}` is text, never a template; a
`</script>` in a title cannot break out of the JSON-LD block; feed.xml and
sitemap.xml stay well-formed whatever the strings hold.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import copy_site, run, tree

feedparser = pytest.importorskip("feedparser")

SCRIPT = "</script><script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TPL = "{{ 7*7 }}"
AMP = "&amp;"
RTL = "\u202e"
EMOJI = "\U0001f680"
HOSTILE = f"{SCRIPT} {IMG} {TPL} {AMP} {RTL}{EMOJI}"
TITLE = f"T {HOSTILE}"


def y(text: str, nul: bool = False) -> str:
    """A YAML double-quoted scalar holding ``text`` (and a NUL escape if asked)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted[:-1] + "\\0" + '"' if nul else quoted


# faqs[].a is Markdown, and Markdown passes raw HTML through: the main fixture
# gives it the hostile strings that are not markup; test_faq_answer_raw_html
# below holds the rest.
FAQ_SAFE = f"{TPL} {AMP} {RTL}{EMOJI}"


def make_site(root: Path, nul: bool = False, faq_answer: str = FAQ_SAFE) -> Path:
    h = y(HOSTILE, nul)
    c = root / "content"
    (c / "_data").mkdir(parents=True)
    (c / "articles").mkdir()
    (c / "platforms").mkdir()
    (c / "site.yaml").write_text(
        f"title: {y('S ' + HOSTILE, nul)}\nbase_url: https://hostile.example.org/\n"
        f"description: {h}\ndisclosure: {h}\n", encoding="utf-8")
    (c / "_data" / "authors.yaml").write_text(f"eve:\n  name: {h}\n  bio: {h}\n", encoding="utf-8")
    (c / "_data" / "callouts.yaml").write_text(
        f"start:\n  eyebrow: {h}\n  title: {h}\n  body: {h}\n  cta_text: {h}\n  cta: articles/a\n",
        encoding="utf-8")
    (c / "_data" / "stats.yaml").write_text(
        f"pay:\n  value: {h}\n  source: {h}\n  as_of: 2026-08-01\n  link: https://s.example.org/\n",
        encoding="utf-8")
    (c / "_data" / "jobs.yaml").write_text(
        f"- title: {h}\n  platform: evil\n  pay: {h}\n  url: https://evil.example.org/j\n  posted: 2026-11-01\n",
        encoding="utf-8")
    (c / "platforms" / "evil.md").write_text(
        f"---\nname: {h}\nurl: https://evil.example.org/?ref=x\naffiliate: true\ncta: {h}\n"
        f"pitch: {h}\npay: {h}\n---\n\nReview body.\n", encoding="utf-8")
    (c / "articles" / "a.md").write_text(
        f"---\ntitle: {y(TITLE, nul)}\ndate: 2026-02-01\ndescription: {h}\nauthor: eve\n"
        f"tags: [{h}, plain]\ncategory: {h}\nplatforms: [evil]\n"
        f"faqs:\n  - q: {h}\n    a: {y(faq_answer, nul)}\n"
        f"sources:\n  - title: {h}\n    publisher: {h}\n    url: https://src.example.org/\n    kind: industry\n"
        f"---\n\nPaid {{{{< stat pay >}}}} with {{{{< jobs-count >}}}} jobs.\n\n{{{{< callout start >}}}}\n\n"
        f"{{{{< platform evil >}}}}\n", encoding="utf-8")
    (c / "about.md").write_text(
        f"---\ntitle: {h}\ndate: 2026-01-01\ndescription: {h}\n---\n\nAbout.\n", encoding="utf-8")
    return copy_site(root, root.parent / (root.name + "-site"))


class Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.onerror: list[str] = []
        self.text: list[str] = []
        self.ld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if any(k.startswith("on") for k in a):
            self.onerror.append(f"<{tag} {a}>")
        if tag == "script":
            self.scripts.append(a)
            self._in_ld = a.get("type") == "application/ld+json"
            if self._in_ld:
                self.ld.append("")
        if tag == "img" and a.get("src") == "x":
            self.onerror.append(f"<img {a}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.ld[-1] += data
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("hostile") / "src")
    result = run(["build", "--no-search"], cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return site, tree(site / "public")


def html_files(files):
    return {k: v.decode("utf-8") for k, v in files.items() if k.endswith(".html")}


def test_no_injected_script_or_handler(built):
    _, files = built
    for name, text in html_files(files).items():
        s = Scan()
        s.feed(text)
        s.close()
        assert not s.onerror, f"{name}: injected element {s.onerror}"
        for attrs in s.scripts:
            if attrs.get("type") == "application/ld+json":
                continue
            assert name == "search/index.html", f"{name}: unexpected <script {attrs}>"


def test_template_syntax_stays_literal(built):
    _, files = built
    pages = html_files(files)
    article = pages["articles/a/index.html"]
    s = Scan()
    s.feed(article)
    text = "".join(s.text)
    assert TPL in text, "{{ 7*7 }} did not appear literally in the article"
    assert "49" not in text, "{{ 7*7 }} was evaluated"
    for name, page in pages.items():
        assert "49" not in page.replace(TPL, ""), f"{name}: '49' appears (template evaluated?)"


def test_hostile_text_reaches_every_field(built):
    _, files = built
    article = html_files(files)["articles/a/index.html"]
    s = Scan()
    s.feed(article)
    text = "".join(s.text)
    # title, description/callout/faq/source/platform/stat/author strings: each is the whole HOSTILE string
    assert text.count(HOSTILE) >= 8, f"hostile text shown {text.count(HOSTILE)} times in the article"
    assert RTL + EMOJI in text


def test_json_ld_parses_and_holds_title(built):
    _, files = built
    for name, page in html_files(files).items():
        s = Scan()
        s.feed(page)
        for block in s.ld:
            data = json.loads(block)
            if name == "articles/a/index.html" and isinstance(data, dict) and data.get("@type") == "Article":
                assert data["headline"] == TITLE or data.get("name") == TITLE
    s = Scan()
    s.feed(html_files(files)["articles/a/index.html"])
    headlines = [d.get("headline") for d in map(json.loads, s.ld) if isinstance(d, dict)]
    assert TITLE in headlines, headlines


def test_feed_and_sitemap_parse(built):
    _, files = built
    feed = files["feed.xml"]
    ET.fromstring(feed)
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert TITLE in [e.title for e in parsed.entries]
    root = ET.fromstring(files["sitemap.xml"])
    assert len(root) >= 2


def test_nul_in_yaml_is_built_safely_or_reported(tmp_path):
    site = make_site(tmp_path / "src", nul=True)
    result = run(["build", "--no-search"], cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 0:
        for name, data in tree(site / "public").items():
            if name.endswith((".html", ".xml", ".json", ".txt")):
                assert b"\x00" not in data, f"{name}: a raw NUL reached the output"
        ET.fromstring(tree(site / "public")["feed.xml"])
    else:
        assert result.returncode == 1, result.stderr
        lines = [l for l in result.stderr.splitlines() if re.match(r"^\S+:\d+: error: ", l)]
        assert lines, f"failed without an error line: {result.stderr}"


def test_search_index_builds_with_hostile_text(tmp_path):
    site = make_site(tmp_path / "src")
    result = run(["build"], cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    pf = site / "public" / "pagefind"
    assert (pf / "pagefind-entry.json").is_file()
    assert list(pf.glob("index/*.pf_index")) and list(pf.glob("fragment/*.pf_fragment"))
    json.loads((pf / "pagefind-entry.json").read_text())


def _injected(site: Path) -> list[str]:
    found = []
    for name, text in html_files(tree(site / "public")).items():
        s = Scan()
        s.feed(text)
        found += [f"{name}: {x}" for x in s.onerror]
        found += [f"{name}: <script {a}>" for a in s.scripts
                  if a.get("type") != "application/ld+json" and name != "search/index.html"]
    return found


def test_faq_answer_raw_html_is_escaped(tmp_path):
    site = make_site(tmp_path / "src", faq_answer=HOSTILE)
    result = run(["build", "--no-search"], cwd=site)
    assert result.returncode == 0, result.stderr
    assert _injected(site) == []
