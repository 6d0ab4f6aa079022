"""Stage 1: walk content/ and sort what is there into pages, data and assets."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problems


@dataclass(frozen=True)
class SourceFile:
    src_path: str      # relative to content/, with '/' separators
    abs_path: Path

    @property
    def site_path(self) -> str:
        """The path problems are reported with: relative to the site folder."""
        return "content/" + self.src_path


@dataclass
class Sources:
    pages: list[SourceFile] = field(default_factory=list)
    data: list[SourceFile] = field(default_factory=list)     # content/_data/*.yaml
    assets: list[SourceFile] = field(default_factory=list)   # images beside pages, copied as they are


EDITOR_LEFTOVERS = ("~", ".swp", ".swx", ".tmp")   # backup and swap files: never part of the site


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def discover_sources(content_dir: Path, problems: Problems) -> Sources:
    """Every page, data file and asset under ``content_dir``, in a stable order.

    Names starting with ``_`` or ``.`` are never pages; ``_data/`` holds the data
    files. A symlink that points outside the site is refused.
    """
    sources = Sources()
    site_root = content_dir.resolve().parent

    def visit(folder: str, rel_dir: str) -> None:   # as os.walk(followlinks=True), top-down, sorted
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        folders = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if not _hidden(name) and _inside(entry, site_root, rel_dir + name, problems):
                    folders.append(entry)
                continue
            if _hidden(name) or name.endswith(EDITOR_LEFTOVERS):
                continue
            if not _inside(entry, site_root, rel_dir + name, problems):
                continue
            if name == "site.yaml" and not rel_dir:
                continue
            src = SourceFile(rel_dir + name, Path(entry.path))
            (sources.pages if name.endswith(".md") else sources.assets).append(src)
        for entry in folders:
            visit(entry.path, f"{rel_dir}{entry.name}/")

    visit(str(content_dir), "")
    data_dir = content_dir / "_data"
    if data_dir.is_dir():
        for p in sorted(data_dir.iterdir()):
            if p.suffix in (".yaml", ".yml") and not _hidden(p.name):
                src = SourceFile(f"_data/{p.name}", p)
                if _inside(p, site_root, src.src_path, problems):
                    sources.data.append(src)
    return sources


def _inside(path: Path | os.DirEntry, site_root: Path, src_path: str, problems: Problems) -> bool:
    if not path.is_symlink():
        return True
    target = Path(os.fspath(path)).resolve()
    if target == site_root or site_root in target.parents:
        return True
    problems.error("content/" + src_path, 1, "symlink points outside the site; refused")
    return False
