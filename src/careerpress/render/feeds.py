"""Files for machines: /feed.xml (Atom 1.0), /sitemap.xml, /robots.txt."""
from __future__ import annotations

from html import escape as _html_escape

from .listings import Listed
from .templates import Templates
from .types import RenderedFile
from .views import Views


def escape(text: str) -> str:
    """XML text: &, < and > escaped (xml.sax.saxutils would import urllib,
    http and ssl on every rebuild, ~30 ms)."""
    return _html_escape(text, quote=False)


SITEMAP_LIMIT = 50_000  # URLs in one sitemap file (sitemaps.org); past it, a sitemap index


def render_feed(views: Views, templates: Templates) -> RenderedFile:
    deps: set[str] = {*views.site_deps, "listing:feed"}
    entries = []
    for page in views.graph.articles()[:views.config.feed_size]:
        item = views.summary(page.name, deps)
        item["abs_url"] = views.abs_url(page.url)
        item["tags"] = page.meta.get("tags", [])
        entries.append(item)
    updated = max(((e["updated"] or e["date"]) for e in entries), default=None)
    xml = templates.render("feed.xml", deps, site=views.site, entries=entries, updated=updated,
                           self_url=views.abs_url("/feed.xml"), home_url=views.abs_url("/"))
    return RenderedFile("feed.xml", xml.encode("utf-8"), frozenset(deps))


def render_sitemap(views: Views, listed: list[Listed]) -> list[RenderedFile]:
    deps = frozenset({*views.site_deps, "listing:sitemap", *(p.doc.site_path for p in views.graph.pages.values())})
    urls = sorted({item.path: item for item in listed}.values(), key=lambda item: item.path)
    chunks = [urls[i:i + SITEMAP_LIMIT] for i in range(0, len(urls), SITEMAP_LIMIT)] or [[]]
    if len(chunks) == 1:
        return [RenderedFile("sitemap.xml", _urlset(views, chunks[0]), deps)]
    files = [RenderedFile(f"sitemap-{n}.xml", _urlset(views, chunk), deps) for n, chunk in enumerate(chunks, 1)]
    index = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for n in range(1, len(chunks) + 1):
        index.append(f"  <sitemap><loc>{escape(views.abs_url(f'/sitemap-{n}.xml'))}</loc></sitemap>")
    index.append("</sitemapindex>\n")
    return [RenderedFile("sitemap.xml", "\n".join(index).encode("utf-8"), deps), *files]


def _urlset(views: Views, urls: list[Listed]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for item in urls:
        lastmod = f"<lastmod>{item.lastmod.isoformat()}</lastmod>" if item.lastmod else ""
        lines.append(f"  <url><loc>{escape(views.abs_url(item.path))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def render_robots(views: Views) -> RenderedFile:
    text = (f"User-agent: *\n"
            f"Disallow: {views.url('/go/')}\n"
            f"\n"
            f"Sitemap: {views.abs_url('/sitemap.xml')}\n")
    return RenderedFile("robots.txt", text.encode("utf-8"), frozenset(views.site_deps))
