"""The content graph as readers see it: related articles, "Referenced by"
backlinks, the platform comparison table, platform reviews listing the
articles that feature them, the jobs board and jobs line, and the /go/
click-outs — on the listings fixture and the sample publication (see
test_publication.py for the builds and helpers).

Expectations are computed here from the content: which tags, platforms
(frontmatter ``platforms:`` and ``{{< platform >}}`` shortcodes) and
references (``{ref: …}`` sources and site-relative links in bodies and FAQ
answers) pages share.
"""
from __future__ import annotations

import re

import pytest

from test_publication import (Doc, Node, Site, builds, built, heading_section, listings, meta,  # noqa: F401
                              slugify, text_before)


# ---------------------------------------------------------------- the graph, from the content
def featured(site: Site, d: Doc) -> set[str]:
    keys = set(d.meta.get("platforms", [])) | set(d.shortcodes("platform"))
    return keys & set(site.platforms())


def references(site: Site, d: Doc) -> set[str]:
    """Names of the published pages ``d`` references: by a {ref: …} source or a site-relative link."""
    by_url = {p.url: p.name for p in site.published()}
    names = {s["ref"].strip("/") for s in d.meta.get("sources", []) if "ref" in s}
    names |= {by_url[u] for u in (link.split("#", 1)[0].split("?", 1)[0] for link in d.typed_links()) if u in by_url}
    return {n for n in names if n in site.docs and site.docs[n].status == "published"} - {d.name}


def shared(site: Site, a: Doc, b: Doc) -> tuple[int, int, int]:
    """What b shares with a: (a reference either way, platforms, tags)."""
    tags = len({slugify(t) for t in a.meta.get("tags", [])} & {slugify(t) for t in b.meta.get("tags", [])})
    ref = int(b.name in references(site, a) or a.name in references(site, b))
    return ref, len(featured(site, a) & featured(site, b)), tags


def dominates(x: tuple, y: tuple) -> bool:
    return x != y and all(i >= j for i, j in zip(x, y))


def links_in(site: Site, section: Node | None) -> list[str]:
    if section is None:
        return []
    known, out = site.content_urls(), []
    for a in section.find_all("a"):
        if a.attrs.get("href") in known and a.attrs["href"] not in out:
            out.append(a.attrs["href"])
    return out


def related_of(site: Site, d: Doc) -> list[str]:
    doc = site.page(d.url)
    return links_in(site, heading_section(doc, "Related"))


# ---------------------------------------------------------------- related articles
def test_every_article_shows_related_articles_best_first(built):
    articles = built.articles()
    by_url = {built.url(d.url): d for d in articles}
    with_related = 0
    for d in articles:
        candidates = {o.name: shared(built, d, o) for o in articles if o.name != d.name}
        candidates = {n: s for n, s in candidates.items() if any(s)}
        shown = related_of(built, d)
        if not candidates:
            assert not shown, f"{d.name}: nothing shares anything with it, yet it shows {shown}"
            continue
        with_related += 1
        assert shown, f"{d.name}: no related articles, though {sorted(candidates)} share with it"
        names = [by_url[u].name if u in by_url else u for u in shown]
        for n in names:
            assert n in candidates, f"{d.name}: related {n} is not a published article sharing a tag, " \
                                    f"platform or reference"
        assert len(set(names)) == len(names)
        for i, first in enumerate(names):
            for later in names[i + 1:]:
                assert not dominates(candidates[later], candidates[first]), \
                    f"{d.name}: {later} {candidates[later]} shares more than {first} {candidates[first]}"
        for left_out in set(candidates) - set(names):
            for n in names:
                assert not dominates(candidates[left_out], candidates[n]), \
                    f"{d.name}: {left_out} {candidates[left_out]} is left out for {n} {candidates[n]}"
    assert with_related >= len(articles) - 1


def test_related_order_in_a_constructed_case(listings):
    """alpha shares with beta: both tags, Kestrel and a reference; with gamma:
    both tags and Kestrel; with epsilon: one tag and Kestrel; with delta: one
    tag. Best first is beta, gamma, epsilon — not newest first (gamma is newer
    than beta) and not by name (delta, epsilon before gamma)."""
    docs = listings.docs
    alpha = docs["articles/alpha"]
    assert [shared(listings, alpha, docs[n]) for n in ("articles/beta", "articles/gamma", "articles/epsilon",
                                                       "articles/delta")] == \
        [(1, 1, 2), (0, 1, 2), (0, 1, 1), (0, 0, 1)]
    url = listings.url
    assert related_of(listings, alpha) == [url("/articles/beta/"), url("/articles/gamma/"), url("/articles/epsilon/")]
    assert related_of(listings, docs["articles/beta"]) == \
        [url("/articles/alpha/"), url("/articles/gamma/"), url("/articles/epsilon/")]


def test_related_ties_go_to_the_newer_article(listings):
    """alpha, gamma and beta each share the pay tag and Kestrel with epsilon and
    nothing more: newest first (alpha 11-20, gamma 11-15, beta 11-10), not by
    name; the scheduled piece that also features Kestrel never shows."""
    docs = listings.docs
    eps = docs["articles/epsilon"]
    assert {shared(listings, eps, docs[n]) for n in ("articles/alpha", "articles/gamma", "articles/beta")} == {(0, 1, 1)}
    url = listings.url
    assert related_of(listings, eps) == [url("/articles/alpha/"), url("/articles/gamma/"), url("/articles/beta/")]


# ---------------------------------------------------------------- backlinks
def test_referenced_by_lists_every_page_that_references_an_article(built):
    published = built.published()
    checked = 0
    for target in built.articles():
        referrers = {built.url(p.url) for p in published if target.name in references(built, p)}
        section = heading_section(built.page(target.url), "Referenced by")
        shown = set(links_in(built, section))
        assert shown == referrers, f"{target.name}: referenced by {sorted(referrers)}, shows {sorted(shown)}"
        checked += bool(referrers)
    assert checked >= 2
    if built.kind == "listings":
        toolkit = heading_section(built.page("/guides/toolkit/"), "Referenced by")
        # delta links it in its body, script-trap names it in sources; the draft that refs it is left out
        assert set(links_in(built, toolkit)) == {built.url("/articles/delta/"), built.url("/guides/script-trap/")}
        alpha = heading_section(built.page("/articles/alpha/"), "Referenced by")
        assert links_in(built, alpha) == [built.url("/articles/beta/")]


# ---------------------------------------------------------------- affiliate links
def disclosure_box(link: Node, disclosure: str) -> Node | None:
    """The nearest element around ``link`` that holds the disclosure, below the page's own article."""
    for a in link.ancestors():
        if a.tag in ("main", "body", "html") or a.find("h1") is not None:
            return None
        if disclosure in a.words:
            return a
    return None


def check_affiliate_link(site: Site, where: str, link: Node, box: Node | None = None) -> None:
    assert {"sponsored", "noopener"} <= link.rel(), f"{where}: {link} lacks rel sponsored noopener"
    box = box or disclosure_box(link, site.disclosure)
    assert box is not None, f"{where}: no disclosure beside {link.attrs.get('href')}"
    assert site.disclosure in text_before(box, link), f"{where}: the disclosure comes after the link"


def test_every_affiliate_link_is_sponsored_and_disclosed_before_it(built):
    targets = {p.meta["url"] for p in built.platforms().values() if p.meta.get("affiliate")}
    targets |= {built.url(f"/go/{k}/") for k, p in built.platforms().items() if p.meta.get("affiliate")}
    count = 0
    for url, doc in built.pages():
        for link in doc.find_all("a"):
            if link.attrs.get("href") in targets:
                check_affiliate_link(built, url, link)
                count += 1
    assert count >= 3


# ---------------------------------------------------------------- /platforms/
def test_platforms_page_compares_every_platform_in_one_row(built):
    platforms = built.platforms()
    doc = built.page("/platforms/")
    tables = doc.find("main").find_all("table")
    assert len(tables) == 1
    rows = [tr for tr in tables[0].find_all("tr") if tr.find("td") is not None]
    assert len(rows) == len(platforms)
    for key, p in platforms.items():
        m = p.meta
        mine = [tr for tr in rows if tr.find("a", href=built.url(p.url)) is not None]
        assert len(mine) == 1, f"{key}: {len(mine)} rows link its review"
        row = mine[0]
        for part in ("name", "pay", "pitch"):
            if m.get(part):
                assert " ".join(m[part].split()) in row.words, f"{key}: row lacks its {part}"
        cta = [a for a in row.find_all("a", href=m["url"])]
        assert len(cta) == 1, f"{key}: no link to {m['url']}"
        if m.get("cta"):
            assert cta[0].words == m["cta"]
        if m.get("affiliate"):
            cell = next(a for a in cta[0].ancestors() if a.tag in ("td", "th"))
            check_affiliate_link(built, f"/platforms/ {key}", cta[0], cell)
        else:
            assert "sponsored" not in cta[0].rel()
            assert built.disclosure not in row.words
    if built.kind == "listings":
        assert [tr.find("a").words for tr in rows] == ["Heron Works", "Kestrel Tasks"]


def test_each_platform_review_lists_the_articles_featuring_it(built):
    articles = built.articles()
    with_some = 0
    for key, p in built.platforms().items():
        want = {built.url(d.url) for d in articles if key in featured(built, d)}
        section = heading_section(built.page(p.url), "featuring")
        shown = set(links_in(built, section))
        assert shown == want, f"{key}: features {sorted(want)}, shows {sorted(shown)}"
        with_some += bool(want)
    assert with_some >= 2
    if built.kind == "listings":
        kestrel = heading_section(built.page("/platforms/kestrel/"), "featuring")
        assert set(links_in(built, kestrel)) == {built.url(f"/articles/{n}/") for n in
                                                 ("alpha", "beta", "gamma", "epsilon")}


# ---------------------------------------------------------------- jobs
def test_jobs_page_groups_jobs_by_platform_with_counts(built):
    platforms = built.platforms()
    groups: dict[str, list[dict]] = {}
    for job in built.jobs:
        groups.setdefault(job["platform"], []).append(job)
    main = built.page("/jobs/").find("main")
    all_urls = {j["url"] for j in built.jobs}
    assert sorted(a.attrs["href"] for a in main.find_all("a") if a.attrs.get("href") in all_urls
                  and a.words in {j["title"] for j in built.jobs}) == \
        sorted(j["url"] for j in built.jobs), "every job is listed once"
    for key, jobs in groups.items():
        name = platforms[key].meta["name"] if key in platforms else key
        headings = [h for h in main.iter() if h.tag in ("h2", "h3") and h.words == name]
        assert len(headings) == 1, f"no single heading for {name}"
        group = headings[0].parent
        shown = sorted((a.words, a.attrs["href"]) for a in group.find_all("a") if a.attrs.get("href") in all_urls)
        assert shown == sorted((j["title"], j["url"]) for j in jobs), f"{name}: wrong jobs in its group"
        assert re.search(rf"{re.escape(name)}\s*\(\s*{len(jobs)}\s*\)", main.words), f"{name}: no count ({len(jobs)})"
        review = group.find("a", href=built.url(platforms[key].url)) if key in platforms else None
        assert (review is not None) == (key in platforms), f"{name}: review link"
    if built.kind == "listings":
        assert {k: len(v) for k, v in groups.items()} == {"kestrel": 2, "heron": 3, "Freelance Board": 1}


def test_jobs_line_counts_every_job_on_every_page(built):
    n = len(built.jobs)
    pattern = re.compile(rf"We have {n} active remote jobs?\b")
    checked = 0
    for url, doc in built.pages():
        if built.is_go(url):
            continue  # a click-out page: test_publication.test_go_pages_are_full_pages_of_the_site
        holders = [p for p in doc.iter() if p.tag == "p" and "active remote job" in p.words]
        assert len(holders) == 1, f"{url}: {len(holders)} jobs lines"
        assert pattern.search(holders[0].words), f"{url}: {holders[0].words!r} does not count {n} jobs"
        assert holders[0].find("a", href=built.url("/jobs/")) is not None, f"{url}: jobs line lacks its link"
        checked += 1
    assert checked >= 20


# ---------------------------------------------------------------- /go/<key>/
def test_click_out_pages_exist_only_for_affiliate_platforms(built):
    affiliates = {k: p for k, p in built.platforms().items() if p.meta.get("affiliate")}
    assert affiliates and len(affiliates) < len(built.platforms())
    go = built.out / "go"
    assert {p.name for p in go.iterdir()} == set(affiliates)
    for key, p in affiliates.items():
        url = built.url(f"/go/{key}/")
        doc = built.page_at(url)
        assert "noindex" in (meta(doc, "robots") or "").split(", ") + (meta(doc, "robots") or "").split(","), url
        refresh = next((m.attrs.get("content", "") for m in doc.find_all("meta")
                        if m.attrs.get("http-equiv", "").lower() == "refresh"), "")
        m = re.match(r"^\s*\d+\s*;\s*url=(.+)$", refresh, flags=re.I)
        assert m and m.group(1).strip().strip("'\"") == p.meta["url"], f"{url}: refresh {refresh!r}"
        links = doc.find_all("a", href=p.meta["url"])
        assert links, f"{url}: no link to {p.meta['url']}"
        for link in links:
            check_affiliate_link(built, url, link)
    for key in set(built.platforms()) - set(affiliates):
        assert not (go / key).exists()
    if built.kind == "listings":
        assert (built.out / "go" / "kestrel" / "index.html").is_file()
        assert not (built.out / "go" / "heron").exists()
