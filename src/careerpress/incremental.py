"""What a change touched: fingerprints of every input an output can depend on.

Each rendered file records the fingerprints of its inputs (see render/). A
file is rendered again only when one of them differs now. Fingerprints are
of what the output actually shows: a page depends on its own source whole,
but on another page only through that page's frontmatter and URL (a body edit
does not re-render the listings that show the page's title). A page's own
source is left out of its mark and compared on its own: a quick rebuild
(quick.py) renders an edited page again and keeps the mark it had.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from .cache import Output
from .graph import SiteGraph
from .render import SiteRenderer


def fingerprint(value) -> bytes:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=12).digest()


class Fingerprints:
    def __init__(self, graph: SiteGraph, renderer: SiteRenderer, site: Path, sources: dict[str, bytes],
                 old_sources: dict[str, bytes]):
        self.graph, self.site = graph, site
        self.sources = sources                         # site path of a page -> digest of its bytes
        self.old_sources = old_sources                 # the same, when the last build made its outputs
        self._memo: dict[str, bytes | None] = {}
        self._pages = {p.doc.site_path: p for p in (*graph.pages.values(), *graph.left_out.values())}
        self._listings = {f"listing:{l.key}": l for l in renderer.listings}   # names, title, crumbs …

    def record(self, deps, owner: str) -> tuple[tuple[str, ...], bytes | None]:
        """What an output made from ``deps`` remembers: the keys and their mark."""
        keys = tuple(sorted(sys.intern(key) for key in deps))
        return keys, self.mark(keys, owner)

    def mark(self, keys: tuple[str, ...], owner: str) -> bytes | None:
        """One digest of the fingerprints of ``keys`` but ``owner``; None when
        one is unknown. (A rebuild at 10,000 pages looks up 450,000 of them:
        one loop, no calls.)"""
        memo, parts = self._memo, []
        for key in keys:
            if key == owner:
                continue
            if key in memo:
                fp = memo[key]
            else:
                fp = memo[key] = self._compute(key)
            if fp is None:
                return None
            parts.append(fp)
        return hashlib.blake2b(b"".join(parts), digest_size=16).digest()

    def unchanged(self, recorded: Output, owner: str) -> bool:
        if owner and (owner not in recorded.deps or self.sources.get(owner) is None
                      or self.sources.get(owner) != self.old_sources.get(owner)):
            return False
        return recorded.mark is not None and self.mark(recorded.deps, owner) == recorded.mark

    def _compute(self, key: str) -> bytes | None:
        g = self.graph
        if key.startswith("content/_data/") and "#" in key:
            name, entry = key[len("content/_data/"):].split("#", 1)
            entries = getattr(g.data, name.rsplit(".", 1)[0], None)
            return fingerprint(entries.get(entry)) if isinstance(entries, dict) else None
        if key == "content/_data/jobs.yaml":
            return fingerprint(g.data.jobs)
        if key == "content/site.yaml":
            return fingerprint(g.config)
        if key.startswith("content/"):
            page = self._pages.get(key)
            if page is None:
                return fingerprint("missing")
            # the frontmatter's digest is made once per parse (10,000 of them on every rebuild otherwise)
            return fingerprint((page.doc.meta_digest or fingerprint(page.meta), page.url, page.status))
        if key.startswith("templates/"):
            try:
                return hashlib.blake2b((self.site / key).read_bytes(), digest_size=12).digest()
            except OSError:
                return None
        kind, _, name = key.partition(":")
        if kind == "related":
            return fingerprint(g.related.get(name))
        if kind == "backlinks":
            return fingerprint(g.backlinks.get(name))
        if kind == "featured-in":
            return fingerprint([p.name for p in g.articles() if name in g.featured.get(p.name, ())])
        if kind == "listing":
            return fingerprint(self._listings.get(key))
        if key == "latest":
            return fingerprint([p.name for p in g.articles()[:g.config.page_size]])
        if key == "platforms":
            return fingerprint(sorted((k, bool(p.meta.get("affiliate"))) for k, p in g.platforms.items()))
        if key == "affiliates":
            return fingerprint(sorted((k, p.meta["url"]) for k, p in g.platforms.items() if p.meta.get("affiliate")))
        return None  # unknown: always render again
