"""Stage 4: SiteGraph -> rendered files, each with the inputs it was made from.

Templates get small views of the graph (plain dicts), never its internals.
Every RenderedFile records its dependencies: source files, data entries
(``content/_data/stats.yaml#key``), templates and site.yaml, plus computed
values of the graph (``related:<name>``, ``listing:<key>``) — the incremental
build and the preview server decide what to redo from these records.
"""
from __future__ import annotations

from pathlib import Path

from ..graph import PUBLISHED, SiteGraph
from .feeds import render_feed, render_robots, render_sitemap
from .listings import Listed, render_listings
from .pages import render_page
from .templates import Templates, TemplateProblem, make_environment
from .types import RenderedFile
from .views import Views

__all__ = ["RenderedFile", "TemplateProblem", "render_site", "make_environment"]


def render_site(graph: SiteGraph, templates_dir: Path) -> list[RenderedFile]:
    """Every file of the site, in a stable order. Raises TemplateProblem."""
    templates = Templates(make_environment(templates_dir), templates_dir)
    views = Views(graph)
    listed: list[Listed] = []
    files = []
    for page in sorted(graph.pages.values(), key=lambda p: p.name):
        files.append(render_page(page, views, templates))
        if page.status == PUBLISHED and not page.meta.get("noindex"):
            listed.append(Listed(page.url, page.meta.get("updated") or page.meta.get("date")))
    files += render_listings(views, templates, listed)
    files.append(render_feed(views, templates))
    files += render_sitemap(views, listed)
    files.append(render_robots(views))
    return files
