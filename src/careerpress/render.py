"""Stage 4: SiteGraph -> rendered files, each with the inputs it was made from.

Templates get small views of the graph (plain dicts), never its internals.
Every RenderedFile records its dependencies: source files, data entries
(``content/_data/stats.yaml#key``), templates and site.yaml, plus computed
values of the graph (``related:<name>``) — the incremental build and the
preview server decide what to redo from these records.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
from markupsafe import Markup

from .config import SITE_YAML
from .content.markdown import MARKER
from .errors import Problem, ERROR
from .graph import PUBLISHED, Page, SiteGraph, is_page_name, slugify

JOBS_YAML = "content/_data/jobs.yaml"
SOURCE_GROUPS = (
    ("academic", "Academic and primary research"),
    ("industry", "Industry and market data"),
    ("internal", "Internal references"),
)
TOC_MIN_HEADINGS = 3
TOC_MIN_WORDS = 700
WORDS_PER_MINUTE = 220
TEMPLATE_OF_KIND = {"home": "home.html", "page": "page.html", "article": "article.html",
                    "platform": "platform.html"}


@dataclass(frozen=True)
class RenderedFile:
    out_path: str             # relative to the output folder, '/' separators
    content: bytes
    deps: frozenset[str]


class TemplateProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def make_environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = lambda d: f"{d:%B} {d.day}, {d.year}" if d else ""
    env.filters["monthyear"] = lambda d: f"{d:%b} {d.year}" if d else ""
    return env


class Renderer:
    """Renders the pages of one graph; holds the views it has built so far."""

    def __init__(self, graph: SiteGraph, env: jinja2.Environment, templates_dir: Path):
        self.graph, self.env, self.templates_dir = graph, env, templates_dir
        self.config = graph.config
        self._template_deps: dict[str, frozenset[str]] = {}
        self.site = self._site_view()

    # ------------------------------------------------------------ URLs
    def url(self, path: str) -> str:
        """A site-relative URL with the base path; others unchanged."""
        if path.startswith("/") and not path.startswith("//"):
            return self.config.base_path + path[1:]
        return path

    def abs_url(self, path: str) -> str:
        return self.config.origin + self.url(path)

    def link(self, target: str, deps: set[str]) -> str:
        """A cta / nav target: a page name, a site-relative URL or an absolute URL."""
        if is_page_name(target):
            page = self.graph.pages.get(target.strip("/"))
            if page is None:
                return ""
            deps.add(page.doc.site_path)
            return self.url(page.url)
        return self.url(target)

    # ------------------------------------------------------------ views
    def _site_view(self) -> dict:
        c, data = self.config, self.graph.data
        nav_deps = self.site_deps = set()
        return {
            "title": c.title, "description": c.description, "language": c.language,
            "base_url": c.base_url, "base_path": c.base_path, "disclosure": c.disclosure,
            "nav": [{"title": item["title"], "url": self.link(item["url"], nav_deps)} for item in c.nav],
            "data": {"authors": data.authors, "callouts": data.callouts, "stats": data.stats,
                     "jobs": data.jobs, **data.other},
            "jobs_count": len(data.jobs),
            "jobs_url": self.url("/jobs/"),
            "home_url": self.url("/"),
        }

    def platform_view(self, key: str, deps: set[str]) -> dict:
        page = self.graph.platforms[key]
        deps.add(page.doc.site_path)
        m = page.meta
        return {
            "key": key, "name": m["name"], "url": m["url"], "affiliate": bool(m.get("affiliate")),
            "cta": m.get("cta") or f"Visit {m['name']}", "pitch": m.get("pitch", ""),
            "pay": m.get("pay", ""), "tags": m.get("tags", []), "review_url": self.url(page.url),
            "rel": "sponsored noopener" if m.get("affiliate") else "noopener",
        }

    def callout_view(self, key: str, deps: set[str]) -> dict:
        deps.add(f"content/_data/callouts.yaml#{key}")
        c = self.graph.data.callouts[key]
        return {"key": key, "eyebrow": c.get("eyebrow", ""), "title": c["title"], "body": c.get("body", ""),
                "cta_text": c.get("cta_text", ""), "cta_url": self.link(c["cta"], deps) if c.get("cta") else ""}

    def stat_view(self, key: str, deps: set[str]) -> dict:
        deps.add(f"content/_data/stats.yaml#{key}")
        s = self.graph.data.stats[key]
        return {"key": key, "value": s["value"], "source": s["source"], "as_of": s["as_of"],
                "link": self.url(s["link"]) if s.get("link") else ""}

    def author_view(self, key: str | None, deps: set[str]) -> dict | None:
        if not key or key not in self.graph.data.authors:
            return None
        deps.add(f"content/_data/authors.yaml#{key}")
        a = self.graph.data.authors[key]
        return {"key": key, "name": a["name"], "bio": a.get("bio", ""), "role": a.get("role", ""),
                "url": self.url(f"/authors/{key}/")}

    def summary_view(self, name: str, deps: set[str]) -> dict:
        """What a listing or a related-articles box shows of a page."""
        page = self.graph.pages[name]
        deps.add(page.doc.site_path)
        m = page.meta
        return {"name": name, "title": m["title"], "description": m.get("description", ""),
                "url": self.url(page.url), "date": m.get("date"), "category": m.get("category", "")}

    def tag_view(self, tag: str) -> dict:
        return {"name": tag, "url": self.url(f"/tags/{slugify(tag)}/")}

    def sources_view(self, page: Page, deps: set[str]) -> list[dict]:
        groups = {kind: [] for kind, _ in SOURCE_GROUPS}
        for source in page.meta.get("sources", []):
            if "ref" in source:
                target = self.graph.pages.get(source["ref"].strip("/"))
                if target is None:
                    continue
                deps.add(target.doc.site_path)
                groups["internal"].append({"title": target.meta["title"], "url": self.url(target.url),
                                           "publisher": self.config.title, "year": None, "internal": True})
            else:
                groups[source["kind"]].append({
                    "title": source["title"], "url": self.url(source["url"]) if source.get("url") else "",
                    "publisher": source.get("publisher", ""), "year": source.get("year"), "internal": False})
        return [{"kind": kind, "label": label, "items": groups[kind]} for kind, label in SOURCE_GROUPS
                if groups[kind]]

    def breadcrumbs(self, page: Page) -> list[dict]:
        crumbs = [{"title": "Home", "url": self.url("/")}]
        if page.doc.kind == "home":
            return crumbs
        if page.doc.section:
            section = page.doc.section
            crumbs.append({"title": section.replace("-", " ").title(), "url": self.url(f"/{section}/")})
        crumbs.append({"title": page.meta["title"], "url": self.url(page.url)})
        return crumbs

    # ------------------------------------------------------------ pages
    def render_page(self, page: Page) -> RenderedFile:
        deps: set[str] = {page.doc.site_path, SITE_YAML, JOBS_YAML, *self.site_deps}
        doc, m = page.doc, page.meta
        body, faqs, affiliate = self._fill_shortcodes(page, deps)
        featured = [self.platform_view(k, deps) for k in m.get("platforms", []) if k in self.graph.platforms]
        affiliate = affiliate or any(p["affiliate"] for p in featured)
        related = [self.summary_view(n, deps) for n in self.graph.related.get(doc.name, [])]
        backlinks = [self.summary_view(n, deps) for n in self.graph.backlinks.get(doc.name, [])]
        deps.add(f"related:{doc.name}")
        deps.add(f"backlinks:{doc.name}")
        faq_html = self._faq_html(faqs, deps) if not _has_faq_marker(doc) else Markup("")
        long_piece = len(doc.headings) >= TOC_MIN_HEADINGS and doc.words >= TOC_MIN_WORDS
        crumbs = self.breadcrumbs(page)
        view = {
            "name": doc.name, "kind": doc.kind, "section": doc.section, "status": page.status,
            "url": self.url(page.url), "abs_url": self.abs_url(page.url),
            "title": m["title"], "description": m.get("description", ""),
            "date": m.get("date"), "updated": m.get("updated"),
            "author": self.author_view(m.get("author"), deps),
            "tags": [self.tag_view(t) for t in m.get("tags", [])],
            "category": m.get("category", ""),
            "image": self.abs_url(m["image"]) if m.get("image") else "",
            "image_alt": m.get("image_alt", ""),
            "noindex": bool(m.get("noindex")) or page.status != PUBLISHED,
            "reading_time": max(1, round(doc.words / WORDS_PER_MINUTE)),
            "toc": _toc(doc.headings) if long_piece else [],
            "faqs": faqs,
            "sources": self.sources_view(page, deps),
            "platforms": featured,
            "affiliate": affiliate,
            "related": related,
            "backlinks": backlinks,
            "breadcrumbs": crumbs,
        }
        if doc.kind == "platform":
            view["platform"] = self.platform_view(doc.name.split("/", 1)[1], deps)
            view["featured_in"] = [self.summary_view(n, deps) for n in self._featuring(view["platform"]["key"])]
            deps.add(f"featured-in:{view['platform']['key']}")
        if doc.kind == "home":
            view["latest"] = [self.summary_view(p.name, deps) for p in self.graph.articles()[:10]]
            deps.add("latest")
        view["jsonld"] = self._jsonld(page, view)
        template = TEMPLATE_OF_KIND[doc.kind]
        html = self._render(template, deps, site=self.site, page=view, body=body, faq_html=faq_html)
        return RenderedFile(page.out_path, html.encode("utf-8"), frozenset(deps))

    def _featuring(self, key: str) -> list[str]:
        return [p.name for p in self.graph.articles() if key in self.graph.featured.get(p.name, ())]

    def _fill_shortcodes(self, page: Page, deps: set[str]) -> tuple[Markup, list[dict], bool]:
        """The body and FAQ answers with every shortcode marker filled in."""
        by_index = {sc.index: sc for sc in page.doc.shortcodes}
        affiliate = False
        faqs: list[dict] = []

        def fill(m: re.Match) -> str:
            nonlocal affiliate
            sc = by_index.get(int(m.group(1)))
            if sc is None:
                return ""
            if sc.name == "platform":
                if sc.arg not in self.graph.platforms:
                    return ""
                view = self.platform_view(sc.arg, deps)
                affiliate = affiliate or view["affiliate"]
                return self._render("partials/platform.html", deps, site=self.site, platform=view)
            if sc.name == "callout":
                if sc.arg not in self.graph.data.callouts:
                    return ""
                return self._render("partials/callout.html", deps, site=self.site,
                                    callout=self.callout_view(sc.arg, deps)).strip()
            if sc.name == "stat":
                if sc.arg not in self.graph.data.stats:
                    return ""
                return self._render("partials/stat.html", deps, site=self.site,
                                    stat=self.stat_view(sc.arg, deps)).strip()
            if sc.name == "jobs-count":
                return str(len(self.graph.data.jobs))
            if sc.name == "faq":
                return self._faq_html(faqs, deps)
            return ""

        # Answers first: the body's {{< faq >}} shows them filled in.
        faqs.extend({"q": f["q"], "a": Markup(MARKER.sub(fill, f["a_html"]))} for f in page.doc.faqs)
        body = MARKER.sub(fill, page.doc.body_html)
        return Markup(body), faqs, affiliate

    def _faq_html(self, faqs: list[dict], deps: set[str]) -> Markup:
        if not faqs:
            return Markup("")
        return Markup(self._render("partials/faq.html", deps, site=self.site, faqs=faqs))

    def _jsonld(self, page: Page, view: dict) -> list[dict]:
        crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": i, "name": c["title"], "item": self.config.origin + c["url"]}
            for i, c in enumerate(view["breadcrumbs"], 1)]}
        out = []
        if page.doc.kind in ("article", "platform"):
            article = {
                "@context": "https://schema.org", "@type": "Article", "headline": view["title"],
                "description": view["description"], "mainEntityOfPage": view["abs_url"],
                "inLanguage": self.config.language,
                "publisher": {"@type": "Organization", "name": self.config.title, "url": self.config.base_url},
            }
            if view["date"]:
                article["datePublished"] = view["date"].isoformat()
                article["dateModified"] = (view["updated"] or view["date"]).isoformat()
            if view["author"]:
                article["author"] = {"@type": "Person", "name": view["author"]["name"],
                                     "url": self.config.origin + view["author"]["url"]}
            if view["image"]:
                article["image"] = view["image"]
            out.append(article)
        out.append(crumbs)
        if view["faqs"]:
            out.append({"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
                {"@type": "Question", "name": f["q"], "acceptedAnswer": {"@type": "Answer", "text": str(f["a"])}}
                for f in view["faqs"]]})
        return out

    # ------------------------------------------------------------ templates
    def _render(self, name: str, deps: set[str], **context) -> str:
        deps |= self.template_deps(name)
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(Problem(self._template_path(exc.filename or exc.name or name), exc.lineno or 1,
                                          ERROR, f"template syntax error: {exc.message}")) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(Problem(f"templates/{name}", 1, ERROR,
                                          f"missing template '{exc.name}'")) from None
        except jinja2.UndefinedError as exc:
            path, line = self._template_frame(exc, name)
            raise TemplateProblem(Problem(path, line, ERROR, f"template error: {exc.message}")) from None

    def template_deps(self, name: str) -> frozenset[str]:
        """The template and every template it extends, includes or imports."""
        if name not in self._template_deps:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                try:
                    source = self.env.loader.get_source(self.env, current)[0]
                    ast = self.env.parse(source)
                except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
                    continue  # reported when the template is rendered
                todo.extend(t for t in jinja2.meta.find_referenced_templates(ast) if t)
            self._template_deps[name] = frozenset(f"templates/{t}" for t in seen)
        return self._template_deps[name]

    def _template_path(self, filename: str) -> str:
        try:
            return "templates/" + Path(filename).resolve().relative_to(self.templates_dir.resolve()).as_posix()
        except ValueError:
            return "templates/" + posixpath.basename(filename)

    def _template_frame(self, exc: BaseException, name: str) -> tuple[str, int]:
        tb, found = exc.__traceback__, (f"templates/{name}", 1)
        root = str(self.templates_dir.resolve())
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(root) or filename.startswith(str(self.templates_dir)):
                found = (self._template_path(filename), tb.tb_lineno)
            tb = tb.tb_next
        return found


def _toc(headings) -> list[dict]:
    """H2s with their H3s as children (an H3 before any H2 stands on its own)."""
    toc: list[dict] = []
    for h in headings:
        item = {"id": h.id, "text": Markup(h.text), "children": []}
        if h.level > 2 and toc:
            toc[-1]["children"].append(item)
        else:
            toc.append(item)
    return toc


def _has_faq_marker(doc) -> bool:
    return any(sc.name == "faq" for sc in doc.shortcodes)


def render_pages(graph: SiteGraph, renderer: Renderer) -> list[RenderedFile]:
    return [renderer.render_page(page) for page in sorted(graph.pages.values(), key=lambda p: p.name)]
