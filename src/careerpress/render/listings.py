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


@dataclass(frozen=True)
class Listing:
    """A paginated listing: which pages it shows, in order, and how it is titled."""
    key: str                  # section:articles, tag:rlhf, author:maya
    first: str                # /articles/ (page 2 is /articles/page/2/)
    title: str
    description: str
    crumbs: tuple
    names: tuple[str, ...]
    extra: tuple = ()         # (name, value) pairs for the template


def plan_listings(views: Views) -> list[Listing]:
    """Every section, tag and author listing. Also what the incremental build
    fingerprints: a listing's pages change when its ``names`` change."""
    graph, site = views.graph, views.config
    home = views.crumb("Home", "/")
    articles = graph.articles()
    plans = []
    for section in sorted({p.doc.section for p in articles}):
        title = views.section_title(section)
        plans.append(Listing(
            f"section:{section}", f"/{section}/", title, f"Every piece in {title} from {site.title}, newest first.",
            (home, views.crumb(title, f"/{section}/")),
            tuple(p.name for p in articles if p.doc.section == section)))
    topics = views.crumb("Topics", "/tags/")
    for slug in sorted(graph.tags):
        name = graph.tag_names[slug]
        plans.append(Listing(
            f"tag:{slug}", f"/tags/{slug}/", f"Topic: {name}", f"Guides and articles about {name} from {site.title}.",
            (home, topics, views.crumb(name, f"/tags/{slug}/")), tuple(graph.tags[slug])))
    people = views.crumb("Authors", "/authors/")
    for key in sorted(graph.data.authors):
        author = views.author(key, set())
        plans.append(Listing(
            f"author:{key}", f"/authors/{key}/", author["name"],
            author["bio"] or f"Articles by {author['name']} for {site.title}.",
            (home, people, views.crumb(author["name"], f"/authors/{key}/")),
            tuple(p.name for p in graph.by_author().get(key, ())), (("author_key", key),)))
    return plans


def render_listing(views: Views, templates: Templates, sitemap: list[Listed], listing: Listing,
                   only: set[int] | None = None) -> list[RenderedFile]:
    """The pages of one listing, ``page_size`` entries each: /x/, /x/page/2/ …
    (only the page numbers in ``only``, when given)."""
    graph = views.graph
    size = views.config.page_size
    names = listing.names
    chunks = [names[i:i + size] for i in range(0, len(names), size)] or [()]
    extra = dict(listing.extra)
    files = []
    for number, chunk in enumerate(chunks, 1):
        path = page_path(listing.first, number)
        sitemap.append(Listed(path, newest([graph.pages[n] for n in chunk])))
        if only is not None and number not in only:
            continue
        deps: set[str] = {*views.site_deps, f"listing:{listing.key}"}
        crumbs = list(listing.crumbs)
        if number > 1:
            crumbs.append(views.crumb(f"Page {number}", path))
        more = {}
        if "author_key" in extra:
            more["author"] = views.author(extra["author_key"], deps)
        view = views.base(
            kind="listing", title=listing.title if number == 1 else f"{listing.title} (page {number})",
            description=listing.description, path=path, crumbs=crumbs,
            items=[views.summary(n, deps) for n in chunk],
            pagination={
                "number": number, "total": len(chunks),
                "prev": views.url(page_path(listing.first, number - 1)) if number > 1 else "",
                "next": views.url(page_path(listing.first, number + 1)) if number < len(chunks) else "",
                "pages": [{"number": n, "url": views.url(page_path(listing.first, n)) if n else "", "gap": not n}
                          for n in page_numbers(number, len(chunks))],
            },
            **more,
        )
        html = templates.render("list.html", deps, site=views.site, page=view)
        files.append(RenderedFile(out_path_of(path), html.encode("utf-8"), frozenset(deps)))
    return files


def page_numbers(number: int, total: int, around: int = 2) -> list[int]:
    """The page numbers a listing page links to: the first, the last and
    ``around`` either side of ``number``; 0 stands for a run left out (an
    ellipsis). A run of one page is shown rather than left out. A listing of
    1,000 pages then costs each page a dozen links, not a thousand."""
    shown = sorted({1, total, *range(max(1, number - around), min(total, number + around) + 1)})
    numbers: list[int] = []
    for n in shown:
        if numbers and n - numbers[-1] == 2:
            numbers.append(n - 1)
        elif numbers and n - numbers[-1] > 2:
            numbers.append(0)
        numbers.append(n)
    return numbers


def render_listings(views: Views, templates: Templates, sitemap: list[Listed]) -> list[RenderedFile]:
    files: list[RenderedFile] = []
    for listing in plan_listings(views):
        files += render_listing(views, templates, sitemap, listing)
    files += render_singles(views, templates, sitemap)
    return files


def render_singles(views: Views, templates: Templates, sitemap: list[Listed]) -> list[RenderedFile]:
    """The one-off generated pages: cheap, so always rendered."""
    graph, site = views.graph, views.config
    home = views.crumb("Home", "/")
    articles = graph.articles()
    files: list[RenderedFile] = []
    tag_index = [{"name": graph.tag_names[slug], "url": views.url(f"/tags/{slug}/"), "count": len(graph.tags[slug])}
                 for slug in sorted(graph.tags)]
    files.append(_single(views, templates, sitemap, "tags.html", "/tags/", "tags", title="Topics",
                         description=f"Every topic {site.title} covers.",
                         crumbs=[home, views.crumb("Topics", "/tags/")], tags=tag_index, lastmod=newest(articles)))
    author_index, author_deps = [], set()
    for key in sorted(graph.data.authors):
        author = views.author(key, author_deps)
        author_index.append({**author, "count": len(graph.by_author().get(key, ()))})
    files.append(_single(views, templates, sitemap, "authors.html", "/authors/", "authors", title="Authors",
                         description=f"The people who write {site.title}.",
                         crumbs=[home, views.crumb("Authors", "/authors/")],
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
        url = views.url(job["url"])
        affiliate = views.affiliate_of(url) is not None
        group["affiliate"] = group.get("affiliate", False) or affiliate
        group["jobs"].append({"title": job["title"], "url": url, "pay": job.get("pay", ""), "posted": job.get("posted"),
                              "rel": SPONSORED + " nofollow" if affiliate else "noopener nofollow"})
    ordered = sorted(groups.values(), key=lambda g: g["name"].lower())
    for group in ordered:
        group["jobs"].sort(key=lambda j: (-(j.get("posted") or dt.date.min).toordinal(), j["title"]))
    posted = [j["posted"] for j in graph.data.jobs if j.get("posted")]
    return _single(views, templates, sitemap, "jobs.html", "/jobs/", "jobs", title="Remote jobs",
                   description=f"{len(graph.data.jobs)} open remote jobs from the platforms {views.config.title} reviews.",
                   crumbs=[home, views.crumb("Jobs", "/jobs/")], groups=ordered,
                   lastmod=max(posted, default=None),
                   extra_deps={*(p.doc.site_path for p in graph.platforms.values()), "affiliates"})


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
