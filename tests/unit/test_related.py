"""Related articles computed with bitmasks pick what scoring every pair would:
references weigh 3, platforms 2, tags 1; ties go to the newer article, then the name."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from careerpress.graph import RELATED_COUNT, _relate, slugify


def by_pairs(graph) -> dict[str, list[str]]:
    """The plain definition: score every other article, keep the best."""
    articles = graph.articles()
    order = {p.name: i for i, p in enumerate(articles)}
    related = {}
    for p in articles:
        score: Counter = Counter()
        mine = {slugify(t) for t in p.meta["tags"]}
        for q in articles:
            if q is p:
                continue
            score[q.name] += len(mine & {slugify(t) for t in q.meta["tags"]})
            score[q.name] += 2 * len(set(graph.featured[p.name]) & set(graph.featured[q.name]))
            if q.name in graph.references[p.name] or p.name in graph.references[q.name]:
                score[q.name] += 3
        ranked = sorted((n for n, s in score.items() if s > 0), key=lambda n: (-score[n], order[n]))
        related[p.name] = ranked[:RELATED_COUNT]
    return related


def make_graph(rows) -> SimpleNamespace:
    pages = []
    for i, (day, tags, platforms, refs) in enumerate(rows):
        pages.append(SimpleNamespace(name=f"articles/a{i:02d}", meta={"date": dt.date(2026, 1, 1 + day), "tags": tags},
                                     platforms=platforms, refs=refs))
    ordered = sorted(pages, key=lambda p: (-p.meta["date"].toordinal(), p.name))
    names = [p.name for p in pages]
    return SimpleNamespace(
        articles=lambda: ordered, related={},
        featured={p.name: list(dict.fromkeys(p.platforms)) for p in pages},
        references={p.name: [names[r] for r in dict.fromkeys(p.refs) if r < len(names) and names[r] != p.name]
                    for p in pages})


ROW = st.tuples(st.integers(0, 5),
                st.lists(st.sampled_from(["Remote Work", "remote-work", "ai", "pay", "tax", "jobs"]), max_size=4),
                st.lists(st.sampled_from(["mercor", "micro1", "outlier"]), max_size=2),
                st.lists(st.integers(0, 11), max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=12))
def test_bitmask_scores_pick_what_scoring_every_pair_picks(rows):
    graph = make_graph(rows)
    _relate(graph)
    assert graph.related == by_pairs(graph)


def test_a_reference_outweighs_a_platform_and_a_platform_outweighs_a_tag():
    graph = make_graph([
        (0, ["ai"], ["mercor"], [3]),   # a00: linked to a03, shares mercor with a01, "ai" with a02
        (0, [], ["mercor"], []),
        (5, ["ai"], [], []),            # newest: would win every tie
        (0, [], [], []),
    ])
    _relate(graph)
    assert graph.related["articles/a00"] == ["articles/a03", "articles/a01", "articles/a02"]
