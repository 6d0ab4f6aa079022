"""A quick rebuild: edits inside the bodies of a few pages, without the whole graph.

Most edits change what an article says, not what other pages show of it: its
frontmatter, the pages it links to and the shortcodes it uses stay as they
were. Then only that article's own page changes, and rendering it needs a
few rows of the graph (its related pages, backlinks, the platforms), not all
10,000. This path reads those rows one at a time from the cache (written by
every full build, see graph_rows), renders the page, checks that it read
exactly the inputs its record names, and swaps the output in with that page
replaced, as the full build would.

Anything else, or anything it cannot prove, returns None and the full build
runs: a file added, removed or renamed; a template, data, asset or site.yaml
edit; a frontmatter, link or shortcode edit; a page with problems; a page
that lists others (the home page, a platform review); an output edited by
hand; a cache that does not match.
"""
from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping
from dataclasses import dataclass

from .cache import Cache, Output, State
from .content.discover import EDITOR_LEFTOVERS
from .config import BuildOptions
from .errors import Problems, shown
from .graph import Page, SiteGraph

MAX_PAGES = 32                 # more than this many edited pages: the full build, on every core
KINDS = ("article", "page")    # the home page and platform reviews list other pages


class NotQuick(Exception):
    """The rebuild needs more of the graph than this path reads."""


def graph_rows(graph: SiteGraph, outputs: dict[str, Output]):
    """What Cache.save_state keeps of ``graph`` for quick rebuilds: a function
    that, given each document's pickled skeleton, gives (shared, rows).

    A row per page (``p:<name>``) or page left out of the build (``l:<name>``):
    its skeleton, URL, output path, status, related pages, backlinks and the
    record of its output. ``shared``: the config, the data, the platforms and
    which row each page source has."""
    def rows_of(blob_of) -> tuple[bytes, dict[str, bytes]]:
        rows, sources = {}, {}
        for prefix, pages in (("p:", graph.pages), ("l:", graph.left_out)):
            for name, page in pages.items():
                row = sources[page.doc.site_path] = prefix + name
                rows[row] = _row(blob_of(page.doc.src_path), page, graph.related.get(name),
                                 graph.backlinks.get(name), outputs.get(page.out_path) if prefix == "p:" else None)
        platforms = {key: page.name for key, page in graph.platforms.items()}
        return pickle.dumps((graph.config, graph.data, platforms, sources), pickle.HIGHEST_PROTOCOL), rows
    return rows_of


def _row(blob: bytes, page: Page, related, backlinks, output: Output | None) -> bytes:
    return pickle.dumps((blob, page.url, page.out_path, page.status, related, backlinks, output),
                        pickle.HIGHEST_PROTOCOL)


def _shape(doc) -> tuple:
    """What the graph and other pages read of a document (not its body, its
    word count, its FAQ answers or the lines things stand on)."""
    return (doc.src_path, doc.name, doc.section, doc.kind, doc.meta, doc.links, doc.valid,
            [(sc.index, sc.name, sc.arg) for sc in doc.shortcodes])


@dataclass(slots=True)
class _Entry:
    page: Page
    related: list | None
    backlinks: list | None
    output: Output | None
    blob: bytes


class _Reader:
    """Rows of the graph, each read from the cache once."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.entries: dict[str, _Entry | None] = {}

    def __call__(self, row: str) -> _Entry | None:
        if row not in self.entries:
            data = self.cache.get_graph(row)
            if data is None:
                self.entries[row] = None
            else:
                blob, url, out_path, status, related, backlinks, output = pickle.loads(data)
                doc, _ = pickle.loads(blob)
                self.entries[row] = _Entry(Page(doc, url, out_path, status), related, backlinks, output, blob)
        return self.entries[row]


class _Rows(Mapping):
    """One field of the graph (pages by name, related pages, backlinks) read a
    row at a time. Going through all of them is what this path cannot do."""

    def __init__(self, read: _Reader, prefix: str, field: str):
        self._read, self._prefix, self._field = read, prefix, field

    def __getitem__(self, name: str):
        entry = self._read(self._prefix + name)
        value = None if entry is None else getattr(entry, self._field)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self):
        raise NotQuick("every page")

    def __len__(self):
        raise NotQuick("every page")


class _Unread(Mapping):
    """A field of the graph this path does not read (tags, references …)."""

    def __getitem__(self, name):
        raise NotQuick("the whole graph")

    def __iter__(self):
        raise NotQuick("the whole graph")

    def __len__(self):
        raise NotQuick("the whole graph")


@dataclass(slots=True)
class _Edit:
    site_path: str
    row: str
    entry: _Entry
    key: str
    doc: object | None     # the whole parsed Document; None when the bytes did not change


def quick_build(options: BuildOptions, head: State, stats: dict, walk, cache: Cache, clock):
    """The rebuild of an edit inside page bodies (see above), or None.
    ``walk.result()`` gives the stats of the output as it is (found meanwhile)."""
    from .pipeline import BuildResult, _settings, source_key
    problems = Problems()
    problems.extend(head.problems)
    if options.clean or head.settings != _settings(options) \
            or problems.fails(options.strict) or cache.graph_generation is None:
        return None
    clock.lap("check")
    changed = sorted(p for p in stats.keys() | head.files.keys()
                     if stats.get(p) != head.files.get(p)
                     and not (p.startswith("content/") and p.endswith(EDITOR_LEFTOVERS)))
    if not changed or len(changed) > MAX_PAGES or any(p.path in changed for p in head.problems):
        return None
    from .render import SiteRenderer
    try:
        shared = cache.graph_shared()
        delta = cache.load_delta()
        if shared is None or delta is None:
            return None
        config, data, platforms, sources = pickle.loads(shared)
        site = options.site_dir.resolve()
        if any(p not in sources or p not in head.files or p not in stats
               or not (options.site_dir / p).resolve().is_relative_to(site) for p in changed):
            return None   # a symlink out of the site is refused by the full build
        read = _Reader(cache)
        edits = []
        md = None
        for site_path in changed:
            row = sources[site_path]
            entry = read(row)
            if not row.startswith("p:") or entry is None or entry.output is None or entry.page.doc.kind not in KINDS:
                return None
            old = entry.page.doc
            key = source_key((options.site_dir / site_path).read_bytes(), old.src_path, config.base_path)
            if key == old.body_key:   # saved again as it was
                edits.append(_Edit(site_path, row, entry, key, None))
                continue
            parsed = cache.get_doc(key)
            if parsed is None:
                from .content import SourceFile, parse_document
                from .content.markdown import Highlights, MarkdownRenderer
                md = md or MarkdownRenderer(config.base_path, Highlights(cache.get_highlight))
                parsed = parse_document(SourceFile(old.src_path, options.site_dir / site_path), md)
                if parsed[0] is not None:
                    cache.put_docs([(key, parsed)], md.highlights.take())
            doc, doc_problems = parsed
            if doc is None or doc_problems or _shape(doc) != _shape(old):
                return None
            edits.append(_Edit(site_path, row, entry, key, doc))
        clock.lap("parse")

        for edit in edits:
            if edit.doc is not None:
                p = edit.entry.page
                read.entries[edit.row] = dataclasses.replace(edit.entry, page=Page(edit.doc, p.url, p.out_path, p.status))
        graph = SiteGraph(config, data, options.today,
                          pages=_Rows(read, "p:", "page"), left_out=_Rows(read, "l:", "page"),
                          related=_Rows(read, "p:", "related"), backlinks=_Rows(read, "p:", "backlinks"),
                          platforms={key: _Rows(read, "p:", "page")[name] for key, name in platforms.items()},
                          tags=_Unread(), tag_names=_Unread(), references=_Unread(), featured=_Unread(),
                          named=_Unread())
        renderer = SiteRenderer(graph, options.site_dir / "templates", compiled_dir=cache.dir / "templates")
        files = []
        for edit in edits:
            if edit.doc is not None:
                f = renderer.page(read.entries[edit.row].page)
                if f.deps != frozenset(edit.entry.output.deps):
                    return None    # it reads other inputs now: the full build finds out what else changed
                files.append(f)
    except Exception:   # more than it reads (NotQuick), a damaged row, a template error …
        return None     # the full build finds out, and reports what is the writer's to fix

    from .search import OUTPUT_SUBDIR, SearchIndexFailed, index_output
    from .write import BaseUnusable, SiteWriter
    out_now = walk.result(share=True)   # its first third checked here, while the child checks the rest
    if out_now != head.out_stats:   # edited by hand: the full build finds what to mend
        return None
    if not files:   # saved again as they were: nothing to write
        cache.forget_state()
        cache.save_quick(dataclasses.replace(head, files=stats), delta_with(edits, stats, delta, None)[0], shared, {})
        clock.lap("write")
        return BuildResult(problems.sorted(), True, pages=head.pages, files=0, timings=clock.timings)
    fresh = {f.out_path for f in files}
    try:
        with SiteWriter(options.out_dir, previous=dict(head.digests), trash=cache.dir / "trash", base=head.base,
                        current=out_now, recorded=frozenset(head.digests), copy_in_background=cache.keep_warm,
                        recorded_folders=frozenset(p for p in head.out_stats if p.endswith("/")),
                        base_examined=walk.base_examined,
                        current_racy=frozenset(head.out_check.racy) if head.out_check else frozenset()) as writer:
            kept = [p for p in head.digests if p not in fresh]
            if options.search:   # the index is the search stage's to keep or make again
                kept = [p for p in kept if not p.startswith(f"{OUTPUT_SUBDIR}/")]
            missing = writer.keep_all(kept)
            if missing:
                raise BaseUnusable(missing[0])   # gone since the walk: the full build copes
            for f in files:
                writer.write(f)
            clock.lap("render")  # and carry the other files over
            search = None
            if options.search:
                search = index_output(writer, head.digests, head.digests, head.search, options.jobs)
            clock.lap("search")
            cache.forget_state()
            writer.commit()
    except BaseUnusable:
        return None   # the full build starts again
    except SearchIndexFailed as exc:   # the full build would only run Pagefind into it again
        problems.error(shown(options.out_dir, options.site_dir), 1, str(exc))
        return BuildResult(problems.sorted(), False, timings=clock.timings)

    delta, rows = delta_with(edits, stats, delta, writer.digests)
    cache.save_quick(dataclasses.replace(head, files=stats, digests=writer.digests, out_stats=writer.out_stats,
                                         out_check=writer.out_check, base=writer.kept_base, search=search),
                     delta, shared, rows)
    clock.lap("write")
    return BuildResult(problems.sorted(), True, pages=head.pages, files=len(writer.changed),
                       timings=clock.timings, changed=sorted(writer.changed))


def delta_with(edits: list[_Edit], stats: dict, delta: tuple[dict, dict], digests: dict | None):
    """The records' delta and the graph's rows after ``edits``: each edited
    page's new source, skeleton and output (``digests``: of the new output)."""
    from .pipeline import skeleton
    docs, outputs = delta
    rows = {}
    for edit in edits:
        src_path, stat = edit.entry.page.doc.src_path, stats[edit.site_path]
        if edit.doc is None:
            docs[src_path] = (stat, edit.key, edit.entry.blob)
            continue
        blob = pickle.dumps((skeleton(edit.doc, edit.key), []), pickle.HIGHEST_PROTOCOL)
        docs[src_path] = (stat, edit.key, blob)
        page, old = edit.entry.page, edit.entry.output
        output = outputs[page.out_path] = Output(digests[page.out_path], old.deps, old.mark)
        rows[edit.row] = _row(blob, page, edit.entry.related, edit.entry.backlinks, output)
    return (docs, outputs), rows
