"""Content pages: articles, platform reviews, top-level pages and the home page."""
from __future__ import annotations

import re

from markupsafe import Markup

from ..content.document import Document
from ..content.markdown import MARKER
from ..graph import PUBLISHED, Page
from .templates import Templates
from .views import Views
from .types import RenderedFile

TOC_MIN_HEADINGS = 3
TOC_MIN_WORDS = 700
WORDS_PER_MINUTE = 220
TEMPLATE_OF_KIND = {"home": "home.html", "page": "page.html", "article": "article.html",
                    "platform": "platform.html"}
HOME_FEATURED_PLATFORMS = 3


def render_page(page: Page, views: Views, templates: Templates, parsed: Document | None = None) -> RenderedFile:
    """``parsed``: the whole Document when ``page.doc`` is a skeleton from the
    cache (the body and its headings)."""
    graph = views.graph
    deps: set[str] = {page.doc.site_path, *views.site_deps}
    doc, m = page.doc, page.meta
    parsed = parsed or doc
    body, faqs, affiliate = _fill_shortcodes(page, views, templates, deps, parsed.body_html)
    featured = [views.platform(k, deps) for k in m.get("platforms", []) if k in graph.platforms]
    for k in m.get("platforms", []):
        if k not in graph.platforms:
            views.depend_on_left_out(f"platforms/{k}", deps)
    affiliate = affiliate or any(p["affiliate"] for p in featured)
    related = [views.summary(n, deps) for n in graph.related.get(doc.name, [])]
    backlinks = [views.summary(n, deps) for n in graph.backlinks.get(doc.name, [])]
    deps.update((f"related:{doc.name}", f"backlinks:{doc.name}"))
    faq_html = _faq_html(faqs, views, templates, deps) if not any(sc.name == "faq" for sc in doc.shortcodes) \
        else Markup("")
    long_piece = len(parsed.headings) >= TOC_MIN_HEADINGS and doc.words >= TOC_MIN_WORDS
    crumbs = [views.crumb("Home", "/")]
    if doc.section:
        crumbs.append(views.crumb(views.section_title(doc.section), f"/{doc.section}/"))
    if doc.kind != "home":
        crumbs.append(views.crumb(m["title"], page.url))
    view = views.base(
        kind=doc.kind, title=m["title"], description=m.get("description", ""), path=page.url, crumbs=crumbs,
        noindex=bool(m.get("noindex")) or page.status != PUBLISHED,
        name=doc.name, section=doc.section, status=page.status,
        date=m.get("date"), updated=m.get("updated"),
        image=_image_url(m.get("image"), page.url, views), image_alt=m.get("image_alt", ""),
        author=views.author(m.get("author"), deps),
        tags=[views.tag(t) for t in m.get("tags", [])],
        category=m.get("category", ""),
        reading_time=max(1, round(doc.words / WORDS_PER_MINUTE)),
        toc=_toc(parsed.headings) if long_piece else [],
        faqs=faqs, sources=views.sources(page, deps), platforms=featured, affiliate=affiliate,
        related=related, backlinks=backlinks,
    )
    if doc.kind == "platform":
        key = doc.name.split("/", 1)[1]
        view["platform"] = views.platform(key, deps)
        view["featured_in"] = [views.summary(p.name, deps) for p in graph.articles()
                               if key in graph.featured.get(p.name, ())]
        deps.add(f"featured-in:{key}")
    if doc.kind == "home":
        view["latest"] = [views.summary(p.name, deps) for p in graph.articles()[:views.config.page_size]]
        view["featured_platforms"] = [views.platform(k, deps) for k in sorted(graph.platforms)
                                      if graph.platforms[k].meta.get("affiliate")][:HOME_FEATURED_PLATFORMS]
        deps.update(("latest", "platforms"))
    view["jsonld"] = _jsonld(view, views)
    html = templates.render(TEMPLATE_OF_KIND[doc.kind], deps, site=views.site, page=view, body=body,
                            faq_html=faq_html)
    return RenderedFile(page.out_path, html.encode("utf-8"), frozenset(deps), doc.site_path)


def _image_url(image: str | None, page_url: str, views: Views) -> str:
    """An absolute URL for og:image: as written when absolute, else against the
    site (``/img.png``) or the page (``cover.png`` beside a bundle)."""
    if not image:
        return ""
    if "://" in image:
        return image
    return views.abs_url(image if image.startswith("/") else page_url + image)


def _fill_shortcodes(page: Page, views: Views, templates: Templates, deps: set[str],
                     body_html: str) -> tuple[Markup, list[dict], bool]:
    """The body and FAQ answers with every shortcode marker filled in."""
    graph = views.graph
    by_index = {sc.index: sc for sc in page.doc.shortcodes}
    affiliate = False
    faqs: list[dict] = []

    def fill(m: re.Match) -> str:
        nonlocal affiliate
        sc = by_index.get(int(m.group(1)))
        if sc is None:
            return ""
        if sc.name == "platform" and sc.arg not in graph.platforms:
            views.depend_on_left_out(f"platforms/{sc.arg}", deps)
            return ""
        if sc.name == "platform":
            view = views.platform(sc.arg, deps)
            affiliate = affiliate or view["affiliate"]
            return templates.render("partials/platform.html", deps, site=views.site, platform=view)
        if sc.name == "callout" and sc.arg in graph.data.callouts:
            view = views.callout(sc.arg, deps)
            affiliate = affiliate or view["affiliate"]
            return templates.render("partials/callout.html", deps, site=views.site, callout=view).strip()
        if sc.name == "stat" and sc.arg in graph.data.stats:
            return templates.render("partials/stat.html", deps, site=views.site,
                                    stat=views.stat(sc.arg, deps)).strip()
        if sc.name == "jobs-count":
            return str(len(graph.data.jobs))
        if sc.name == "faq":
            return _faq_html(faqs, views, templates, deps)
        return ""

    # Answers first: the body's {{< faq >}} shows them filled in.
    faqs.extend({"q": f["q"], "a": Markup(MARKER.sub(fill, f["a_html"]))} for f in page.doc.faqs)
    body = MARKER.sub(fill, body_html)
    return Markup(body), faqs, affiliate


def _faq_html(faqs: list[dict], views: Views, templates: Templates, deps: set[str]) -> Markup:
    if not faqs:
        return Markup("")
    return Markup(templates.render("partials/faq.html", deps, site=views.site, faqs=faqs))


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


def _jsonld(view: dict, views: Views) -> list[dict]:
    config = views.config
    out = []
    if view["kind"] in ("article", "platform"):
        article = {
            "@context": "https://schema.org", "@type": "Article", "headline": view["title"],
            "description": view["description"], "mainEntityOfPage": view["abs_url"],
            "inLanguage": config.language,
            "publisher": {"@type": "Organization", "name": config.title, "url": config.base_url},
        }
        if view["date"]:
            article["datePublished"] = view["date"].isoformat()
            article["dateModified"] = (view["updated"] or view["date"]).isoformat()
        if view["author"]:
            article["author"] = {"@type": "Person", "name": view["author"]["name"],
                                 "url": config.origin + view["author"]["url"]}
        if view["image"]:
            article["image"] = view["image"]
        out.append(article)
    if view["kind"] == "home":
        out.append({"@context": "https://schema.org", "@type": "WebSite", "name": config.title,
                    "url": config.base_url, "inLanguage": config.language})
    out.append(views.breadcrumb_ld(view["breadcrumbs"]))
    if view["faqs"]:
        out.append({"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
            {"@type": "Question", "name": f["q"], "acceptedAnswer": {"@type": "Answer", "text": str(f["a"])}}
            for f in view["faqs"]]})
    return out
