"""Pages made from the graph rather than from one source: section, tag and
author listings (paginated), the platform comparison, the jobs board,
affiliate click-outs, search and the 404 page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..graph import Page, slugify
from .templates import Templates
from .types import RenderedFile
from .views import SPONSORED, Views


@dataclass(frozen=True)
class Listed:
    """A URL for the sitemap, with the date it last changed."""
    path: str
    lastmod: dt.date | None


def page_path(first: str, number: int) -> str:
    return first if number == 1 else f"{first}page/{number}/"


def out_path_of(path: str) -> str:
    return path.lstrip("/") + "index.html"


def newest(pages: list[Page]) -> dt.date | None:
    dates = [p.meta.get("updated") or p.meta.get("date") for p in pages]
    return max((d for d in dates if d), default=None)


def render_listing(views: Views, templates: Templates, sitemap: list[Listed], *, first: str, key: str,
                   title: str, description: str, crumbs: list[dict], pages: list[Page],
                   template: str = "list.html", **extra) -> list[RenderedFile]:
    """One listing, split into pages of ``page_size``: /x/, /x/page/2/ …"""
    size = views.config.page_size
    chunks = [pages[i:i + size] for i in range(0, len(pages), size)] or [[]]
    files = []
    for number, chunk in enumerate(chunks, 1):
        deps: set[str] = {*views.site_deps, f"listing:{key}"}
        path = page_path(first, number)
        here = crumbs if number == 1 else crumbs + [views.crumb(f"Page {number}", path)]
        view = views.base(
            kind="listing", title=title if number == 1 else f"{title} (page {number})",
            description=description, path=path, crumbs=here,
            items=[views.summary(p.name, deps) for p in chunk],
            pagination={
                "number": number, "total": len(chunks),
                "prev": views.url(page_path(first, number - 1)) if number > 1 else "",
                "next": views.url(page_path(first, number + 1)) if number < len(chunks) else "",
                "pages": [{"number": n, "url": views.url(page_path(first, n))} for n in range(1, len(chunks) + 1)],
            },
            **extra,
        )
        html = templates.render(template, deps, site=views.site, page=view)
        files.append(RenderedFile(out_path_of(path), html.encode("utf-8"), frozenset(deps)))
        sitemap.append(Listed(path, newest(chunk)))
    return files


def render_listings(views: Views, templates: Templates, sitemap: list[Listed]) -> list[RenderedFile]:
    graph, site = views.graph, views.config
    home = views.crumb("Home", "/")
    articles = graph.articles()
    files: list[RenderedFile] = []

    for section in sorted({p.doc.section for p in articles}):
        title = views.section_title(section)
        files += render_listing(
            views, templates, sitemap, first=f"/{section}/", key=f"section:{section}", title=title,
            description=f"Every piece in {title} from {site.title}, newest first.",
            crumbs=[home, views.crumb(title, f"/{section}/")],
            pages=[p for p in articles if p.doc.section == section])

    tags_crumb = views.crumb("Topics", "/tags/")
    tag_index = []
    for slug in sorted(graph.tags):
        name = graph.tag_names[slug]
        tag_index.append({"name": name, "url": views.url(f"/tags/{slug}/"), "count": len(graph.tags[slug])})
        files += render_listing(
            views, templates, sitemap, first=f"/tags/{slug}/", key=f"tag:{slug}", title=f"Topic: {name}",
            description=f"Guides and articles about {name} from {site.title}.",
            crumbs=[home, tags_crumb, views.crumb(name, f"/tags/{slug}/")],
            pages=[graph.pages[n] for n in graph.tags[slug]])
    files.append(_single(views, templates, sitemap, "tags.html", "/tags/", "tags", title="Topics",
                         description=f"Every topic {site.title} covers.", crumbs=[home, tags_crumb],
                         tags=tag_index, lastmod=newest(articles)))

    authors_crumb = views.crumb("Authors", "/authors/")
    author_index, author_deps = [], set()
    for key in sorted(graph.data.authors):
        author = views.author(key, author_deps)
        written = [p for p in articles if p.meta.get("author") == key]
        author_index.append({**author, "count": len(written)})
        files += render_listing(
            views, templates, sitemap, first=f"/authors/{key}/", key=f"author:{key}", title=author["name"],
            description=author["bio"] or f"Articles by {author['name']} for {site.title}.",
            crumbs=[home, authors_crumb, views.crumb(author["name"], f"/authors/{key}/")],
            pages=written, author=author)
    files.append(_single(views, templates, sitemap, "authors.html", "/authors/", "authors", title="Authors",
                         description=f"The people who write {site.title}.", crumbs=[home, authors_crumb],
                         authors=author_index, lastmod=newest(articles), extra_deps=author_deps))

    platforms = [views.platform(k, set()) for k in sorted(graph.platforms, key=lambda k: graph.platforms[k].meta["name"].lower())]
    files.append(_single(views, templates, sitemap, "platforms.html", "/platforms/", "platforms",
                         title="Platforms compared",
                         description=f"Pay, focus and how to apply: the platforms {site.title} reviews, side by side.",
                         crumbs=[home, views.crumb("Platforms", "/platforms/")], platforms=platforms,
                         lastmod=newest(list(graph.platforms.values())),
                         extra_deps={p.doc.site_path for p in graph.platforms.values()}))

    files.append(_jobs(views, templates, sitemap, home))
    files += _click_outs(views, templates)
    files.append(_single(views, templates, None, "search.html", "/search/", "search", title="Search",
                         description=f"Search every guide and review on {site.title}.",
                         crumbs=[home, views.crumb("Search", "/search/")], noindex=True))
    files.append(_not_found(views, templates))
    return files


def _single(views: Views, templates: Templates, sitemap: list[Listed] | None, template: str, path: str,
            key: str, *, title: str, description: str, crumbs: list[dict], lastmod: dt.date | None = None,
            extra_deps: set[str] = frozenset(), noindex: bool = False, **extra) -> RenderedFile:
    deps: set[str] = {*views.site_deps, f"listing:{key}", *extra_deps}
    view = views.base(kind=key, title=title, description=description, path=path, crumbs=crumbs,
                      noindex=noindex, **extra)
    html = templates.render(template, deps, site=views.site, page=view)
    if sitemap is not None:
        sitemap.append(Listed(path, lastmod))
    return RenderedFile(out_path_of(path), html.encode("utf-8"), frozenset(deps))


def _jobs(views: Views, templates: Templates, sitemap: list[Listed], home: dict) -> RenderedFile:
    """The jobs board, grouped by platform (a platform key links to its review)."""
    graph = views.graph
    groups: dict[str, dict] = {}
    for job in graph.data.jobs:
        key = job["platform"]
        page = graph.platforms.get(key)
        group = groups.setdefault(key, {
            "key": slugify(key), "name": page.meta["name"] if page else key,
            "review_url": views.url(page.url) if page else "", "jobs": []})
        group["jobs"].append({"title": job["title"], "url": views.url(job["url"]), "pay": job.get("pay", ""),
                              "posted": job.get("posted")})
    ordered = sorted(groups.values(), key=lambda g: g["name"].lower())
    for group in ordered:
        group["jobs"].sort(key=lambda j: (-(j.get("posted") or dt.date.min).toordinal(), j["title"]))
    posted = [j["posted"] for j in graph.data.jobs if j.get("posted")]
    return _single(views, templates, sitemap, "jobs.html", "/jobs/", "jobs", title="Remote jobs",
                   description=f"{len(graph.data.jobs)} open remote jobs from the platforms {views.config.title} reviews.",
                   crumbs=[home, views.crumb("Jobs", "/jobs/")], groups=ordered,
                   lastmod=max(posted, default=None),
                   extra_deps={p.doc.site_path for p in graph.platforms.values()})


def _click_outs(views: Views, templates: Templates) -> list[RenderedFile]:
    """/go/<key>/: a noindex page that sends the reader on to an affiliate platform."""
    files = []
    for key in sorted(views.graph.platforms):
        deps: set[str] = set(views.site_deps)
        platform = views.platform(key, deps)
        if not platform["affiliate"]:
            continue
        path = f"/go/{key}/"
        page = views.graph.platforms[key]
        crumbs = [views.crumb("Home", "/"), views.crumb("Platforms", "/platforms/"),
                  views.crumb(page.meta["title"], page.url), views.crumb(f"Continue to {platform['name']}", path)]
        view = views.base(kind="go", title=f"Continue to {platform['name']}",
                          description=platform["pitch"], path=path, crumbs=crumbs, noindex=True,
                          platform=platform, rel=SPONSORED)
        html = templates.render("go.html", deps, site=views.site, page=view)
        files.append(RenderedFile(out_path_of(path), html.encode("utf-8"), frozenset(deps)))
    return files


def _not_found(views: Views, templates: Templates) -> RenderedFile:
    """404.html: served at any URL, so every link in it is root-relative."""
    deps: set[str] = {*views.site_deps, "listing:404"}
    latest = [views.summary(p.name, deps) for p in views.graph.articles()[:5]]
    view = views.base(kind="404", title="Page not found", description="This page does not exist.", path=None,
                      crumbs=[views.crumb("Home", "/")], noindex=True, items=latest)
    html = templates.render("404.html", deps, site=views.site, page=view)
    return RenderedFile("404.html", html.encode("utf-8"), frozenset(deps))
