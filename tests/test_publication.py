"""A complete publication: listings, tags, authors, the home page, the head of
every page, breadcrumbs, the base path, 404 and the sample publication itself.

Every check runs on two builds (module-scoped, built once per module):

- ``listings``: tests/sites/listings/ (base_url https://example.org/guide/,
  page_size 2, feed_size 4; 8 published pieces over articles/ and guides/, a
  draft, a scheduled piece, a noindex guide, two authors — one without
  articles —, an affiliate and a plain platform, jobs on both and on a
  platform that is not a key, refs between pages, a title with ``</script>``);
- ``sample``: the repository's own content/, templates/ and static/, built
  with ``--base-url https://example.org/guide/`` so the base path shows.

Expectations come from the content (frontmatter, data files, site.yaml) read
here with PyYAML, never from careerpress; the HTML is parsed with
html.parser. test_feeds.py and test_graph.py import the helpers and build
fixtures from this module.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import FIXED_EPOCH, REPO, SITES, copy_site, run

GUIDE = "https://example.org/guide/"
KINDS = ("listings", "sample")


# ---------------------------------------------------------------- a tiny DOM
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs, parent: "Node | None"):
        self.tag, self.parent = tag, parent
        self.attrs = {k: (v if v is not None else "") for k, v in attrs}
        self.children: list = []

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

    def find_all(self, tag: str | None = None, **attrs) -> list["Node"]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def find(self, tag=None, **attrs) -> "Node | None":
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    @property
    def text(self) -> str:
        if self.tag in ("script", "style"):
            return ""
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def raw_text(self) -> str:
        return "".join(c for c in self.walk() if isinstance(c, str))

    @property
    def words(self) -> str:
        return " ".join(self.text.split())

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def inside(self, tag: str) -> bool:
        return any(a.tag == tag for a in self.ancestors())

    def rel(self) -> set[str]:
        return set(self.attrs.get("rel", "").split())

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


def jsonld(doc: Node) -> list[dict]:
    items = []
    for s in doc.find_all("script", type="application/ld+json"):
        value = json.loads(s.raw_text)
        items.extend(value if isinstance(value, list) else [value])
    return items


def meta(doc: Node, key: str) -> str | None:
    """content of <meta name=key> or <meta property=key>."""
    for m in doc.find_all("meta"):
        if m.attrs.get("name") == key or m.attrs.get("property") == key:
            return m.attrs.get("content")
    return None


def text_before(container: Node, target: Node) -> str:
    """The words of ``container`` that come before ``target`` in document order."""
    seen = []
    for item in container.walk():
        if item is target:
            return " ".join("".join(seen).split())
        if isinstance(item, str):
            seen.append(item)
    raise AssertionError(f"{target} is not inside {container}")


def heading_section(root: Node, words: str) -> Node | None:
    """The element around the first heading whose text contains ``words``."""
    for h in root.iter():
        if h.tag in ("h1", "h2", "h3") and words.lower() in h.words.lower():
            return h.parent
    return None


def breadcrumb_nav(doc: Node) -> Node | None:
    for n in doc.find_all("nav"):
        if "breadcrumb" in (n.attrs.get("aria-label", "") + " " + n.attrs.get("class", "")).lower():
            return n
    return None


# ---------------------------------------------------------------- the content, read as a writer wrote it
def slugify(tag: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")


FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
MD_LINK = re.compile(r"\]\((/[^)\s]*)\)")
RAW_LINK = re.compile(r'href="(/[^"]*)"')
SHORTCODE = re.compile(r"\{\{<\s*([a-z-]+)(?:\s+([^\s>]+))?\s*>\}\}")


@dataclass
class Doc:
    name: str            # path under content/ without .md (a bundle: its folder)
    kind: str            # home | page | article | platform
    section: str
    meta: dict
    body: str
    status: str          # published | draft | scheduled

    @property
    def url(self) -> str:
        """Site-relative, without the base path."""
        if self.kind == "home":
            return "/"
        parts = self.name.split("/")
        if self.meta.get("slug"):
            parts[-1] = self.meta["slug"]
        return "/" + "/".join(parts) + "/"

    @property
    def date(self) -> dt.date:
        return self.meta["date"]

    @property
    def lastmod(self) -> dt.date:
        return self.meta.get("updated") or self.meta["date"]

    @property
    def prose(self) -> str:
        """The body without fenced code (shortcodes and links there are text)."""
        return FENCE.sub("", self.body)

    def typed_links(self) -> list[str]:
        """Site-relative links typed in the body and the FAQ answers."""
        texts = [self.prose] + [f["a"] for f in self.meta.get("faqs", [])]
        return [link for t in texts for link in MD_LINK.findall(t) + RAW_LINK.findall(t)]

    def shortcodes(self, name: str) -> list[str]:
        texts = [self.prose] + [f["a"] for f in self.meta.get("faqs", [])]
        return [arg for t in texts for n, arg in SHORTCODE.findall(t) if n == name]


def read_doc(content: Path, path: Path, today: dt.date) -> Doc:
    rel = path.relative_to(content).as_posix()
    name = rel[:-len("/index.md")] if rel.endswith("/index.md") else rel[:-len(".md")]
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    _, head, body = text.split("---\n", 2)
    fm = yaml.safe_load(head)
    section = name.split("/", 1)[0] if "/" in name else ""
    kind = ("home" if name == "index" else "page") if not section else \
        ("platform" if section == "platforms" else "article")
    if kind == "platform":
        fm.setdefault("title", f"{fm['name']} review")
        fm.setdefault("description", fm.get("pitch", ""))
    status = "draft" if fm.get("draft") else "scheduled" if fm.get("date") and fm["date"] > today else "published"
    return Doc(name, kind, section, fm, body, status)


def epoch_day(epoch: str) -> dt.date:
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()


@dataclass
class Site:
    """A built site: its folder, its output, and what its content says."""
    kind: str
    root: Path
    out: Path
    epoch: str = FIXED_EPOCH
    base_url: str = GUIDE
    _pages: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------ content
    @cached_property
    def config(self) -> dict:
        return yaml.safe_load((self.root / "content" / "site.yaml").read_text(encoding="utf-8"))

    @property
    def today(self) -> dt.date:
        return epoch_day(self.epoch)

    @cached_property
    def docs(self) -> dict[str, Doc]:
        content = self.root / "content"
        docs = {}
        for path in sorted(content.rglob("*.md")):
            rel = path.relative_to(content)
            if any(part.startswith(("_", ".")) for part in rel.parts):
                continue
            if rel.name != "index.md" and (path.parent / "index.md").is_file() and path.parent != content:
                continue  # a file beside a bundle's index.md is not a page
            doc = read_doc(content, path, self.today)
            docs[doc.name] = doc
        return docs

    def data(self, name: str):
        path = self.root / "content" / "_data" / f"{name}.yaml"
        return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None

    @cached_property
    def jobs(self) -> list[dict]:
        return self.data("jobs") or []

    @cached_property
    def authors(self) -> dict:
        return self.data("authors") or {}

    @property
    def page_size(self) -> int:
        return self.config.get("page_size", 10)

    @property
    def feed_size(self) -> int:
        return self.config.get("feed_size", 20)

    @property
    def disclosure(self) -> str:
        return self.config.get("disclosure", "Affiliate link — we may earn a commission.")

    def published(self, kind: str | None = None) -> list[Doc]:
        return [d for d in self.docs.values() if d.status == "published" and (kind is None or d.kind == kind)]

    def articles(self) -> list[Doc]:
        """Published articles (every section but platforms/), newest first, name as tie-break."""
        return sorted(self.published("article"), key=lambda d: (-d.date.toordinal(), d.name))

    def platforms(self) -> dict[str, Doc]:
        return {d.name.split("/", 1)[1]: d for d in self.published("platform")}

    # ------------------------------------------------ URLs
    @property
    def base_path(self) -> str:
        return "/" + self.base_url.split("://", 1)[1].split("/", 1)[1]

    @property
    def origin(self) -> str:
        return self.base_url[:-len(self.base_path)]

    def url(self, path: str) -> str:
        return self.base_path + path[1:] if path.startswith("/") and not path.startswith("//") else path

    def abs(self, path: str) -> str:
        return self.origin + self.url(path)

    def link(self, target: str) -> str:
        """A nav / cta target: a page name, a site-relative URL or an absolute URL."""
        if target.startswith(("/", "#", "mailto:")) or "://" in target:
            return self.url(target)
        return self.url(self.docs[target.strip("/")].url)

    # ------------------------------------------------ output
    def file_of(self, url: str) -> Path:
        """The written file for a URL with the base path (``/guide/x/`` or ``/guide/404.html``)."""
        assert url.startswith(self.base_path), url
        rel = url[len(self.base_path):].split("#", 1)[0].split("?", 1)[0]
        target = self.out / rel
        return target if rel and not rel.endswith("/") else target / "index.html"

    def exists(self, url: str) -> bool:
        """A written file answers ``url`` (a folder URL by its index.html)."""
        f = self.file_of(url)
        return f.is_file() or (f / "index.html").is_file()

    def page(self, url: str) -> Node:
        """The parsed page at a site URL with the base path added for you (``/articles/``)."""
        return self.page_at(self.url(url))

    def page_at(self, url: str) -> Node:
        if url not in self._pages:
            f = self.file_of(url)
            assert f.is_file(), f"{url} was not written ({f})"
            self._pages[url] = parse(f.read_text(encoding="utf-8"))
        return self._pages[url]

    def html_urls(self) -> list[str]:
        """The URL (with base path) of every HTML file the build wrote, pagefind's left out."""
        urls = []
        for f in sorted(self.out.rglob("*.html")):
            rel = f.relative_to(self.out).as_posix()
            if rel.startswith("pagefind/"):
                continue
            if f.name == "index.html":
                rel = rel[:-len("index.html")]
            urls.append(self.base_path + rel)
        return urls

    def pages(self) -> list[tuple[str, Node]]:
        return [(u, self.page_at(u)) for u in self.html_urls()]

    def is_go(self, url: str) -> bool:
        return url.startswith(self.url("/go/"))

    def content_urls(self) -> set[str]:
        return {self.url(d.url) for d in self.published()}


def build_site(kind: str, dest: Path, epoch: str = FIXED_EPOCH, *extra: str) -> Site:
    if kind == "sample":
        dest.mkdir(parents=True)
        for part in ("content", "templates", "static"):
            shutil.copytree(REPO / part, dest / part)
        args = ["--base-url", GUIDE]
    else:
        copy_site(SITES / kind, dest)
        args = []
    result = run(["build", "--jobs", "1", "--strict", *args, *extra], cwd=dest, SOURCE_DATE_EPOCH=epoch)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return Site(kind, dest, dest / "public", epoch)


class Builds:
    """Each kind of site built at most once per module, on first use."""

    def __init__(self, factory):
        self.factory, self.done = factory, {}

    def __getitem__(self, key) -> Site:
        kind, epoch = key if isinstance(key, tuple) else (key, FIXED_EPOCH)
        if (kind, epoch) not in self.done:
            self.done[kind, epoch] = build_site(kind, self.factory.mktemp(f"{kind}-{epoch}") / "site", epoch)
        return self.done[kind, epoch]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    return Builds(tmp_path_factory)


@pytest.fixture(scope="module", params=KINDS)
def built(request, builds) -> Site:
    return builds[request.param]


@pytest.fixture(scope="module")
def listings(builds) -> Site:
    return builds["listings"]


@pytest.fixture(scope="module")
def sample(builds) -> Site:
    return builds["sample"]


# ---------------------------------------------------------------- listings
def listed(site: Site, doc: Node) -> list[str]:
    """Content pages a listing page links to, in order (menus, breadcrumbs and pagination left out)."""
    main = doc.find("main")
    assert main is not None
    known, out = site.content_urls(), []
    for a in main.find_all("a"):
        href = a.attrs.get("href", "")
        if href in known and href not in out and not a.inside("nav"):
            out.append(href)
    return out


def rel_links(doc: Node, rel: str) -> set[str]:
    return {n.attrs.get("href") for n in doc.iter() if n.tag in ("a", "link") and rel in n.rel()}


def check_listing(site: Site, first: str, expected: list[Doc]) -> int:
    """``first`` (``/articles/``) and its ``page/N/`` pages list ``expected`` in
    order, page_size a page, linked by prev/next; there is no page/1/. Returns the number of pages."""
    size = site.page_size
    chunks = [expected[i:i + size] for i in range(0, len(expected), size)] or [[]]
    urls = [site.url(first if n == 1 else f"{first}page/{n}/") for n in range(1, len(chunks) + 1)]
    for n, (url, chunk) in enumerate(zip(urls, chunks), 1):
        doc = site.page_at(url)
        assert listed(site, doc) == [site.url(d.url) for d in chunk], f"{url}: wrong items or order"
        assert rel_links(doc, "prev") == ({urls[n - 2]} if n > 1 else set()), f"{url}: prev link"
        assert rel_links(doc, "next") == ({urls[n]} if n < len(chunks) else set()), f"{url}: next link"
    assert not site.exists(site.url(f"{first}page/1/")), f"{first}page/1/ must not exist: page 1 is {first}"
    assert not site.exists(site.url(f"{first}page/{len(chunks) + 1}/")), f"{first}: a page past the last"
    return len(chunks)


def test_section_listings_are_paginated_newest_first(built):
    articles = built.articles()
    sections = sorted({d.section for d in articles})
    assert sections, "no published articles"
    pages = {s: check_listing(built, f"/{s}/", [d for d in articles if d.section == s]) for s in sections}
    if built.kind == "listings":
        assert built.page_size == 2
        assert pages == {"articles": 3, "guides": 2}
        assert len(listed(built, built.page("/articles/page/3/"))) == 1


def test_a_long_listing_links_the_first_and_last_pages_and_two_either_side(tmp_path):
    """page_size 1 and copies of an article give articles/ a dozen pages: each page links
    page 1, the last page and two either side of itself; a run of pages left
    out is one ellipsis, and a run of one page is linked rather than left out."""
    site = tmp_path / "site"
    site.mkdir()
    for part in ("content", "templates", "static"):
        shutil.copytree(REPO / part, site / part)
    config = site / "content" / "site.yaml"
    config.write_text(re.sub(r"(?m)^page_size:.*$", "page_size: 1", config.read_text()))
    one = sorted((site / "content" / "articles").glob("*.md"))[0]
    for i in range(6):
        shutil.copy(one, one.with_name(f"copy-{i}.md"))
    result = run(["build", "--jobs", "1", "--no-search"], cwd=site, SOURCE_DATE_EPOCH=FIXED_EPOCH)
    assert result.returncode == 0, result.stderr
    out = site / "public" / "articles"
    total = 1 + len(list((out / "page").iterdir()))
    assert total >= 9, "the sample needs enough articles for a long listing"

    def numbers(n: int) -> list[str]:
        html = (out / ("index.html" if n == 1 else f"page/{n}/index.html")).read_text()
        nav = parse(html).find("main").find_all("nav")
        pages = next(x for x in nav if x.attrs.get("class") == "pagination").find("ol")
        return [li.words for li in pages.find_all("li")]

    last = str(total)
    assert numbers(1) == ["1", "2", "3", "…", last]
    assert numbers(4) == ["1", "2", "3", "4", "5", "6", "…", last]
    assert numbers(total) == ["1", "…", str(total - 2), str(total - 1), last]
    middle = total // 2 + 1
    assert numbers(middle)[0:2] == ["1", "…"] and numbers(middle)[-2:] == ["…", last]
    assert [str(middle + d) for d in range(-2, 3)] == numbers(middle)[2:7]


def test_tag_listings_list_only_published_pages_with_that_tag(built):
    articles = built.articles()
    by_tag: dict[str, list[Doc]] = {}
    for d in articles:
        for slug in dict.fromkeys(slugify(t) for t in d.meta.get("tags", [])):
            by_tag.setdefault(slug, []).append(d)
    assert by_tag
    paginated = 0
    for slug, docs in sorted(by_tag.items()):
        paginated += check_listing(built, f"/tags/{slug}/", docs) > 1
    assert paginated, "the fixture should have a tag listing long enough to paginate"
    # no tag page for a tag only drafts / scheduled pages carry
    written = {p.name for p in (built.out / "tags").iterdir() if p.is_dir()}
    assert written == set(by_tag), f"unexpected tag pages: {sorted(written ^ set(by_tag))}"
    if built.kind == "listings":
        for hidden in ("draft-only-tag", "future-only-tag"):
            assert hidden not in written
        assert set(by_tag) == {"pay", "review-work", "remote-work", "tools"}


def test_tags_index_links_every_tag_with_its_count(built):
    counts: dict[str, int] = {}
    for d in built.articles():
        for slug in {slugify(t) for t in d.meta.get("tags", [])}:
            counts[slug] = counts.get(slug, 0) + 1
    doc = built.page("/tags/")
    links = {a.attrs.get("href"): a for a in doc.find("main").find_all("a") if not a.inside("nav")}
    tag_links = {h for h in links if h.startswith(built.url("/tags/")) and h != built.url("/tags/")}
    assert tag_links == {built.url(f"/tags/{s}/") for s in counts}
    for slug, n in counts.items():
        holder = links[built.url(f"/tags/{slug}/")].parent
        assert re.search(rf"\b{n}\b", holder.words), f"/tags/: {slug} should show its count {n}: {holder.words!r}"


def test_author_pages_show_the_bio_and_that_authors_articles(built):
    assert built.authors
    articles = built.articles()
    for key, author in built.authors.items():
        written = [d for d in articles if d.meta.get("author") == key]
        check_listing(built, f"/authors/{key}/", written)
        doc = built.page(f"/authors/{key}/")
        assert doc.find("h1").words == author["name"]
        if author.get("bio"):
            assert " ".join(author["bio"].split()) in doc.find("main").words
    if built.kind == "listings":
        assert listed(built, built.page("/authors/omar-haddad/")) == [], "an author without articles lists none"
        assert len(listed(built, built.page("/authors/lena-park/page/2/"))) == 2


def test_authors_index_links_every_author(built):
    main = built.page("/authors/").find("main")
    links = {a.attrs.get("href"): a.words for a in main.find_all("a") if not a.inside("nav")}
    for key, author in built.authors.items():
        assert links.get(built.url(f"/authors/{key}/")) == author["name"], key
        if author.get("bio"):
            assert " ".join(author["bio"].split()) in main.words
    assert {h for h in links if h.startswith(built.url("/authors/")) and h != built.url("/authors/")} == \
        {built.url(f"/authors/{k}/") for k in built.authors}


def test_home_page_has_latest_articles_featured_platforms_and_the_jobs_line(built):
    doc = built.page("/")
    latest = heading_section(doc.find("main"), "latest")
    assert latest is not None, "no 'Latest' section on the home page"
    newest = [built.url(d.url) for d in built.articles()]
    shown = [a.attrs["href"] for a in latest.find_all("a") if a.attrs.get("href") in newest]
    assert len(shown) >= min(2, len(newest)) and len(shown) <= built.page_size
    assert shown == newest[:len(shown)], "the home page shows the newest articles, newest first"
    affiliates = [p for _, p in sorted(built.platforms().items()) if p.meta.get("affiliate")]
    assert affiliates
    for p in affiliates[:3]:
        links = [a for a in doc.find("main").find_all("a", href=p.meta["url"])]
        assert links, f"home page does not feature {p.meta['name']}"
        assert {"sponsored", "noopener"} <= links[0].rel()
        assert p.meta["pitch"] in doc.words
    assert re.search(rf"We have {len(built.jobs)} active remote jobs?", doc.words)


# ---------------------------------------------------------------- every page: menu, breadcrumbs, head
def expected_nav(site: Site) -> list[tuple[str, str]]:
    return [(item["title"], site.link(item["url"])) for item in site.config.get("nav", [])]


def test_nav_menu_from_site_yaml_is_on_every_page(built):
    want = expected_nav(built)
    assert len(want) >= 3
    missing = []
    for url, doc in built.pages():
        if built.is_go(url):
            continue  # a click-out page: see test_go_pages_are_full_pages_of_the_site
        menus = [[(a.words, a.attrs.get("href")) for a in nav.find_all("a")] for nav in doc.find_all("nav")]
        if not any(m[:len(want)] == want for m in menus):
            missing.append(url)
    assert not missing, f"no menu {want} on {missing}"


def check_breadcrumbs(site: Site, url: str, doc: Node) -> None:
    lists = [i for i in jsonld(doc) if i.get("@type") == "BreadcrumbList"]
    assert len(lists) == 1, f"{url}: {len(lists)} BreadcrumbList"
    items = lists[0]["itemListElement"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1)), url
    assert items[0]["item"] == site.base_url, f"{url}: breadcrumbs start at the home page"
    for i in items:
        assert i["item"].startswith(site.base_url), f"{url}: {i['item']}"
    canonical = doc.find("link", rel="canonical")
    if canonical is not None:
        assert items[-1]["item"] == canonical.attrs["href"], f"{url}: last crumb is not the page"
    nav = breadcrumb_nav(doc)
    if len(items) == 1 and nav is None:
        return
    assert nav is not None, f"{url}: no visible breadcrumbs for {[i['name'] for i in items]}"
    shown = []
    for li in nav.find_all("li"):
        a = li.find("a")
        shown.append((li.words, a.attrs.get("href") if a else None))
    assert [name for name, _ in shown] == [i["name"] for i in items], f"{url}: crumb names differ"
    for (name, href), item in zip(shown[:-1], items[:-1]):
        assert href is not None and site.origin + href == item["item"], f"{url}: crumb {name!r} links {href}"
    if shown[-1][1] is not None:
        assert site.origin + shown[-1][1] == items[-1]["item"]


def test_breadcrumbs_match_their_jsonld_on_every_page(built):
    checked = 0
    for url, doc in built.pages():
        if built.is_go(url):
            continue  # see test_go_pages_are_full_pages_of_the_site
        check_breadcrumbs(built, url, doc)
        checked += 1
    assert checked >= 20
    # a paginated listing adds its page to the trail
    if built.kind == "listings":
        crumbs = next(i for i in jsonld(built.page("/articles/page/2/")) if i["@type"] == "BreadcrumbList")
        assert [c["item"] for c in crumbs["itemListElement"]] == [
            GUIDE, GUIDE + "articles/", GUIDE + "articles/page/2/"]
        article = next(i for i in jsonld(built.page("/articles/alpha/")) if i["@type"] == "BreadcrumbList")
        assert [c["name"] for c in article["itemListElement"]] == [
            "Home", "Articles", "Alpha: Grading Model Answers for a Living"]


def check_head(site: Site, url: str, doc: Node) -> None:
    title = doc.find("title")
    assert title is not None and title.words, f"{url}: no <title>"
    description = meta(doc, "description")
    assert description, f"{url}: no meta description"
    canonical = doc.find("link", rel="canonical")
    if url.endswith("404.html"):
        assert canonical is None or canonical.attrs["href"].startswith(site.base_url)
    else:
        assert canonical is not None, f"{url}: no canonical"
        assert canonical.attrs["href"] == site.origin + url, f"{url}: canonical {canonical.attrs['href']}"
        assert meta(doc, "og:url") == canonical.attrs["href"], f"{url}: og:url"
    assert meta(doc, "og:title"), f"{url}: og:title"
    assert meta(doc, "og:description") == description, f"{url}: og:description"
    assert meta(doc, "twitter:card") in ("summary", "summary_large_image"), f"{url}: twitter:card"
    jsonld(doc)  # every block parses


def test_head_of_every_page(built):
    by_url = {built.url(d.url): d for d in built.published()}
    for url, doc in built.pages():
        if built.is_go(url):
            continue  # see test_go_pages_are_full_pages_of_the_site
        check_head(built, url, doc)
        d = by_url.get(url)
        if d is None:
            continue
        assert meta(doc, "description") == d.meta["description"], url
        assert meta(doc, "og:title") == d.meta["title"], url
        if d.meta.get("image"):
            assert meta(doc, "og:image") == built.abs(d.meta["image"]), f"{url}: og:image"
        if d.kind == "article":
            items = {i["@type"]: i for i in jsonld(doc)}
            assert {"Article", "BreadcrumbList"} <= set(items), url
            assert items["Article"]["headline"] == d.meta["title"], url
            if d.meta.get("faqs"):
                assert [q["name"] for q in items["FAQPage"]["mainEntity"]] == [f["q"] for f in d.meta["faqs"]]
            else:
                assert "FAQPage" not in items, url
    if built.kind == "listings":
        alpha = built.page("/articles/alpha/")
        assert meta(alpha, "og:image") == GUIDE + "images/alpha-cover.png"
        assert meta(alpha, "twitter:card") == "summary_large_image"
        assert "FAQPage" in {i["@type"] for i in jsonld(alpha)}


def test_a_title_with_a_closing_script_tag_stays_inside_its_json_ld(listings):
    title = "Closing </script> Tags & Other Traps"
    assert listings.docs["guides/script-trap"].meta["title"] == title
    html = listings.file_of(listings.url("/guides/script-trap/")).read_text(encoding="utf-8")
    doc = parse(html)
    scripts = doc.find_all("script")
    assert len(scripts) == html.count("<script"), "the title broke out of a script element"
    items = {i["@type"]: i for i in jsonld(doc)}
    assert items["Article"]["headline"] == title
    assert items["BreadcrumbList"]["itemListElement"][-1]["name"] == title
    assert doc.find("h1").words == title and meta(doc, "og:title") == title


def test_absolute_image_url_is_used_as_it_is(tmp_path):
    site = copy_site(SITES / "listings", tmp_path / "site")
    path = site / "content" / "articles" / "alpha.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("image: /images/alpha-cover.png", "image: https://cdn.example.com/cover.png"),
                    encoding="utf-8")
    result = run(["build", "--jobs", "1", "--no-search"], cwd=site)
    assert result.returncode == 0, result.stderr
    doc = parse((site / "public" / "articles" / "alpha" / "index.html").read_text(encoding="utf-8"))
    assert meta(doc, "og:image") == "https://cdn.example.com/cover.png"
    assert next(i for i in jsonld(doc) if i["@type"] == "Article")["image"] == "https://cdn.example.com/cover.png"


def test_go_pages_are_full_pages_of_the_site(built):
    go = [u for u in built.html_urls() if built.is_go(u)]
    assert go
    for url in go:
        doc = built.page_at(url)
        check_head(built, url, doc)
        check_breadcrumbs(built, url, doc)
        want = expected_nav(built)
        assert any([(a.words, a.attrs.get("href")) for a in nav.find_all("a")][:len(want)] == want
                   for nav in doc.find_all("nav"))
        assert re.search(rf"We have {len(built.jobs)} active remote jobs?", doc.words)


# ---------------------------------------------------------------- the base path
URL_ATTRS = ("href", "src", "action", "poster")


def urls_in(doc: Node):
    for n in doc.iter():
        for attr in URL_ATTRS:
            if attr in n.attrs:
                yield n, attr, n.attrs[attr]
        if n.tag == "meta" and (n.attrs.get("property", "") + n.attrs.get("name", "")).endswith(
                ("og:url", "og:image", "twitter:image")):
            yield n, "content", n.attrs.get("content", "")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_every_url_in_every_page_carries_the_base_path(built):
    bad, count = [], 0
    for url, doc in built.pages():
        for node, attr, value in urls_in(doc):
            if value.startswith("/") and not value.startswith("//"):
                count += 1
                if not value.startswith(built.base_path):
                    bad.append(f"{url}: <{node.tag} {attr}={value}>")
            elif value.startswith(built.origin):
                count += 1
                if not value.startswith(built.base_url):
                    bad.append(f"{url}: <{node.tag} {attr}={value}>")
        for s in _strings(jsonld(doc)):
            if s.startswith(built.origin) and not s.startswith(built.base_url):
                bad.append(f"{url}: JSON-LD {s}")
    assert count > 200
    assert not bad, "\n".join(bad[:30])


def test_links_writers_type_get_the_base_path(built):
    """Body and FAQ links, source urls, callout ctas and stat links that are site-relative."""
    callouts, stats = built.data("callouts") or {}, built.data("stats") or {}
    checked = 0
    for d in built.published():
        want = list(d.typed_links())
        want += [s["url"] for s in d.meta.get("sources", []) if str(s.get("url", "")).startswith("/")]
        want += [callouts[k]["cta"] for k in d.shortcodes("callout") if str(callouts[k].get("cta", "")).startswith("/")]
        want += [stats[k]["link"] for k in d.shortcodes("stat") if str(stats[k].get("link", "")).startswith("/")]
        if not want:
            continue
        hrefs = {a.attrs.get("href") for a in built.page(d.url).find_all("a")}
        for link in want:
            assert built.base_path + link[1:] in hrefs, f"{d.name}: {link} is not linked as {built.base_path}{link[1:]}"
            checked += 1
    assert checked >= 5
    if built.kind == "listings":
        alpha = built.page("/articles/alpha/")
        by_text = {a.words: a.attrs.get("href") for a in alpha.find_all("a")}
        assert by_text["compare platforms"] == "/guide/platforms/"     # [x](/platforms/) in a body
        assert by_text["See Open Roles"] == "/guide/jobs/"              # callout cta: /jobs/
        assert by_text["Fixture Rate Notes"] == "/guide/about/"         # stat link: /about/
        assert by_text["About Us"] == "/guide/about/"                   # nav: a page name
        assert by_text["Articles"] == "/guide/articles/"                # nav: /articles/
        gamma = {a.words: a.attrs.get("href") for a in built.page("/articles/gamma/").find_all("a")}
        assert gamma["Our own rate notes"] == "/guide/about/"           # source url: /about/


# ---------------------------------------------------------------- 404
def test_404_links_are_root_relative_or_absolute_and_use_the_base_path(built):
    html = (built.out / "404.html").read_text(encoding="utf-8")
    doc = parse(html)
    rooted = 0
    for node, attr, value in urls_in(doc):
        if value.startswith("#"):
            continue  # a link within the page works at any URL
        assert value.startswith("/") or re.match(r"^https?://", value), \
            f"404.html: relative <{node.tag} {attr}={value}> breaks when served at another URL"
        if value.startswith("/"):
            rooted += 1
            assert value.startswith(built.base_path) and not value.startswith("//"), value
    assert rooted >= 5
    assert built.url("/") in {a.attrs.get("href") for a in doc.find_all("a")}
    assert "noindex" in (meta(doc, "robots") or "")


# ---------------------------------------------------------------- links resolve
def test_every_internal_link_resolves_to_a_written_file(built):
    searched = (built.out / "pagefind").is_dir()
    broken = set()
    ids: dict[str, set[str]] = {}
    for url, doc in built.pages():
        ids[url] = {n.attrs["id"] for n in doc.iter() if "id" in n.attrs}
    for url, doc in built.pages():
        for node, attr, value in urls_in(doc):
            if attr == "content":
                value = value[len(built.origin):] if value.startswith(built.base_url) else ""
            if value.startswith("#"):
                if value[1:] and value[1:] not in ids[url]:
                    broken.add(f"{url}: {value}")
                continue
            if not value.startswith("/") or value.startswith("//"):
                continue
            if not searched and value.startswith(built.url("/pagefind/")):
                continue
            target = value.split("#", 1)[0].split("?", 1)[0]
            if not value.startswith(built.base_path) or not built.exists(target):
                broken.add(f"{url}: {value}")
                continue
            fragment = value.split("#", 1)[1] if "#" in value else ""
            page_url = target if target.endswith((".html", "/")) else None
            if fragment and page_url in ids and fragment not in ids[page_url]:
                broken.add(f"{url}: {value} (no #{fragment})")
    assert not broken, "\n".join(sorted(broken)[:40])


def test_drafts_and_scheduled_pages_leave_no_trace(listings):
    hidden = [listings.docs["articles/draft-piece"], listings.docs["articles/future-piece"]]
    assert [d.status for d in hidden] == ["draft", "scheduled"]
    words = [b"DRAFT-BODY", b"FUTURE-BODY", b"draft-only-tag", b"future-only-tag",
             *(d.meta["title"].encode() for d in hidden), *(d.url.encode() for d in hidden)]
    for f in listings.out.rglob("*"):
        if f.is_file() and "pagefind" not in f.relative_to(listings.out).parts:
            data = f.read_bytes()
            for w in words:
                assert w not in data, f"{w!r} leaks into {f.relative_to(listings.out)}"


# ---------------------------------------------------------------- the sample publication
REVIEWED = ("mercor", "outlier", "micro1", "bairesdev", "turing", "remotesome")


def test_sample_publication_has_what_the_issue_promises(sample):
    pieces = [d for d in sample.articles() if d.section in ("articles", "guides")]
    assert len(pieces) >= 12
    for d in pieces:
        assert sample.exists(sample.url(d.url)), d.name
    for key in REVIEWED:
        doc = sample.page(f"/platforms/{key}/")
        assert sample.platforms()[key].meta["name"] in doc.find("h1").words
    assert len(sample.authors) == 3
    authors_index = {a.attrs.get("href") for a in sample.page("/authors/").find("main").find_all("a")}
    assert {sample.url(f"/authors/{k}/") for k in sample.authors} <= authors_index
    assert len(sample.jobs) >= 20
    job_urls = {j["url"] for j in sample.jobs}
    listed_jobs = [a for a in sample.page("/jobs/").find_all("a") if a.attrs.get("href") in job_urls]
    assert len(listed_jobs) == len(sample.jobs)


def test_sample_publication_builds_with_strict(tmp_path):
    dest = tmp_path / "site"
    dest.mkdir()
    for part in ("content", "templates", "static"):
        shutil.copytree(REPO / part, dest / part)
    result = run(["build", "--strict"], cwd=dest)
    assert result.returncode == 0, result.stderr
    assert not re.search(r": (error|warning): ", result.stderr), result.stderr
    assert (dest / "public" / "index.html").is_file()
