"""Files for machines: /feed.xml, /sitemap.xml (and the sitemap index past
50,000 URLs) and /robots.txt, on the listings fixture and the sample
publication (both built for https://example.org/guide/; see test_publication.py).
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest

from conftest import FIXED_EPOCH, copy_site, SITES
from test_publication import GUIDE, Site, builds, built, listings, meta  # noqa: F401  (fixtures)

DAY = 24 * 3600
# A week later than FIXED_EPOCH (2026-12-04): after every page's date in both
# sites, before the listings fixture's scheduled piece (2027-02-01) and before
# any figure turns stale, so nothing in the content changes status.
LATER_EPOCH = str(int(FIXED_EPOCH) + 7 * DAY)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def later(builds, built) -> Site:  # noqa: F811
    """The same site built on another day."""
    return builds[built.kind, LATER_EPOCH]


def day(parsed) -> dt.date:
    return dt.date(*parsed[:3])


# ---------------------------------------------------------------- /feed.xml
def test_feed_is_valid_atom_or_rss_with_the_newest_articles(built):
    data = (built.out / "feed.xml").read_bytes()
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version in ("atom10", "rss20"), feed.version
    expected = built.articles()[:built.feed_size]
    assert len(feed.entries) == len(expected) <= built.feed_size
    if built.kind == "listings":
        assert len(built.articles()) > built.feed_size == len(feed.entries) == 4
    assert [e.link for e in feed.entries] == [built.abs(d.url) for d in expected], "newest first, published only"
    published = [day(e.published_parsed) for e in feed.entries]
    assert published == [d.date for d in expected], "entry dates come from the content"
    assert published == sorted(published, reverse=True)
    for e, d in zip(feed.entries, expected):
        assert e.title == d.meta["title"]
        assert e.link.startswith(GUIDE)
        assert e.id, "every entry has an id"
        if feed.version == "atom10":
            assert day(e.updated_parsed) == d.lastmod, f"{d.name}: <updated> is updated: or date:"
    assert len({e.id for e in feed.entries}) == len(feed.entries), "ids are unique"
    if feed.version == "atom10":
        assert day(feed.feed.updated_parsed) == max(d.lastmod for d in expected)
    assert {"self"} <= {link.rel for link in feed.feed.links}
    assert next(link.href for link in feed.feed.links if link.rel == "self") == GUIDE + "feed.xml"


def test_every_url_in_the_feed_is_absolute_with_the_base_path(built):
    root = ET.parse(built.out / "feed.xml").getroot()
    hrefs = [el.get("href") for el in root.iter() if el.get("href") is not None]
    hrefs += [el.text for el in root.iter() if el.tag in (f"{ATOM}id", "link", "guid") and el.text]
    assert len(hrefs) > 2 * min(built.feed_size, len(built.articles()))
    for href in hrefs:
        assert href.startswith(GUIDE), href


def test_feed_does_not_change_with_the_build_day(built, later):
    assert built.today != later.today
    assert (built.out / "feed.xml").read_bytes() == (later.out / "feed.xml").read_bytes()
    assert (built.out / "sitemap.xml").read_bytes() == (later.out / "sitemap.xml").read_bytes()
    ids = [e.id for e in feedparser.parse((built.out / "feed.xml").read_bytes()).entries]
    assert ids == [e.id for e in feedparser.parse((later.out / "feed.xml").read_bytes()).entries]


# ---------------------------------------------------------------- /sitemap.xml
def urlset(path) -> dict[str, str | None]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SM}urlset", root.tag
    out = {}
    for url in root.findall(f"{SM}url"):
        loc = url.findtext(f"{SM}loc")
        assert loc not in out, f"{loc} listed twice"
        out[loc] = url.findtext(f"{SM}lastmod")
    return out


def indexable(site: Site) -> set[str]:
    """Every page written that search engines may index: not noindex, not a click-out, 404 or search."""
    urls = set()
    for url, doc in site.pages():
        if url.endswith("404.html") or site.is_go(url) or url == site.url("/search/"):
            continue
        if "noindex" in (meta(doc, "robots") or ""):
            continue
        urls.add(site.origin + url)
    return urls


def test_sitemap_lists_every_indexable_page_with_lastmod(built):
    entries = urlset(built.out / "sitemap.xml")
    for loc in entries:
        assert loc.startswith(GUIDE), loc
    assert set(entries) == indexable(built)
    for lastmod in entries.values():
        if lastmod is not None:
            dt.date.fromisoformat(lastmod)
    for d in built.published():
        loc = built.abs(d.url)
        if d.meta.get("noindex"):
            assert loc not in entries, f"{d.name} is noindex"
        else:
            assert entries.get(loc, "missing") == d.lastmod.isoformat(), f"{d.name}: lastmod is updated or date"
    for d in built.docs.values():
        if d.status != "published":
            assert built.abs(d.url) not in entries
    for left_out in ("/search/", "/404.html", "/go/"):
        assert not any(loc.startswith(built.abs(left_out)) for loc in entries), left_out
    if built.kind == "listings":
        assert GUIDE + "guides/internal-notes/" not in entries
        assert GUIDE + "articles/alpha/" in entries and GUIDE + "articles/page/2/" in entries
        assert entries[GUIDE + "articles/beta/"] == "2026-11-21"
        assert entries[GUIDE + "articles/alpha/"] == "2026-11-20"


def test_sitemap_becomes_an_index_past_50000_urls(listings):  # noqa: F811
    from careerpress.config import BuildOptions
    from careerpress.pipeline import build
    from careerpress.render.feeds import SITEMAP_LIMIT, render_sitemap
    from careerpress.render.listings import Listed
    from careerpress.render.views import Views

    assert SITEMAP_LIMIT == 50_000
    result = build(BuildOptions(site_dir=listings.root, out_dir=listings.root / "unused", jobs=1, search=False,
                                today=listings.today), write=False)
    assert result.ok and result.graph is not None
    views = Views(result.graph)
    when = dt.date(2026, 5, 1)

    files = render_sitemap(views, [Listed(f"/p/{i}/", when) for i in range(50_000)])
    assert [f.out_path for f in files] == ["sitemap.xml"]
    root = ET.fromstring(files[0].content)
    assert root.tag == f"{SM}urlset" and len(root.findall(f"{SM}url")) == 50_000

    files = render_sitemap(views, [Listed(f"/p/{i}/", when) for i in range(50_001)])
    by_name = {f.out_path: ET.fromstring(f.content) for f in files}
    assert set(by_name) == {"sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"}
    index = by_name["sitemap.xml"]
    assert index.tag == f"{SM}sitemapindex"
    assert [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")] == \
        [GUIDE + "sitemap-1.xml", GUIDE + "sitemap-2.xml"]
    locs = []
    for name in ("sitemap-1.xml", "sitemap-2.xml"):
        part = by_name[name]
        assert part.tag == f"{SM}urlset"
        assert len(part.findall(f"{SM}url")) <= 50_000
        locs += [u.findtext(f"{SM}loc") for u in part.findall(f"{SM}url")]
    assert sorted(locs) == sorted(GUIDE + f"p/{i}/" for i in range(50_001))


def test_a_built_sitemap_index_points_at_written_sitemaps(listings, tmp_path, monkeypatch):  # noqa: F811
    import careerpress.render.feeds as feeds
    from careerpress.config import BuildOptions
    from careerpress.pipeline import build

    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 3)
    site = copy_site(SITES / "listings", tmp_path / "site")
    out = tmp_path / "public"
    result = build(BuildOptions(site_dir=site, out_dir=out, jobs=1, search=False, today=listings.today))
    assert result.ok, result.problems
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    children = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    locs: dict[str, str | None] = {}
    for child in children:
        assert child.startswith(GUIDE), child
        part = urlset(out / child[len(GUIDE):])
        assert 1 <= len(part) <= 3
        locs.update(part)
    assert locs == urlset(listings.out / "sitemap.xml"), "the parts hold exactly what one sitemap would"
    assert f"Sitemap: {GUIDE}sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------- /robots.txt
def test_robots_txt_names_the_absolute_sitemap(built):
    lines = (built.out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {GUIDE}sitemap.xml" in lines
    assert any(line.startswith("User-agent:") for line in lines)
    for line in lines:
        if line.startswith(("Disallow:", "Allow:")) and line.split(":", 1)[1].strip():
            assert line.split(":", 1)[1].strip().startswith("/guide/"), line
