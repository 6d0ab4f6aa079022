"""Stage 4: SiteGraph -> rendered files, each with the inputs it was made from.

Templates get small views of the graph (plain dicts), never its internals.
Every RenderedFile records its dependencies: source files, data entries
(``content/_data/stats.yaml#key``), templates and site.yaml, plus computed
values of the graph (``related:<name>``, ``listing:<key>``) — the incremental
build and the preview server decide what to redo from these records.
"""
from __future__ import annotations

import functools
from pathlib import Path

from ..graph import PUBLISHED, SiteGraph
from .feeds import render_feed, render_robots, render_sitemap
from .listings import Listed, Listing, out_path_of, page_path, plan_listings, render_listing, render_singles
from .pages import render_page
from .templates import Templates, TemplateProblem, make_environment
from .types import RenderedFile
from .views import Views

__all__ = ["RenderedFile", "TemplateProblem", "SiteRenderer", "Listed", "Listing", "make_environment"]


class SiteRenderer:
    """Renders one graph: pages, listing pages and the generated files, each on
    demand, so a build can render only what a change touched."""

    def __init__(self, graph: SiteGraph, templates_dir: Path, body_of=None, compiled_dir: Path | None = None):
        self.graph = graph
        self.templates = Templates(make_environment(templates_dir, compiled_dir), templates_dir, compiled_dir)
        self.views = Views(graph)
        self.body_of = body_of       # skeleton Document -> the whole parsed one (incremental builds)

    @functools.cached_property
    def listings(self) -> list[Listing]:
        """Every listing, planned (the pages of each); a quick rebuild needs none."""
        return plan_listings(self.views)

    def page(self, page) -> RenderedFile:
        parsed = page.doc if page.doc.body_html is not None else self.body_of(page.doc)
        return render_page(page, self.views, self.templates, parsed)

    def listing(self, index: int, only: set[int] | None, listed: list[Listed]) -> list[RenderedFile]:
        return render_listing(self.views, self.templates, listed, self.listings[index], only)

    def listing_out_paths(self, index: int) -> list[str]:
        listing = self.listings[index]
        pages = max(1, -(-len(listing.names) // self.views.config.page_size))
        return [out_path_of(page_path(listing.first, n)) for n in range(1, pages + 1)]

    def generated(self, listed: list[Listed]) -> list[RenderedFile]:
        """The one-off pages and files: always rendered (a handful, and cheap).
        ``listed`` must already hold every page and listing page."""
        files = render_singles(self.views, self.templates, listed)
        files.append(render_feed(self.views, self.templates))
        files += render_sitemap(self.views, listed)
        files.append(render_robots(self.views))
        return files

    def listed_page(self, page) -> Listed | None:
        if page.status == PUBLISHED and not page.meta.get("noindex"):
            return Listed(page.url, page.meta.get("updated") or page.meta.get("date"))
        return None


def render_site(graph: SiteGraph, templates_dir: Path) -> list[RenderedFile]:
    """Every file of the site, in a stable order. Raises TemplateProblem."""
    r = SiteRenderer(graph, templates_dir)
    listed: list[Listed] = []
    files = []
    for page in sorted(graph.pages.values(), key=lambda p: p.name):
        files.append(r.page(page))
        if (item := r.listed_page(page)) is not None:
            listed.append(item)
    for i in range(len(r.listings)):
        files += r.listing(i, None, listed)
    return files + r.generated(listed)
