"""build(options) -> BuildResult: the stages composed, each timed.

discover -> parse (in parallel) -> load data -> build graph -> render -> write.
Nothing is written unless every stage succeeded.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import BuildOptions, SiteConfig, load_config
from .content import Document, SourceFile, discover_sources, load_data, parse_document
from .content.markdown import MarkdownRenderer
from .errors import Problem, Problems
from .graph import SiteGraph, build_graph
from .render import RenderedFile, TemplateProblem, render_site
from .search import SearchIndexFailed, build_search_index
from .write import Copy, OutputCollision, check_collisions, write_site

PARALLEL_THRESHOLD = 64   # below this many pages a pool costs more than it saves


@dataclass
class BuildResult:
    problems: list[Problem]
    ok: bool
    pages: int = 0
    files: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    records: dict[str, frozenset[str]] = field(default_factory=dict)  # out_path -> inputs it was made from
    graph: SiteGraph | None = None


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
    global _worker_md
    _worker_md = MarkdownRenderer(base_path)


def _parse_in_worker(source: SourceFile):
    return parse_document(source, _worker_md)


def parse_all(sources: list[SourceFile], base_path: str, jobs: int) -> list[tuple[Document | None, list[Problem]]]:
    """Every page parsed, in the order given, on ``jobs`` processes."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(sources) < PARALLEL_THRESHOLD:
        md = MarkdownRenderer(base_path)
        return [parse_document(s, md) for s in sources]
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
        else multiprocessing.get_context()
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(base_path,)) as pool:
        chunk = max(1, min(64, len(sources) // (jobs * 8)))
        return pool.map(_parse_in_worker, sources, chunksize=chunk)


# ---------------------------------------------------------------- the pipeline
def load_site(options: BuildOptions, problems: Problems, clock: _Clock | None = None) -> tuple[SiteConfig | None, SiteGraph | None, list]:
    """Stages 1–3: config, sources, documents, data and the graph."""
    clock = clock or _Clock()
    site = options.site_dir
    config = load_config(site, problems, options.base_url)
    sources = discover_sources(site / "content", problems)
    clock.lap("discover")
    if config is None:
        return None, None, []
    docs = []
    for doc, doc_problems in parse_all(sources.pages, config.base_path, options.jobs):
        problems.extend(doc_problems)
        if doc is not None:
            docs.append(doc)
    clock.lap("parse")
    data = load_data(sources.data, problems)
    graph = build_graph(docs, data, config, options.today, options.drafts, problems)
    clock.lap("graph")
    return config, graph, sources.assets


def copies_for(site: Path, graph: SiteGraph, assets: list[SourceFile]) -> list[Copy]:
    """static/ to the output root; files beside a page bundle to the page's folder."""
    copies = []
    static = site / "static"
    if static.is_dir():
        for dirpath, dirnames, filenames in os.walk(static):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                p = Path(dirpath) / name
                rel = p.relative_to(static).as_posix()
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


def build(options: BuildOptions, write: bool = True) -> BuildResult:
    clock = _Clock()
    problems = Problems()
    config, graph, assets = load_site(options, problems, clock)
    if graph is None or problems.fails(options.strict):
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    try:
        files: list[RenderedFile] = render_site(graph, options.site_dir / "templates")
    except TemplateProblem as exc:
        problems.extend([exc.problem])
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    clock.lap("render")
    copies = copies_for(options.site_dir, graph, assets)
    try:
        check_collisions(files, copies)
    except OutputCollision as exc:
        source, other = (exc.first, exc.second) if exc.second.startswith("careerpress") else (exc.second, exc.first)
        problems.error(source, 1, f"writes {exc.out_path}, which {other} writes too")
        return BuildResult(problems.sorted(), False, timings=clock.timings)
    count = 0
    if write:
        try:
            count = write_site(files, copies, options.out_dir,
                               finish=build_search_index if options.search else None)
        except SearchIndexFailed as exc:
            problems.error("public", 1, str(exc))
            return BuildResult(problems.sorted(), False, timings=clock.timings)
    clock.lap("write")
    return BuildResult(problems.sorted(), True, pages=len(graph.pages), files=count, timings=clock.timings,
                       records={f.out_path: f.deps for f in files}, graph=graph)
