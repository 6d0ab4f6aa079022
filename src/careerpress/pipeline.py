"""build(options) -> BuildResult: the stages composed, each timed.

discover -> parse (in parallel) -> load data -> build graph -> render (in
parallel) -> write -> search index. Nothing is published unless every stage
succeeded. With a cache from an earlier build, unchanged sources are not parsed
again and only outputs whose inputs changed are rendered again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .cache import FORMAT, Cache, Output, State, scan
from .config import BuildOptions
from .errors import Problem, Problems, shown
from .outwalk import OutputWalk

# The stages themselves (Markdown, Jinja, Pygments behind them) are imported
# by the functions that run them: a no-op build reads the cache's head and
# stats the files, and does not pay for importing them.
if TYPE_CHECKING:
    from .content import Document, SourceFile
    from .content.markdown import MarkdownRenderer
    from .graph import SiteGraph
    from .render import RenderedFile
    from .write import Copy, SiteWriter

PARALLEL_THRESHOLD = 64   # below this many pages a pool costs more than it saves


@functools.lru_cache(maxsize=None)
def _engine() -> bytes:
    """What a parsed body depends on besides its source (part of its cache key):
    the Markdown set-up, and the cache's format (the shape of a Document)."""
    from .content.markdown import signature
    return f"{FORMAT}\0{signature()}".encode()


@dataclass
class BuildResult:
    problems: list[Problem]
    ok: bool
    pages: int = 0
    files: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    records: dict[str, frozenset[str]] = field(default_factory=dict)  # out_path -> inputs it was made from
    graph: SiteGraph | None = None
    changed: list[str] = field(default_factory=list)   # output files written anew (not carried over)


class _Clock:
    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now


# ---------------------------------------------------------------- parsing
_worker_md: MarkdownRenderer | None = None


def _init_worker(base_path: str) -> None:
    from .content.markdown import MarkdownRenderer
    global _worker_md
    gc.enable()   # see build(): a worker parses for long, and collects as it goes
    _worker_md = MarkdownRenderer(base_path)


def _parse_in_worker(item: tuple[SourceFile, str | None]):
    return _parsed(*item, _worker_md)


def _parsed(source: SourceFile, key: str | None, md) -> tuple[Document | None, list[Problem], bytes | None, list]:
    """A page parsed; with its cache ``key``: its skeleton and the whole
    (document, problems) pickled for the cache, made where it was parsed (the
    main process would unpickle the whole and pickle it again: at 10,000
    pages, seconds of a core that the parsing processes need), and the code
    blocks Pygments highlighted for it."""
    from .content import parse_document
    doc, problems = parse_document(source, md)
    fresh = md.highlights.take()
    if key is None or doc is None:
        return doc, problems, None, fresh
    return skeleton(doc, key), problems, pickle.dumps((doc, problems), protocol=pickle.HIGHEST_PROTOCOL), fresh


def parse_all(sources: list[SourceFile], base_path: str, jobs: int, keys: list[str] | None = None,
              highlights: Callable[[bytes], str | None] | None = None
              ) -> Iterator[tuple[Document | None, list[Problem], bytes | None, list]]:
    """Every page parsed, in the order given, on ``jobs`` processes: each
    document, its problems, given the pages' cache ``keys`` the document as a
    skeleton and the whole pickled (see _parsed), and its freshly highlighted
    code blocks. ``highlights`` looks a code block up in the cache; a pool's
    processes do not, having many pages to spread Pygments' start over."""
    import multiprocessing   # a one-page rebuild does not pay for importing it
    from .content.markdown import Highlights, MarkdownRenderer
    items = list(zip(sources, keys or [None] * len(sources)))
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(sources) < PARALLEL_THRESHOLD:
        md = MarkdownRenderer(base_path, Highlights(highlights))
        yield from (_parsed(*item, md) for item in items)
        return
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
        else multiprocessing.get_context()
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(base_path,)) as pool:
        chunk = max(1, min(64, len(sources) // (jobs * 8)))
        yield from pool.imap(_parse_in_worker, items, chunksize=chunk)


# ---------------------------------------------------------------- rendering in parallel
_render_job: tuple | None = None   # (SiteRenderer, tasks, put), set before the pool forks


def _render_in_worker(i: int) -> list[RenderedFile]:
    renderer, tasks, put = _render_job
    files = _render_task(renderer, tasks[i])
    return files if put is None else [put(f) for f in files]


def _render_task(renderer, task) -> list[RenderedFile]:
    kind, arg, only = task
    if kind == "page":
        return [renderer.page(renderer.graph.pages[arg])]
    return renderer.listing(arg, only, [])


def render_all(renderer, tasks: list[tuple], jobs: int, put=None):
    """Yield the files of every task, in order, on ``jobs`` processes. With
    several, each process passes the files it rendered through ``put``
    (SiteWriter.put: it writes them into the next tree) before sending them."""
    import multiprocessing
    global _render_job
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) < PARALLEL_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield from _render_task(renderer, task)
        return
    _render_job = (renderer, tasks, put)
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=gc.enable) as pool:
            for files in pool.imap(_render_in_worker, range(len(tasks)), chunksize=16):
                yield from files
    finally:
        _render_job = None


# ---------------------------------------------------------------- the pipeline
def load_documents(sources: list[SourceFile], stats: dict, state: State | None, cache: Cache | None,
                   base_path: str, jobs: int) -> tuple[list[Document], list[Problem], dict, dict[str, bytes]]:
    """Every page's Document: from the cache when its file is unchanged, else parsed.

    Returns the documents, their problems, the cache entries for the next state
    and the digest of every page source."""
    docs, problems, entries, digests = [], [], {}, {}
    to_parse: list[tuple[SourceFile, str]] = []
    known = state.docs if state and state.base_path == base_path else {}
    for src in sources:
        stat = stats.get(src.site_path)
        old = known.get(src.src_path)
        if old is not None and old[0] == stat:
            _, key, kept, doc_problems = old
            docs.append(kept)
            problems.extend(doc_problems)
            entries[src.src_path] = old
            digests[src.site_path] = bytes.fromhex(key[:24])
            continue
        key = source_key(src.abs_path.read_bytes(), src.src_path, base_path)
        digests[src.site_path] = bytes.fromhex(key[:24])
        cached = cache.get_doc(key) if cache else None
        if cached is not None:
            doc, doc_problems = cached
            docs.append(doc)
            problems.extend(doc_problems)
            entries[src.src_path] = (stat, key, skeleton(doc, key), doc_problems)
        else:
            to_parse.append((src, key))
    # Parsed bodies go to the cache as they come, and the build keeps only
    # skeletons: rendering reads each body back when it needs it, so memory
    # does not grow with the site's text. Without a cache it keeps them all.
    fresh: list[tuple[int, str, bytes]] = []
    highlighted: list[tuple[bytes, str]] = []

    def store() -> None:
        if not cache.put_doc_blobs([(key, blob) for _, key, blob in fresh], highlighted):
            for i, _, blob in fresh:
                docs[i] = pickle.loads(blob)[0]
        fresh.clear()
        highlighted.clear()

    keys = [key for _, key in to_parse] if cache is not None else None
    parsed = parse_all([s for s, _ in to_parse], base_path, jobs, keys, cache.get_highlight if cache else None)
    for (src, key), (doc, doc_problems, blob, code) in zip(to_parse, parsed):
        problems.extend(doc_problems)
        if doc is None:
            continue
        if cache is None:
            entries[src.src_path] = (stats.get(src.site_path), key, skeleton(doc, key), doc_problems)
            docs.append(doc)
            continue
        entries[src.src_path] = (stats.get(src.site_path), key, doc, doc_problems)
        docs.append(doc)
        fresh.append((len(docs) - 1, key, blob))
        highlighted.extend(code)
        if len(fresh) == 256:
            store()
    if fresh:
        store()
    return docs, problems, entries, digests


def source_key(data: bytes, src_path: str, base_path: str) -> str:
    """A page source's key in the cache: its bytes, where it is and what parsing it depends on."""
    return hashlib.blake2b(data + b"\0" + src_path.encode() + b"\0" + base_path.encode() + b"\0" + _engine(),
                           digest_size=16).hexdigest()


def _source_digests(docs: dict[str, tuple]) -> dict[str, bytes]:
    """Site path of each page -> the digest of its source, from the state's docs."""
    return {"content/" + src_path: bytes.fromhex(entry[1][:24]) for src_path, entry in docs.items()}


def skeleton(doc: Document, key: str) -> Document:
    """The document without its body and the body's headings: what the state
    keeps of every page (the graph never reads them; rendering the page reads
    the whole document back from the cache)."""
    from .incremental import fingerprint
    return dataclasses.replace(doc, body_html=None, headings=None, body_key=key, meta_digest=fingerprint(doc.meta))


def copies_for(site: Path, graph: SiteGraph, assets: list[SourceFile], problems: Problems) -> list[Copy]:
    """static/ to the output root; files beside a page bundle to the page's folder.
    A symlink that points outside the site is refused, as in content/."""
    from .write import Copy
    copies = []
    static = site / "static"
    root = site.resolve()
    if static.is_dir():
        for dirpath, dirnames, filenames in os.walk(static):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                p = Path(dirpath) / name
                rel = p.relative_to(static).as_posix()
                if p.is_symlink() and root not in p.resolve().parents:
                    problems.warning(f"static/{rel}", 1, "symlink points outside the site; not copied")
                    continue
                copies.append(Copy(p, rel, f"static/{rel}"))
    # A bundle's files follow its page (to the page's URL, slug included); the
    # files of a bundle left out of this build (a draft) are left out too.
    bundles = {p.doc.src_path[: -len("/index.md")]: p for p in graph.pages.values()
               if p.doc.src_path.endswith("/index.md")}
    left_out = {p.doc.src_path[: -len("/index.md")] for p in graph.left_out.values()
                if p.doc.src_path.endswith("/index.md")}
    for asset in assets:
        parts = asset.src_path.split("/")
        for cut in range(len(parts) - 1, 0, -1):
            folder = "/".join(parts[:cut])
            if folder in bundles:
                rest = "/".join(parts[cut:])
                copies.append(Copy(asset.abs_path, bundles[folder].url.lstrip("/") + rest, asset.site_path))
                break
            if folder in left_out:
                break
        else:
            copies.append(Copy(asset.abs_path, asset.src_path, asset.site_path))
    return copies


def _settings(options: BuildOptions) -> tuple:
    return (FORMAT, str(options.out_dir.absolute()), options.base_url, options.drafts, options.search, options.today)


def _base_work(cache: Cache, head: State | None, options: BuildOptions) -> tuple[Path, list[str], tuple] | None:
    """The kept tree the writer will reuse, the files the walk's child can
    bring up to date in it meanwhile (those the current output changed; not
    the top folder's, whose ctime tells that the tree is ours) and that ctime."""
    base = head.base if head is not None else None
    if base is None or head.settings[1] != _settings(options)[1] or not base.worth_reusing(len(head.digests)):
        return None
    return cache.dir / "trash" / base.name, [p for p in base.differs if "/" in p and p in head.digests], base.stamp


def _intact(state: State, out_now: dict) -> dict[str, bytes]:
    """Digests of the output files that are still exactly as the last build
    left them (same mtime and size): the ones a build may carry over."""
    then = state.out_stats
    return {path: sha for path, sha in state.digests.items() if path in out_now and out_now[path] == then.get(path)}


def build(options: BuildOptions, write: bool = True, cache: Cache | None = None) -> BuildResult:
    """Build the site; with ``write``, into options.out_dir, using and keeping
    the incremental cache (``cache``, or the site's own) unless options.clean."""
    # The build loads and makes objects by the hundred thousand (the state's
    # skeletons, the graph, the records of every output) and hardly any cycles:
    # the cyclic collector would walk the growing heap again and again for
    # nothing (a third of a one-page rebuild at 10,000 pages). It is off until
    # the build ends; the worker processes turn it on again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_site(options, write, cache)
    finally:
        if collecting:
            gc.enable()


def _build_site(options: BuildOptions, write: bool, cache: Cache | None) -> BuildResult:
    clock = _Clock()
    problems = Problems()
    site = options.site_dir
    own_cache = cache is None
    cache = cache or (Cache(site) if write else None)
    lock = cache.lock() if cache else contextlib.nullcontext()
    try:
        with lock:
            head = cache.load_state(whole=False) if cache and not options.clean else None
            # The output, found once per build: what a no-op must find as the
            # last build left it, and what the next tree must not keep.
            walk = OutputWalk(options.out_dir if write else None,
                               (head.out_stats, head.out_check) if head is not None else None,
                               _base_work(cache, head, options))
            try:
                stats = scan(site)
                if head is not None and head.settings == _settings(options) and head.files == stats \
                        and walk.result(share=True) == head.out_stats:
                    problems.extend(head.problems)
                    ok = not problems.fails(options.strict)
                    clock.lap("check")
                    return BuildResult(problems.sorted(), ok, pages=head.pages, files=0, timings=clock.timings)
                if head is not None and write:
                    from .quick import quick_build
                    if (quick := quick_build(options, head, stats, walk, cache, clock)) is not None:
                        return quick
                state = cache.load_state() if head is not None else None
                return _build(options, write, clock, problems, cache, state, stats, walk)
            finally:
                walk.close()
    except OSError as exc:  # the output or cache folder cannot be written: read-only, full …
        where = shown(Path(exc.filename or options.out_dir), site)
        reason = "a file is in the way of a folder" if isinstance(exc, (FileExistsError, NotADirectoryError)) \
            else (exc.strerror or str(exc))
        problems.error(where, 1, f"cannot write the output: {reason}")
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    finally:
        if cache is not None and own_cache:
            cache.close()


def _build(options, write, clock, problems, cache, state, stats, walk) -> BuildResult:
    from .config import load_config
    from .content import discover_sources, load_data
    from .content.document import kind_of
    from .graph import build_graph
    from .incremental import Fingerprints
    from .quick import graph_rows
    from .render import Listed, SiteRenderer, TemplateProblem
    from .search import SearchIndexFailed
    from .write import BaseUnusable, OutputCollision, SiteWriter
    site = options.site_dir
    config = load_config(site, problems, options.base_url)
    sources = discover_sources(site / "content", problems)
    clock.lap("discover")
    if config is None:
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    if state is not None and state.settings[2:] != _settings(options)[2:]:
        state = dataclasses.replace(state, outputs={}, related=((), {}))  # other options: parse cache only
    docs, doc_problems, entries, digests = load_documents(sources.pages, stats, state, cache,
                                                          config.base_path, options.jobs)
    problems.extend(doc_problems)
    clock.lap("parse")
    data = load_data(sources.data, problems)
    graph = build_graph(docs, data, config, options.today, options.drafts, problems,
                        related=state.related if state else ((), {}),
                        names={kind_of(src.src_path)[0] for src in sources.pages})
    clock.lap("graph")
    if problems.fails(options.strict):
        return BuildResult(problems.sorted(), False, timings=clock.timings)

    renderer = SiteRenderer(graph, site / "templates", body_of=_body_loader(cache),
                            compiled_dir=cache.dir / "templates" if cache else None)
    marks = Fingerprints(graph, renderer, site, digests, _source_digests(state.docs) if state else {})
    previous = state.outputs if state else {}
    out_now = walk.result()   # the output's stats
    old_digests = _intact(state, out_now) if state and write else {}

    def fresh(out_path: str, owner: str) -> bool:
        old = previous.get(out_path)
        return not (out_path in old_digests and old is not None and marks.unchanged(old, owner))

    listed: list[Listed] = []
    tasks, kept = [], []
    for page in sorted(graph.pages.values(), key=lambda p: p.name):
        if (item := renderer.listed_page(page)) is not None:
            listed.append(item)
        if fresh(page.out_path, page.doc.site_path):
            tasks.append(("page", page.name, None))
        else:
            kept.append((page.out_path, page.doc.site_path))
    for i in range(len(renderer.listings)):
        numbers = {n for n, out_path in enumerate(renderer.listing_out_paths(i), 1) if fresh(out_path, "")}
        if numbers:
            tasks.append(("listing", i, numbers))
        kept += [(out_path, "") for n, out_path in enumerate(renderer.listing_out_paths(i), 1)
                 if n not in numbers]
        renderer.listing(i, set(), listed)  # its sitemap entries, nothing rendered
    copies = copies_for(site, graph, sources.assets, problems)
    if problems.fails(options.strict):
        return BuildResult(problems.sorted(), False, timings=clock.timings)

    outputs: dict[str, Output] = {}
    try:
        if not write:
            for f in [*render_all(renderer, tasks, 1), *renderer.generated(listed)]:
                outputs[f.out_path] = Output(b"", *marks.record(f.deps, f.origin))
        else:
            same_out = state is not None and state.settings[1] == _settings(options)[1]
            with SiteWriter(options.out_dir, previous=dict(old_digests), trash=cache.dir / "trash",
                            base=state.base if same_out else None, current=out_now,
                            recorded=frozenset(state.digests) if same_out else frozenset(),
                            copy_in_background=cache.keep_warm, base_examined=walk.base_examined,
                            current_racy=frozenset(state.out_check.racy)
                            if state is not None and state.out_check is not None and out_now == state.out_stats
                            else frozenset()) as writer:
                for out_path, owner in kept:
                    if not writer.keep(out_path, owner or f"/{out_path}"):
                        raise _Stale(out_path)
                    outputs[out_path] = previous[out_path]
                for f in render_all(renderer, tasks, options.jobs, writer.put):
                    writer.write(f)
                    outputs[f.out_path] = Output(writer.digests[f.out_path], *marks.record(f.deps, f.origin))
                for f in renderer.generated(listed):
                    writer.write(f)
                    outputs[f.out_path] = Output(writer.digests[f.out_path], *marks.record(f.deps, f.origin))
                for c in copies:
                    writer.copy(c, _copy_digest(c, site, stats, state, old_digests))
                clock.lap("render")
                search = None
                if options.search:
                    from .search import index_output
                    search = index_output(writer, state.digests if state else {}, old_digests,
                                          state.search if state else None, options.jobs)
                clock.lap("search")
                cache.forget_state()
                writer.commit()
                cache.save_state(State(
                    format=FORMAT, settings=_settings(options), files=stats, problems=problems.items,
                    docs=entries, outputs=outputs, digests=writer.digests,
                    out_stats=writer.out_stats, out_check=writer.out_check, base=writer.kept_base,
                    search=search,
                    related=(graph.related_signature, graph.related), pages=len(graph.pages),
                    base_path=config.base_path,
                    copy_sources={c.out_path: c.src.relative_to(site).as_posix() for c in copies
                                  if c.src.is_relative_to(site)}), graph=graph_rows(graph, outputs))
    except TemplateProblem as exc:
        problems.extend([exc.problem])
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    except OutputCollision as exc:
        source, other = (exc.first, exc.second) if exc.second.startswith("careerpress") else (exc.second, exc.first)
        problems.error(source, 1, f"writes {exc.out_path}, which {other} writes too")
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    except SearchIndexFailed as exc:
        problems.error(shown(options.out_dir, options.site_dir), 1, str(exc))
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    except (_Stale, BaseUnusable):
        if state is None:
            # A build from nothing: the cache lost what this very build put in
            # it (a parsed body), and another try would do the same.
            problems.error(".careerpress-cache", 1, "the cache lost what the build stored in it; "
                           "delete the folder and build again")
            return BuildResult(problems.sorted(), False, timings=clock.timings)
        # The previous output (or the one before it, kept to be reused) is not
        # what the cache remembers: build it whole, in a fresh folder.
        return _build(dataclasses.replace(options, clean=True), write, _Clock(), Problems(), cache, None, stats,
                      walk)
    clock.lap("write")
    return BuildResult(problems.sorted(), True, pages=len(graph.pages),
                       files=len(writer.changed) if write else 0, timings=clock.timings,
                       records={k: frozenset(o.deps) for k, o in outputs.items()}, graph=graph,
                       changed=sorted(writer.changed) if write else [])


class _Stale(Exception):
    pass


def _body_loader(cache: Cache | None):
    def body_of(doc: Document) -> Document:
        entry = cache.get_doc(doc.body_key) if cache and doc.body_key else None
        if entry is None:
            raise _Stale(doc.site_path)
        return entry[0]
    return body_of


def _copy_digest(c: Copy, site: Path, stats: dict, state: State | None, old_digests: dict) -> bytes:
    """The digest of a copied file, read again only when its stat changed."""
    from .write import digest
    rel = c.src.relative_to(site).as_posix() if c.src.is_relative_to(site) else None
    if state is not None and rel is not None and state.files.get(rel) == stats.get(rel) \
            and state.copy_sources.get(c.out_path) == rel and c.out_path in old_digests:
        return old_digests[c.out_path]
    return digest(c.src.read_bytes())


