"""What a reader sees on an article page: tests/sites/article/ built as a user builds it.

The fixture has one long article (articles/guide.md) that uses every shortcode,
a short one (articles/other.md) with an FAQ after its body and a non-affiliate
platform, a page featuring a platform only through frontmatter, a page with text
that needs escaping, two platforms (acme is an affiliate, basil is not), a home
page and an about page. The HTML is parsed with html.parser, never string-guessed.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import SITES, copy_site, run

FIXTURE = SITES / "article" / "content"


# ---------------------------------------------------------------- a tiny DOM
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs, parent: "Node | None"):
        self.tag, self.parent = tag, parent
        self.attrs = {k: (v if v is not None else "") for k, v in attrs}
        self.children: list = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self):
        """Every descendant node and text string, in document order."""
        for c in self.children:
            yield c
            if isinstance(c, Node):
                yield from c.walk()

    def iter(self):
        yield self
        for c in self.walk():
            if isinstance(c, Node):
                yield c

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Node"]:
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k.rstrip("_")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, **attrs) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    @property
    def text(self) -> str:
        """The text a reader sees (script and style contents left out)."""
        if self.tag in ("script", "style"):
            return ""
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def raw_text(self) -> str:
        return "".join(c for c in self.walk() if isinstance(c, str))

    @property
    def words(self) -> str:
        return " ".join(self.text.split())

    def elements(self) -> list["Node"]:
        """Child elements (whitespace-only text between them is ignored)."""
        return [c for c in self.children if isinstance(c, Node)]

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs, self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


def page(out: Path, url_path: str) -> Node:
    return parse(html_of(out, url_path))


def html_of(out: Path, url_path: str) -> str:
    path = out / url_path.strip("/") / "index.html" if not url_path.endswith(".html") else out / url_path
    assert path.is_file(), f"{url_path} was not written"
    return path.read_text(encoding="utf-8")


def prose(doc: Node) -> Node:
    """The element holding the article body: the parent of the first body paragraph."""
    main = doc.find("main")
    assert main is not None
    marker = next(n for n in main.iter() if n.tag == "p" and "MARK" in n.text and "callout" not in str(n.attrs))
    return marker.parent


def paragraph_with(root: Node, needle: str) -> Node:
    found = [n for n in root.iter() if n.tag == "p" and needle in n.text]
    assert found, f"no <p> contains {needle!r}"
    return found[0]


def callout_of(node: Node) -> Node:
    """The callout element (an <aside>, or an element with a class naming a callout) around node."""
    for a in node.ancestors():
        if a.tag == "aside" or "callout" in a.classes:
            return a
    raise AssertionError(f"{node} is not inside a callout")


def jsonld(doc: Node) -> list[dict]:
    items = []
    for s in doc.find_all("script", type="application/ld+json"):
        value = json.loads(s.raw_text)
        items.extend(value if isinstance(value, list) else [value])
    return items


def frontmatter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])


def index_of(seq: list, node) -> int:
    return next(i for i, n in enumerate(seq) if n is node)


# ---------------------------------------------------------------- builds
@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = copy_site(SITES / "article", tmp_path_factory.mktemp("article") / "site")
    result = run(["build", "--jobs", "1"], cwd=site)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "", f"a clean fixture should build without problems:\n{result.stderr}"
    return site / "public"


@pytest.fixture(scope="module")
def sub_out(tmp_path_factory) -> Path:
    site = copy_site(SITES / "article", tmp_path_factory.mktemp("article-sub") / "site")
    result = run(["build", "--jobs", "1", "--base-url", "https://example.org/sub/"], cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "public"


@pytest.fixture(scope="module")
def site_yaml() -> dict:
    return yaml.safe_load((FIXTURE / "site.yaml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- {{< platform >}}
def test_platform_shortcode_renders_the_featured_callout_where_it_stood(out):
    doc = page(out, "/articles/guide/")
    acme = frontmatter(FIXTURE / "platforms" / "acme.md")
    body = prose(doc).elements()
    alpha = paragraph_with(doc, "ALPHA-MARK")
    beta = paragraph_with(doc, "BETA-MARK")
    link = doc.find("a", href=acme["url"])
    assert link is not None, "the platform's url is not linked"
    box = callout_of(link)
    i, j = index_of(body, alpha), index_of(body, beta)
    assert j == i + 2 and body[i + 1] is box, "the callout must stand between the paragraphs around the shortcode"
    text = box.words
    for field in ("name", "pitch", "pay"):
        assert acme[field] in text, f"callout lacks the platform's {field}"
    assert link.words == acme["cta"]
    assert "Featured Platform" in text


def test_affiliate_link_is_sponsored_and_its_disclosure_comes_first_in_the_same_callout(out, site_yaml):
    acme = frontmatter(FIXTURE / "platforms" / "acme.md")
    disclosure = site_yaml["disclosure"]
    for url_path in ("/articles/guide/", "/articles/featured/", "/platforms/acme/"):
        doc = page(out, url_path)
        links = doc.find_all("a", href=acme["url"])
        assert links, f"{url_path}: no affiliate link"
        for link in links:
            rel = link.attrs.get("rel", "").split()
            assert "sponsored" in rel and "noopener" in rel, f"{url_path}: rel={rel}"
            box = callout_of(link)
            seen_disclosure = False
            for item in box.walk():
                if isinstance(item, str) and disclosure in " ".join(item.split()):
                    seen_disclosure = True
                if item is link:
                    break
            assert seen_disclosure, f"{url_path}: the disclosure is not inside the callout before the link"


def test_non_affiliate_platform_has_no_sponsored_rel_and_no_disclosure(out, site_yaml):
    basil = frontmatter(FIXTURE / "platforms" / "basil.md")
    html = html_of(out, "/articles/other/")
    doc = parse(html)
    link = doc.find("a", href=basil["url"])
    assert link is not None and basil["name"] in callout_of(link).words
    rel = link.attrs.get("rel", "").split()
    assert "sponsored" not in rel and "noopener" in rel
    assert site_yaml["disclosure"] not in " ".join(doc.text.split())


def test_frontmatter_platforms_are_featured_after_the_body(out):
    doc = page(out, "/articles/featured/")
    acme = frontmatter(FIXTURE / "platforms" / "acme.md")
    zeta = paragraph_with(doc, "ZETA-MARK")
    box = callout_of(doc.find("a", href=acme["url"]))
    order = list(doc.iter())
    assert index_of(order, box) > index_of(order, zeta)
    assert zeta.parent not in list(box.ancestors()) and box not in list(zeta.ancestors())
    assert acme["pitch"] in box.words


# ---------------------------------------------------------------- disclosure at the top
def test_affiliate_article_carries_a_disclosure_before_its_first_paragraph(out, site_yaml):
    disclosure = site_yaml["disclosure"]
    for url_path, first in (("/articles/guide/", "ALPHA-MARK"), ("/articles/featured/", "ZETA-MARK")):
        doc = page(out, url_path)
        first_p = paragraph_with(doc, first)
        top = None
        for item in doc.find("body").walk():
            if item is first_p:
                break
            if isinstance(item, str) and disclosure in " ".join(item.split()):
                top = item
        assert top is not None, f"{url_path}: no disclosure before the body's first paragraph"


def test_article_without_affiliate_links_has_no_disclosure(out, site_yaml):
    for url_path in ("/articles/other/", "/articles/escaped/", "/about/"):
        text = " ".join(page(out, url_path).text.split())
        assert site_yaml["disclosure"] not in text, url_path


# ---------------------------------------------------------------- {{< callout >}}
def test_callout_shows_its_data_and_links_a_named_page_by_its_url(out):
    callouts = yaml.safe_load((FIXTURE / "_data" / "callouts.yaml").read_text(encoding="utf-8"))
    doc = page(out, "/articles/guide/")
    c = callouts["starter"]
    link = [a for a in doc.find_all("a") if a.words == c["cta_text"]]
    assert len(link) == 1
    assert link[0].attrs["href"] == "/articles/other/"
    box = callout_of(link[0])
    for field in ("eyebrow", "title", "body"):
        assert c[field] in box.words, field
    # it stands after the paragraph with the stat, where the shortcode stood
    body = prose(doc).elements()
    stat_p = paragraph_with(doc, "Reviewers in the fixture survey")
    assert body[index_of(body, stat_p) + 1] is box


def test_callout_with_an_https_cta_keeps_the_url(out):
    callouts = yaml.safe_load((FIXTURE / "_data" / "callouts.yaml").read_text(encoding="utf-8"))
    c = callouts["outside"]
    doc = page(out, "/articles/guide/")
    link = [a for a in doc.find_all("a") if a.words == c["cta_text"]]
    assert len(link) == 1 and link[0].attrs["href"] == c["cta"]
    assert c["title"] in callout_of(link[0]).words


# ---------------------------------------------------------------- {{< stat >}} and {{< jobs-count >}}
def test_stat_is_cited_inline_inside_the_sentence(out):
    stat = yaml.safe_load((FIXTURE / "_data" / "stats.yaml").read_text(encoding="utf-8"))["hourly-rate"]
    p = paragraph_with(page(out, "/articles/guide/"), "Reviewers in the fixture survey")
    text = p.words
    assert re.search(r"earn about .*" + re.escape(stat["value"]) + r".* on average", text), text
    assert stat["source"] in text
    link = p.find("a", href=stat["link"])
    assert link is not None and stat["source"] in link.words
    times = [t.attrs.get("datetime") for t in p.find_all("time")]
    assert stat["as_of"].isoformat() in times
    assert "2026" in text


def test_jobs_count_is_the_number_of_jobs_in_the_list(out):
    jobs = yaml.safe_load((FIXTURE / "_data" / "jobs.yaml").read_text(encoding="utf-8"))
    n = len(jobs)
    doc = page(out, "/articles/guide/")
    assert f"right now there are {n} open jobs" in paragraph_with(doc, "right now there are").words
    for url_path in ("/articles/guide/", "/articles/other/", "/platforms/acme/", "/about/", "/"):
        text = " ".join(page(out, url_path).text.split())
        assert re.search(rf"We have {n} active remote jobs", text), f"{url_path}: no jobs line with {n}"


def test_jobs_count_follows_the_jobs_file(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    jobs_file = site / "content" / "_data" / "jobs.yaml"
    jobs = yaml.safe_load(jobs_file.read_text(encoding="utf-8"))
    jobs_file.write_text(yaml.safe_dump(jobs[:2], sort_keys=False), encoding="utf-8")
    assert run(["build", "--jobs", "1"], cwd=site).returncode == 0
    doc = page(site / "public", "/articles/guide/")
    assert "right now there are 2 open jobs" in doc.words
    assert re.search(r"We have 2 active remote jobs", doc.words)


# ---------------------------------------------------------------- {{< faq >}}
def test_faq_section_stands_where_the_shortcode_stood(out):
    doc = page(out, "/articles/guide/")
    fm = frontmatter(FIXTURE / "articles" / "guide.md")
    gamma, delta = paragraph_with(doc, "GAMMA-MARK"), paragraph_with(doc, "DELTA-MARK")
    body = prose(doc).elements()
    i = index_of(body, gamma)
    assert body[i + 2] is delta
    faq = body[i + 1]
    for item in fm["faqs"]:
        assert item["q"] in faq.words
    # exactly one FAQ section on the page
    assert doc.words.count(fm["faqs"][0]["q"]) == 1


def test_faq_without_shortcode_comes_after_the_body(out):
    doc = page(out, "/articles/other/")
    fm = frontmatter(FIXTURE / "articles" / "other.md")
    question = fm["faqs"][0]["q"]
    holder = [n for n in doc.iter() if question in n.words and n.tag in ("section", "div", "aside", "details")]
    assert holder
    order = list(doc.find("body").walk())
    last_body = paragraph_with(doc, "A closing line for the short page")
    q_text = next(i for i, s in enumerate(order) if isinstance(s, str) and question in s)
    assert q_text > index_of(order, last_body)
    assert question not in prose(doc).words, "the FAQ must come after the body, not inside it"


def test_faq_answers_are_markdown(out):
    guide = page(out, "/articles/guide/")
    assert any(s.words == "entirely" for s in guide.find_all("strong"))
    assert guide.find("a", href="/articles/other/") is not None
    other = page(out, "/articles/other/")
    assert any(s.words == "careful" for s in other.find_all("strong"))
    assert "**" not in guide.words + other.words


def test_shortcodes_in_faq_answers_survive_a_faq_shortcode(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    (site / "content" / "articles" / "faqstat.md").write_text(
        "---\ntitle: FAQ with figures\ndate: 2026-04-02\ndescription: d\nfaqs:\n"
        "  - q: How much does it pay?\n    a: About {{< stat hourly-rate >}} across {{< jobs-count >}} jobs.\n"
        "---\n\nIntro paragraph.\n\n{{< faq >}}\n", encoding="utf-8")
    assert run(["build", "--jobs", "1"], cwd=site).returncode == 0
    answer = next(n for n in page(site / "public", "/articles/faqstat/").iter()
                  if n.tag == "p" and n.words.startswith("About"))
    assert "$42/hour" in answer.words and "across 5 jobs" in answer.words


# ---------------------------------------------------------------- code
def test_shortcodes_in_code_stay_literal(out):
    html = html_of(out, "/articles/guide/")
    doc = parse(html)
    codes = [c.text for c in doc.find_all("code")]
    assert any("{{< platform nope >}}" in c for c in codes), "``` fenced block"
    assert any("{{< callout nope >}}" in c for c in codes), "~~~ fenced block"
    assert "{{< stat hourly-rate >}}" in codes, "inline code span"
    assert any("{{< jobs-count >}}" in c for c in codes), "indented code block"
    assert "{{&lt; platform nope &gt;}}" in html
    # the literal text is escaped, never turned into markup
    assert "{{<" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S).replace("&lt;", "")


def test_code_is_highlighted_and_the_stylesheet_ships(out):
    doc = page(out, "/articles/guide/")
    blocks = doc.find_all(cls="highlight")
    assert blocks, "no Pygments block"
    python = next(b for b in blocks if "def featured" in b.words)
    spans = [s for s in python.find_all("span") if s.attrs.get("class")]
    assert any(s.words == "def" for s in spans), "keyword 'def' is not a highlighted token"
    css = out / "css" / "pygments.css"
    assert css.is_file() and ".highlight" in css.read_text(encoding="utf-8")
    # the page reaches it: linked directly, or imported by a linked stylesheet
    sheets = [l.attrs["href"] for l in doc.find_all("link") if l.attrs.get("rel") == "stylesheet"]
    reached = any(h.endswith("pygments.css") or "pygments.css" in (out / h.lstrip("/")).read_text(encoding="utf-8")
                  for h in sheets)
    assert reached


# ---------------------------------------------------------------- headings and TOC
def _heading_ids(doc: Node) -> list[str]:
    return [h.attrs.get("id") for h in prose(doc).iter() if h.tag in ("h2", "h3")
            and "callout" not in " ".join(a.attrs.get("class", "") for a in [h, *h.ancestors()])
            and h.attrs.get("id") not in ("faq-title",)]


def _toc_targets(doc: Node) -> set[str]:
    """#fragments linked from outside any heading (a heading's own permalink is not a TOC)."""
    out = set()
    for a in doc.find_all("a"):
        href = a.attrs.get("href", "")
        if href.startswith("#") and not any(x.tag in ("h1", "h2", "h3", "h4", "h5", "h6") for x in a.ancestors()):
            out.add(href[1:])
    return out


def test_long_article_has_heading_anchors_and_a_table_of_contents(out):
    md = (FIXTURE / "articles" / "guide.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert len(md.split()) >= 700 and md.count("\n## ") >= 3, "fixture must stay a long piece"
    doc = page(out, "/articles/guide/")
    ids = [h.attrs.get("id") for h in prose(doc).find_all("h2") if "callout-title" not in h.classes]
    ids = [i for i in ids if i != "faq-title"]
    assert len(ids) >= 6 and all(ids), "every body heading gets an id"
    assert len(set(ids)) == len(ids)
    toc = _toc_targets(doc)
    for i in ids:
        assert i in toc, f"TOC lacks #{i}"
    # the TOC comes before the body
    order = list(doc.iter())
    toc_link = next(a for a in doc.find_all("a") if a.attrs.get("href") == "#" + ids[0]
                    and not any(x.tag == "h2" for x in a.ancestors()))
    assert index_of(order, toc_link) < index_of(order, paragraph_with(doc, "ALPHA-MARK"))


def test_short_page_has_no_table_of_contents(out):
    doc = page(out, "/articles/other/")
    ids = [h.attrs.get("id") for h in prose(doc).find_all("h2") if "callout-title" not in h.classes]
    assert len(ids) >= 3 and all(ids), "headings of a short page still get ids"
    assert not (set(ids) & _toc_targets(doc))


# ---------------------------------------------------------------- byline
def test_byline_has_author_dates_and_reading_time(out):
    doc = page(out, "/articles/guide/")
    header = paragraph_with(doc, "Ana Lopez")
    order = list(doc.iter())
    assert index_of(order, header) < index_of(order, paragraph_with(doc, "ALPHA-MARK"))
    times = {t.attrs.get("datetime") for t in header.find_all("time")}
    assert {"2026-05-10", "2026-09-20"} <= times
    assert "updated" in header.words.lower()
    m = re.search(r"(\d+)\s*min(?:ute)?s?\b.*read", header.words)
    assert m, header.words
    words = len((FIXTURE / "articles" / "guide.md").read_text(encoding="utf-8").split("---\n", 2)[2].split())
    assert 3 <= int(m.group(1)) <= max(4, round(words / 180)), "reading time of a ~800 word piece"
    short = paragraph_with(page(out, "/articles/other/"), "min read")
    assert re.search(r"\b1\s*min", short.words)
    assert "updated" not in short.words.lower()


# ---------------------------------------------------------------- sources
def test_sources_are_grouped_in_order_with_internal_refs_linked(out):
    doc = page(out, "/articles/guide/")
    heading = next(h for h in doc.iter() if h.tag in ("h2", "h3") and h.words == "Sources & Methodology")
    section = heading.parent
    groups: list[tuple[str, list[str]]] = []
    for n in section.iter():
        if n is heading:
            continue
        if n.tag in ("h3", "h4"):
            groups.append((n.words, []))
        elif n.tag == "li" and groups:
            groups[-1][1].append(n.words)
    assert [g for g, _ in groups] == ["Academic and primary research", "Industry and market data",
                                      "Internal references"]
    by_group = dict(groups)
    assert any("An Academic Paper on Human Feedback" in li for li in by_group["Academic and primary research"])
    assert any("A Market Report on Review Work" in li for li in by_group["Industry and market data"])
    assert any("Other Notes for New Reviewers" in li for li in by_group["Internal references"])
    ref = [a for a in section.find_all("a") if a.words == "Other Notes for New Reviewers"]
    assert ref and ref[0].attrs["href"] == "/articles/other/"
    paper = section.find("a", href="https://papers.example.com/feedback")
    assert paper is not None


# ---------------------------------------------------------------- escaping
def test_text_from_frontmatter_and_data_is_escaped(out):
    fm = frontmatter(FIXTURE / "articles" / "escaped.md")
    html = html_of(out, "/articles/escaped/")
    doc = parse(html)
    h1 = doc.find("h1")
    assert h1.words == fm["title"] and not h1.elements(), "title markup must not become elements"
    assert doc.find("title").text.startswith(fm["title"])
    assert doc.find("meta", name="description").attrs["content"] == fm["description"]
    assert not doc.find_all("b") and not doc.find_all("i")
    assert all(s.attrs.get("type") == "application/ld+json" for s in doc.find_all("script")), \
        "a callout body's <script> became a script element"
    assert "Beware of <script>alert(1)</script> & other tricks." in doc.words
    assert "&lt;script&gt;" in html
    assert "Pay <b>& Perks</b>" in doc.words
    # the home page card escapes the title too
    home = page(out, "/")
    card = [a for a in home.find_all("a") if a.attrs.get("href") == "/articles/escaped/"]
    assert card and card[0].words == fm["title"] and not card[0].elements()


# ---------------------------------------------------------------- JSON-LD
def test_jsonld_has_article_breadcrumbs_and_faqpage(out):
    fm = frontmatter(FIXTURE / "articles" / "guide.md")
    items = jsonld(page(out, "/articles/guide/"))
    by_type = {i.get("@type"): i for i in items}
    assert {"Article", "BreadcrumbList", "FAQPage"} <= set(by_type)
    assert by_type["Article"]["headline"] == fm["title"]
    assert by_type["Article"]["datePublished"] == "2026-05-10"
    assert by_type["Article"]["dateModified"] == "2026-09-20"
    crumbs = by_type["BreadcrumbList"]["itemListElement"]
    assert crumbs[-1]["item"] == "https://example.org/articles/guide/"
    assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))
    questions = [q["name"] for q in by_type["FAQPage"]["mainEntity"]]
    assert questions == [f["q"] for f in fm["faqs"]]
    assert "<strong>entirely</strong>" in by_type["FAQPage"]["mainEntity"][0]["acceptedAnswer"]["text"]


def test_jsonld_is_parseable_and_escaped_on_every_page(out):
    for path in sorted(out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        doc = parse(html)
        items = jsonld(doc)
        assert any(i.get("@type") == "BreadcrumbList" for i in items), path
        for raw in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S):
            assert "<" not in raw, f"{path}: raw '<' inside JSON-LD can close the script"
    escaped = {i["@type"]: i for i in jsonld(page(out, "/articles/escaped/"))}
    assert escaped["Article"]["headline"] == frontmatter(FIXTURE / "articles" / "escaped.md")["title"]
    assert "FAQPage" not in escaped


# ---------------------------------------------------------------- other kinds of page
def test_platform_review_page_uses_the_platform_template(out):
    acme = frontmatter(FIXTURE / "platforms" / "acme.md")
    assert (out / "platforms" / "acme" / "index.html").is_file()
    doc = page(out, "/platforms/acme/")
    facts = doc.find("dl")
    assert facts is not None, "no facts list"
    assert acme["pay"] in facts.words and acme["name"] in facts.words
    assert "made-up marketplace" in doc.words
    assert (out / "platforms" / "basil" / "index.html").is_file()


def test_about_and_home_pages_build(out):
    about = page(out, "/about/")
    assert about.find("h1").words == "About the Fixture"
    assert "We write small pages" in about.words
    home = page(out, "/")
    assert "This is the home page of the fixture publication." in home.words
    links = {a.attrs.get("href") for a in home.find_all("a")}
    assert {"/articles/guide/", "/articles/other/"} <= links


# ---------------------------------------------------------------- base URL with a path
def test_base_url_path_prefixes_every_site_relative_url(sub_out):
    bad = []
    count = 0
    for path in sorted(sub_out.rglob("*.html")):
        for n in parse(path.read_text(encoding="utf-8")).iter():
            for attr in ("href", "src"):
                v = n.attrs.get(attr, "")
                if v.startswith("/") and not v.startswith("//"):
                    count += 1
                    if not v.startswith("/sub/"):
                        bad.append(f"{path.relative_to(sub_out)}: {attr}={v}")
    assert count > 20
    assert not bad, "\n".join(bad)
    doc = page(sub_out, "/articles/guide/")
    typed = [a for a in doc.find_all("a") if a.words == "platform reviews"]
    assert typed and typed[0].attrs["href"] == "/sub/platforms/"
    assert doc.find("link", rel="canonical").attrs["href"] == "https://example.org/sub/articles/guide/"
    crumbs = next(i for i in jsonld(doc) if i["@type"] == "BreadcrumbList")["itemListElement"]
    assert all(c["item"].startswith("https://example.org/sub/") for c in crumbs)
    # the named-page callout cta and nav entry follow the base path
    assert doc.find("a", href="/sub/articles/other/") is not None


def test_base_url_path_applies_to_raw_html_links_in_the_body(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    (site / "content" / "articles" / "rawlink.md").write_text(
        "---\ntitle: Raw link\ndate: 2026-04-03\ndescription: d\n---\n\n"
        'See <a href="/platforms/">all platforms</a>.\n', encoding="utf-8")
    assert run(["build", "--jobs", "1", "--base-url", "https://example.org/sub/"], cwd=site).returncode == 0
    a = [a for a in page(site / "public", "/articles/rawlink/").find_all("a") if a.words == "all platforms"]
    assert a[0].attrs["href"] == "/sub/platforms/"


# ---------------------------------------------------------------- a page name in the nav
def test_nav_entry_naming_a_page_links_its_url(out):
    doc = page(out, "/about/")
    entry = [a for a in doc.find_all("a") if a.words == "Start Here"]
    assert entry and entry[0].attrs["href"] == "/articles/other/"


def test_nav_entry_naming_an_unknown_page_is_an_error(tmp_path):
    site = copy_site(SITES / "article", tmp_path / "site")
    cfg = site / "content" / "site.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("url: articles/other}", "url: articles/otter}"),
                   encoding="utf-8")
    result = run(["build", "--jobs", "1"], cwd=site)
    assert result.returncode == 1
    assert re.search(r"^content/site\.yaml:\d+: error: .*articles/otter", result.stderr, flags=re.M)


# ---------------------------------------------------------------- internal links resolve
def test_every_internal_link_points_at_a_written_file(out):
    broken = set()
    for path in sorted(out.rglob("*.html")):
        for n in parse(path.read_text(encoding="utf-8")).iter():
            for attr in ("href", "src"):
                v = n.attrs.get(attr, "").split("#", 1)[0]
                if v.startswith("/") and not v.startswith("//"):
                    target = out / v.lstrip("/")
                    if not (target.is_file() or (target / "index.html").is_file()):
                        broken.add(v)
    assert not broken, sorted(broken)
