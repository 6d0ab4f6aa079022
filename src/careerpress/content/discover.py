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


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def discover_sources(content_dir: Path, problems: Problems) -> Sources:
    """Every page, data file and asset under ``content_dir``, in a stable order.

    Names starting with ``_`` or ``.`` are never pages; ``_data/`` holds the data
    files. A symlink that points outside the site is refused.
    """
    sources = Sources()
    root = content_dir.resolve()
    site_root = root.parent
    for dirpath, dirnames, filenames in os.walk(content_dir, followlinks=True):
        here = Path(dirpath)
        rel_dir = here.relative_to(content_dir).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in sorted(dirnames):
            if _hidden(d):
                continue
            if not _inside(here / d, site_root, rel_dir + d, problems):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if _hidden(name) or name.endswith(("~", ".swp", ".swx", ".tmp")):
                continue
            src = SourceFile(rel_dir + name, here / name)
            if not _inside(src.abs_path, site_root, src.src_path, problems):
                continue
            if name == "site.yaml" and not rel_dir:
                continue
            (sources.pages if name.endswith(".md") else sources.assets).append(src)
    data_dir = content_dir / "_data"
    if data_dir.is_dir():
        for p in sorted(data_dir.iterdir()):
            if p.suffix in (".yaml", ".yml") and not _hidden(p.name):
                src = SourceFile(f"_data/{p.name}", p)
                if _inside(p, site_root, src.src_path, problems):
                    sources.data.append(src)
    return sources


def _inside(path: Path, site_root: Path, src_path: str, problems: Problems) -> bool:
    if not path.is_symlink():
        return True
    target = path.resolve()
    if target == site_root or site_root in target.parents:
        return True
    problems.error("content/" + src_path, 1, "symlink points outside the site; refused")
    return False
