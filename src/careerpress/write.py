"""Stage 5: the only module that touches the output folder.

Everything is written into a fresh temporary folder beside the output; only a
complete build is swapped in, so a failed or killed build leaves the previous
output exactly as it was, and no file the build did not produce survives.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .render.types import RenderedFile


@dataclass(frozen=True)
class Copy:
    src: Path          # a file on disk
    out_path: str      # where it goes in the output
    origin: str        # the site path it came from, for messages


class OutputCollision(Exception):
    def __init__(self, out_path: str, first: str, second: str):
        super().__init__(f"{first} and {second} both write {out_path}")
        self.out_path, self.first, self.second = out_path, first, second


def check_collisions(files: Iterable[RenderedFile], copies: Iterable[Copy]) -> None:
    """Two sources claiming one output path is a mistake, never a silent overwrite."""
    claimed: dict[str, str] = {}
    for out_path, origin in [*((f.out_path, f.origin or f"careerpress's /{f.out_path}") for f in files),
                             *((c.out_path, c.origin) for c in copies)]:
        if out_path in claimed:
            raise OutputCollision(out_path, claimed[out_path], origin)
        claimed[out_path] = origin


def write_site(files: Iterable[RenderedFile], copies: Iterable[Copy], out_dir: Path,
               finish: Callable[[Path], None] | None = None) -> int:
    """Write every file into a temporary folder, let ``finish`` add to it (the
    search index), then swap it in. Returns the file count."""
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    count = 0
    try:
        made: set[Path] = set()
        for f in files:
            target = tmp / f.out_path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(f.content)
            count += 1
        for c in copies:
            target = tmp / c.out_path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            shutil.copyfile(c.src, target)
            count += 1
        if finish is not None:
            finish(tmp)
        os.chmod(tmp, 0o755)
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count


def _swap(new: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(new, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.rmdir(old)
    os.rename(out_dir, old)
    try:
        os.rename(new, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
