"""Small views of the graph for templates: plain dicts, URLs with the base path.

Every view adds the inputs it reads to ``deps`` (a set of source paths,
data entries ``content/_data/x.yaml#key`` and computed graph values).
"""
from __future__ import annotations

from ..config import SITE_YAML
from ..graph import PUBLISHED, Page, SiteGraph, is_page_name, slugify

JOBS_YAML = "content/_data/jobs.yaml"
SOURCE_GROUPS = (
    ("academic", "Academic and primary research"),
    ("industry", "Industry and market data"),
    ("internal", "Internal references"),
)
SPONSORED = "sponsored noopener"


class Views:
    def __init__(self, graph: SiteGraph):
        self.graph, self.config = graph, graph.config
        self.site_deps: set[str] = {SITE_YAML, JOBS_YAML}
        self.site = self._site()

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
                self.depend_on_left_out(target, deps)
                return ""
            deps.add(page.doc.site_path)
            return self.url(page.url)
        return self.url(target)

    def depend_on_left_out(self, name: str, deps: set[str]) -> None:
        """A page named but not in this build (a draft, a scheduled page) is still
        an input: publishing it must render again what names it."""
        page = self.graph.left_out.get(name.strip("/"))
        if page is not None:
            deps.add(page.doc.site_path)

    def affiliate_of(self, url: str) -> dict | None:
        """The affiliate platform an URL leads to (its url or its /go/ page), if any."""
        for key, page in self.graph.platforms.items():
            if page.meta.get("affiliate") and url in (page.meta["url"], self.url(f"/go/{key}/")):
                return self.graph.platforms[key].meta
        return None

    # ------------------------------------------------------------ views
    def _site(self) -> dict:
        c, data = self.config, self.graph.data
        return {
            "title": c.title, "description": c.description, "language": c.language,
            "base_url": c.base_url, "base_path": c.base_path, "disclosure": c.disclosure,
            "nav": [{"title": item["title"], "url": self.link(item["url"], self.site_deps)} for item in c.nav],
            "data": {"authors": data.authors, "callouts": data.callouts, "stats": data.stats,
                     "jobs": data.jobs, **data.other},
            "jobs_count": len(data.jobs),
            "jobs_url": self.url("/jobs/"),
            "home_url": self.url("/"),
            "search_url": self.url("/search/"),
            "feed_url": self.url("/feed.xml"),
        }

    def platform(self, key: str, deps: set[str]) -> dict:
        page = self.graph.platforms[key]
        deps.add(page.doc.site_path)
        m = page.meta
        affiliate = bool(m.get("affiliate"))
        return {
            "key": key, "name": m["name"], "url": m["url"], "affiliate": affiliate,
            # Callouts link straight to the platform; /go/<key>/ is there for writers
            # (a body link or a callout cta), so nobody has to copy the affiliate URL.
            "link": m["url"], "go_url": self.url(f"/go/{key}/") if affiliate else "",
            "rel": SPONSORED if affiliate else "noopener",
            "cta": m.get("cta") or f"Visit {m['name']}", "pitch": m.get("pitch", ""),
            "pay": m.get("pay", ""), "tags": m.get("tags", []), "review_url": self.url(page.url),
        }

    def callout(self, key: str, deps: set[str]) -> dict:
        deps.add(f"content/_data/callouts.yaml#{key}")
        c = self.graph.data.callouts[key]
        cta_url = self.link(c["cta"], deps) if c.get("cta") else ""
        affiliate = self.affiliate_of(cta_url) is not None if cta_url else False
        deps.add("affiliates")
        return {"key": key, "eyebrow": c.get("eyebrow", ""), "title": c["title"], "body": c.get("body", ""),
                "cta_text": c.get("cta_text", ""), "cta_url": cta_url, "affiliate": affiliate,
                "rel": SPONSORED if affiliate else ("noopener" if "://" in cta_url else "")}

    def stat(self, key: str, deps: set[str]) -> dict:
        deps.update((f"content/_data/stats.yaml#{key}", "affiliates"))
        s = self.graph.data.stats[key]
        link = self.url(s["link"]) if s.get("link") else ""
        affiliate = bool(link) and self.affiliate_of(link) is not None
        return {"key": key, "value": s["value"], "source": s["source"], "as_of": s["as_of"], "link": link,
                "affiliate": affiliate, "rel": SPONSORED if affiliate else "noopener"}

    def author(self, key: str | None, deps: set[str]) -> dict | None:
        if not key or key not in self.graph.data.authors:
            return None
        deps.add(f"content/_data/authors.yaml#{key}")
        a = self.graph.data.authors[key]
        return {"key": key, "name": a["name"], "bio": a.get("bio", ""), "role": a.get("role", ""),
                "url": self.url(f"/authors/{key}/"), "link": self.url(a["url"]) if a.get("url") else ""}

    def summary(self, name: str, deps: set[str]) -> dict:
        """What a listing or a related-articles box shows of a page."""
        page = self.graph.pages[name]
        deps.add(page.doc.site_path)
        m = page.meta
        author = self.graph.data.authors.get(m.get("author") or "")
        if author:
            deps.add(f"content/_data/authors.yaml#{m['author']}")
        return {"name": name, "title": m["title"], "description": m.get("description", ""),
                "url": self.url(page.url), "date": m.get("date"), "updated": m.get("updated"),
                "category": m.get("category", ""), "author": author["name"] if author else "",
                "section": page.doc.section}

    def tag(self, tag: str) -> dict:
        return {"name": tag, "url": self.url(f"/tags/{slugify(tag)}/")}

    def sources(self, page: Page, deps: set[str]) -> list[dict]:
        groups: dict[str, list] = {kind: [] for kind, _ in SOURCE_GROUPS}
        for source in page.meta.get("sources", []):
            if "ref" in source:
                target = self.graph.pages.get(source["ref"].strip("/"))
                if target is None:
                    self.depend_on_left_out(source["ref"], deps)
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

    # ------------------------------------------------------------ the head of every page
    def crumb(self, title: str, path: str) -> dict:
        return {"title": title, "url": self.url(path)}

    def section_title(self, section: str) -> str:
        return section.replace("-", " ").replace("_", " ").title()

    def base(self, *, kind: str, title: str, description: str, path: str | None,
             crumbs: list[dict], noindex: bool = False, **extra) -> dict:
        """The fields base.html reads, for any kind of page."""
        view = {
            "name": "", "kind": kind, "section": "", "status": PUBLISHED,
            "url": self.url(path) if path else "", "abs_url": self.abs_url(path) if path else "",
            "title": title, "description": description, "date": None, "updated": None,
            "image": "", "image_alt": "", "noindex": noindex, "breadcrumbs": crumbs,
            "jsonld": [],
        }
        view.update(extra)
        if not view["jsonld"] and crumbs:
            view["jsonld"] = [self.breadcrumb_ld(crumbs)]
        return view

    def breadcrumb_ld(self, crumbs: list[dict]) -> dict:
        return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": i, "name": c["title"], "item": self.config.origin + c["url"]}
            for i, c in enumerate(crumbs, 1)]}
