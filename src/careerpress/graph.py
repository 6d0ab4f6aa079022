"""Stage 3: every document and data entry -> one SiteGraph, checked as a whole.

The graph is plain data keyed by page name (``articles/why-human-input``):
pages, platforms, authors, tags, data entries and the edges between them
(page -> platform, callout, stat, referenced page, tag, author). Every name a
page or data file uses is resolved here, so an unknown one is reported with
the line it stands on. Nothing is rendered before the whole graph exists.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from .config import SiteConfig
from .content.data import SiteData
from .content.document import Document
from .errors import Problems, did_you_mean

PUBLISHED, DRAFT, SCHEDULED = "published", "draft", "scheduled"
# Folders whose URLs careerpress generates itself (/tags/x/, /jobs/ …).
RESERVED_SECTIONS = ("authors", "go", "jobs", "page", "pagefind", "search", "tags")
RELATED_COUNT = 3


@dataclass(frozen=True)
class Page:
    doc: Document
    url: str          # site-relative, with leading and trailing '/'
    out_path: str     # relative to the output folder
    status: str       # published | draft | scheduled
    # The document's, as plain attributes: listings read them a million times at 10,000 pages.
    name: str = field(init=False, repr=False, compare=False)
    meta: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "name", self.doc.name)
        object.__setattr__(self, "meta", self.doc.meta)


@dataclass
class SiteGraph:
    config: SiteConfig
    data: SiteData
    today: dt.date
    pages: dict[str, Page] = field(default_factory=dict)           # by name, in this build
    platforms: dict[str, Page] = field(default_factory=dict)       # platform key -> its review page
    tags: dict[str, list[str]] = field(default_factory=dict)       # tag slug -> page names, newest first
    tag_names: dict[str, str] = field(default_factory=dict)        # tag slug -> tag as written
    references: dict[str, list[str]] = field(default_factory=dict)  # name -> pages it references
    backlinks: dict[str, list[str]] = field(default_factory=dict)   # name -> pages referencing it
    related: dict[str, list[str]] = field(default_factory=dict)     # name -> related articles, best first
    featured: dict[str, list[str]] = field(default_factory=dict)    # name -> platform keys it features
    left_out: dict[str, Page] = field(default_factory=dict)         # drafts / scheduled not in this build
    named: set[str] = field(default_factory=set)   # every page file's name, parsed or not, in this build or not
    _url_index: dict | None = field(default=None, repr=False)
    _articles: list | None = field(default=None, repr=False)
    _by_author: dict | None = field(default=None, repr=False)
    related_signature: tuple = ()

    @property
    def url_index(self) -> dict[str, str]:
        """Site-relative URL -> page name."""
        if self._url_index is None:
            self._url_index = {p.url: p.name for p in self.pages.values()}
        return self._url_index

    def known(self, name: str) -> bool:
        """A page name that exists, even if it is not in this build."""
        name = name.strip("/")
        return name in self.pages or name in self.left_out or name in self.named

    def articles(self) -> list[Page]:
        """Pages of sections (not platforms), newest first, name as tie-break."""
        if self._articles is None:
            items = [p for p in self.pages.values() if p.doc.kind == "article"]
            self._articles = sorted(items, key=lambda p: (-p.meta["date"].toordinal(), p.name))
        return self._articles

    def by_author(self) -> dict[str, list[Page]]:
        """Each author's articles, newest first (one pass, not one per author)."""
        if self._by_author is None:
            self._by_author = {}
            for p in self.articles():
                self._by_author.setdefault(p.meta.get("author"), []).append(p)
        return self._by_author


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tag"


def url_of(doc: Document) -> str:
    if doc.kind == "home":
        return "/"
    parts = doc.name.split("/")
    if doc.meta.get("slug"):
        parts[-1] = doc.meta["slug"]
    return "/" + "/".join(parts) + "/"


def status_of(doc: Document, today: dt.date) -> str:
    if doc.meta.get("draft"):
        return DRAFT
    if doc.meta.get("date") and doc.meta["date"] > today:
        return SCHEDULED
    return PUBLISHED


def is_page_name(value: str) -> bool:
    """A callout cta or source ref that names a page rather than a URL."""
    return not value.startswith(("/", "#", "mailto:")) and "://" not in value


def build_graph(docs: list[Document], data: SiteData, config: SiteConfig, today: dt.date,
                include_drafts: bool, problems: Problems, related: tuple = ((), {}),
                names: set[str] = frozenset()) -> SiteGraph:
    """``related`` is a (signature, related) pair from an earlier build, reused
    when no article's date, tags, platforms or references changed. ``names``
    are the names of every page file, parsed or not: a page whose YAML is
    broken still exists, so naming it is not an error of its own."""
    graph = SiteGraph(config, data, today)
    graph.named.update(names)
    by_url: dict[str, Page] = {}
    for doc in sorted(docs, key=lambda d: d.src_path):
        if not doc.valid:
            graph.named.add(doc.name)
            continue
        if doc.name.split("/", 1)[0] in RESERVED_SECTIONS:
            problems.error(doc.site_path, 1, f"content/{doc.name.split('/', 1)[0]}/ is reserved for pages "
                                             f"careerpress makes itself; move this page to another folder")
            continue
        url = url_of(doc)
        page = Page(doc, url, url.lstrip("/") + "index.html", status_of(doc, today))
        if page.status != PUBLISHED and not include_drafts:
            graph.left_out[doc.name] = page
            continue
        other = by_url.get(url)
        if other is not None:
            problems.error(doc.site_path, doc.line("slug") if doc.meta.get("slug") else 1,
                           f"two pages have the URL {url}: this one and {other.doc.site_path}")
            problems.error(other.doc.site_path, other.doc.line("slug") if other.meta.get("slug") else 1,
                           f"two pages have the URL {url}: this one and {doc.site_path}")
            continue
        by_url[url] = page
        graph.pages[doc.name] = page
        if doc.kind == "platform":
            graph.platforms[doc.name.split("/", 1)[1]] = page

    _check_data(graph, problems)
    for page in graph.pages.values():
        _link_page(graph, page, problems)
    for doc in docs:
        if not doc.valid:  # still worth checking what it names; never linked
            _resolve_names(graph, doc, problems)
    for name, refs in graph.references.items():
        for ref in refs:
            graph.backlinks.setdefault(ref, []).append(name)
    for name, refs in graph.backlinks.items():
        graph.backlinks[name] = sorted(set(refs), key=lambda n: _newest_first(graph.pages[n]))
    for tag, names in graph.tags.items():
        graph.tags[tag] = sorted(set(names), key=lambda n: _newest_first(graph.pages[n]))
    signature = relation_signature(graph)
    if related and related[0] == signature and signature:
        graph.related = related[1]
    else:
        _relate(graph)
    graph.related_signature = signature
    return graph


def relation_signature(graph: SiteGraph) -> tuple:
    """Everything related articles are computed from."""
    return tuple((p.name, p.meta["date"], tuple(sorted({slugify(t) for t in p.meta.get("tags", [])})),
                  tuple(graph.featured.get(p.name, ())), tuple(graph.references.get(p.name, ())))
                 for p in graph.articles())


def _newest_first(page: Page):
    d = page.meta.get("date") or dt.date.min
    return (-d.toordinal(), page.name)


def _check_data(graph: SiteGraph, problems: Problems) -> None:
    data, config = graph.data, graph.config
    for key, callout in data.callouts.items():
        cta = callout.get("cta")
        if cta and is_page_name(cta) and not graph.known(cta):
            path, line = data.place("callouts", key, "cta")
            problems.error(path, line, f"callout '{key}': unknown page '{cta}'{did_you_mean(cta, graph.pages)}")
    for i, item in enumerate(config.nav):
        if is_page_name(item["url"]) and not graph.known(item["url"]):
            problems.error("content/site.yaml", config.nav_lines.get(i, 1),
                           f"nav item '{item['title']}': unknown page '{item['url']}'"
                           f"{did_you_mean(item['url'], graph.pages)}")
    oldest = graph.today - dt.timedelta(days=config.stat_max_age_days)
    for key, stat in data.stats.items():
        if stat["as_of"] < oldest:
            path, line = data.place("stats", key, "as_of")
            problems.warning(path, line, f"stat '{key}' is from {stat['as_of'].isoformat()}, older than "
                                         f"{config.stat_max_age_days} days: check the figure and update as_of")


def _link_page(graph: SiteGraph, page: Page, problems: Problems) -> None:
    """Record the page's edges: platforms it features, pages it references, tags."""
    featured, refs = _resolve_names(graph, page.doc, problems)
    url_index = graph.url_index
    for link in page.doc.links:
        target = url_index.get(link.split("#", 1)[0].split("?", 1)[0])
        if target and target != page.name:
            refs.append(target)
    graph.featured[page.name] = list(dict.fromkeys(featured))
    graph.references[page.name] = list(dict.fromkeys(refs))
    if page.doc.kind == "article":
        for tag in page.meta.get("tags", []):
            slug = slugify(tag)
            graph.tag_names.setdefault(slug, tag)
            graph.tags.setdefault(slug, []).append(page.name)


def _resolve_names(graph: SiteGraph, doc: Document, problems: Problems) -> tuple[list[str], list[str]]:
    """Check every name a document uses; return the platforms and pages it names."""
    meta, path, data = doc.meta, doc.site_path, graph.data
    if meta.get("author") and not data.known("authors", meta["author"]):
        problems.error(path, doc.line("author"),
                       f"unknown author '{meta['author']}'{did_you_mean(meta['author'], data.authors)}")
    featured: list[str] = []
    for i, key in enumerate(meta.get("platforms", [])):
        if key in graph.platforms:
            featured.append(key)
        elif not graph.known(f"platforms/{key}"):
            problems.error(path, doc.line("platforms", i),
                           f"unknown platform '{key}'{did_you_mean(key, graph.platforms)}")
    refs: list[str] = []
    for sc in doc.shortcodes:
        if sc.name == "platform":
            if sc.arg in graph.platforms:
                featured.append(sc.arg)
            elif not graph.known(f"platforms/{sc.arg}"):
                problems.error(path, sc.line, f"unknown platform '{sc.arg}'{did_you_mean(sc.arg, graph.platforms)}")
        elif sc.name == "callout" and not data.known("callouts", sc.arg):
            problems.error(path, sc.line, f"unknown callout '{sc.arg}'{did_you_mean(sc.arg, data.callouts)}")
        elif sc.name == "stat" and not data.known("stats", sc.arg):
            problems.error(path, sc.line, f"unknown stat '{sc.arg}'{did_you_mean(sc.arg, data.stats)}")
    for i, source in enumerate(meta.get("sources", [])):
        if "ref" in source:
            ref = source["ref"].strip("/")
            if not graph.known(ref):
                problems.error(path, doc.line("sources", i, "ref"),
                               f"unknown page '{source['ref']}'{did_you_mean(ref, graph.pages)}")
            elif ref in graph.pages:
                refs.append(ref)
    return featured, refs


def _relate(graph: SiteGraph) -> None:
    """Related articles: shared references weigh 3, platforms 2, tags 1; ties go
    to the newer article, then to the name.

    Sets of articles are bitmasks over the articles in that order, and each
    article's scores are added up bit-sliced (one mask per binary digit), so a
    site of 10,000 articles costs a few hundred integer operations per article
    instead of a score for every pair that shares a tag."""
    articles = graph.articles()          # newest first, then name
    index = {p.name: i for i, p in enumerate(articles)}
    tags = [{slugify(t) for t in p.meta.get("tags", [])} for p in articles]
    by_tag: dict[str, int] = {}
    by_platform: dict[str, int] = {}
    linked = [0] * len(articles)
    for i, p in enumerate(articles):
        bit = 1 << i
        for t in tags[i]:
            by_tag[t] = by_tag.get(t, 0) | bit
        for k in graph.featured.get(p.name, ()):
            by_platform[k] = by_platform.get(k, 0) | bit
        for ref in graph.references.get(p.name, ()):
            j = index.get(ref)
            if j is not None:
                linked[i] |= 1 << j
                linked[j] |= bit
    for i, p in enumerate(articles):
        digits: list[int] = []           # digits[b]: the articles whose score has bit b set
        for t in tags[i]:
            _add(digits, by_tag[t], 0)
        for k in graph.featured.get(p.name, ()):
            _add(digits, by_platform[k], 1)
        _add(digits, linked[i], 0)
        _add(digits, linked[i], 1)
        graph.related[p.name] = [articles[j].name for j in _best(digits, ~(1 << i), RELATED_COUNT)]


def _add(digits: list[int], members: int, shift: int) -> None:
    """Add 2**shift to the score of every article in ``members``."""
    carry, b = members, shift
    while carry:
        while b >= len(digits):
            digits.append(0)
        digits[b], carry = digits[b] ^ carry, digits[b] & carry
        b += 1


def _best(digits: list[int], allowed: int, count: int) -> list[int]:
    """The first ``count`` articles by score (highest first), then by index."""
    scored = 0
    for d in digits:
        scored |= d
    scored &= allowed
    best: list[int] = []
    for score in range((1 << len(digits)) - 1, 0, -1):
        level = scored
        for b, d in enumerate(digits):
            level &= d if score >> b & 1 else ~d
        while level and len(best) < count:
            low = level & -level
            best.append(low.bit_length() - 1)
            level ^= low
        if len(best) == count:
            break
    return best
