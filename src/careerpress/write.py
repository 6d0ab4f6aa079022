"""Stage 5: the only module that touches the output folder.

The next site is assembled in a fresh folder beside the output and swapped in
whole, only when the build succeeded: a failed or killed build leaves the
previous output exactly as it was, and no file the build did not produce
survives. A file whose bytes did not change is hard-linked from the previous
output instead of written again, so it keeps its mtime (rsync and S3 sync
upload only what changed).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass
class SiteWriter:
    """Assembles the next output folder; ``commit()`` swaps it in, leaving the
    ``with`` block by an exception throws it away."""

    out_dir: Path
    previous: dict[str, bytes] = field(default_factory=dict)   # out_path -> digest in the current output
    trash: Path | None = None      # where the replaced output goes to be removed in the background
    claimed: dict[str, str] = field(default_factory=dict)      # out_path -> what produced it
    digests: dict[str, bytes] = field(default_factory=dict)    # out_path -> digest in the new output
    changed: set[str] = field(default_factory=set)             # out_paths whose bytes are new

    def __post_init__(self):
        self.out_dir = self.out_dir.absolute()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        # Folders a killed build left beside the output (the site's lock is held).
        for stale in self.out_dir.parent.glob(f".{self.out_dir.name}.[no][el][wd]-*"):
            if stale.is_dir() and stale.name.split("-", 1)[0] in (f".{self.out_dir.name}.new",
                                                                   f".{self.out_dir.name}.old"):
                shutil.rmtree(stale, ignore_errors=True)
        if self.trash is not None and self.trash.is_dir():
            for stale in self.trash.iterdir():   # a removal that was cut short
                _remove_in_background(stale)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
        self._old, self._new = str(self.out_dir), str(self.tmp)
        self._dirs: set[str] = {self._new}

    def __enter__(self) -> SiteWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def claim(self, out_path: str, origin: str) -> None:
        """Two sources claiming one output path is a mistake, never a silent overwrite."""
        if out_path in self.claimed:
            raise OutputCollision(out_path, self.claimed[out_path], origin)
        self.claimed[out_path] = origin

    def _target(self, out_path: str) -> str:
        target = os.path.join(self._new, out_path)
        parent = os.path.dirname(target)
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        return target

    def keep(self, out_path: str, origin: str, known: bytes | None = None) -> bool:
        """Carry a file over from the current output unchanged (a hard link)."""
        sha = known if known is not None else self.previous.get(out_path)
        if sha is None:
            return False
        self.claim(out_path, origin)
        old, target = os.path.join(self._old, out_path), self._target(out_path)
        try:
            os.link(old, target)
        except OSError:
            if not os.path.isfile(old):
                del self.claimed[out_path]
                return False
            shutil.copy2(old, target)     # another file system, or too many links
        self.digests[out_path] = sha
        return True

    def write(self, f: RenderedFile) -> None:
        sha = digest(f.content)
        if self.previous.get(f.out_path) == sha and self.keep(f.out_path, f.origin or f"/{f.out_path}", sha):
            return
        self.claim(f.out_path, f.origin or f"careerpress's /{f.out_path}")
        with open(self._target(f.out_path), "wb") as fh:
            fh.write(f.content)
        self.digests[f.out_path] = sha
        self.changed.add(f.out_path)

    def copy(self, c: Copy, sha: bytes) -> None:
        if self.previous.get(c.out_path) == sha and self.keep(c.out_path, c.origin, sha):
            return
        self.claim(c.out_path, c.origin)
        shutil.copyfile(c.src, self._target(c.out_path))
        self.digests[c.out_path] = sha
        self.changed.add(c.out_path)

    def adopt(self, folder: str) -> None:
        """Take in files a later stage wrote under ``folder`` (the search index)."""
        root = self.tmp / folder
        for p in sorted(root.rglob("*")):
            if p.is_file():
                rel = p.relative_to(self.tmp).as_posix()
                sha = digest(p.read_bytes())
                self.claim(rel, "the search index")
                self.digests[rel] = sha
                old = self.out_dir / rel
                if self.previous.get(rel) == sha and old.is_file():
                    link = p.with_name(p.name + ".keep")
                    try:
                        os.link(old, link)        # same bytes: keep the old file and its mtime
                        os.replace(link, p)
                    except OSError:
                        pass
                else:
                    self.changed.add(rel)

    def commit(self) -> None:
        os.chmod(self.tmp, 0o755)
        if not self.out_dir.exists():
            os.rename(self.tmp, self.out_dir)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.out_dir.parent))
        os.rmdir(old)
        os.rename(self.out_dir, old)
        try:
            os.rename(self.tmp, self.out_dir)
        except BaseException:
            os.rename(old, self.out_dir)
            raise
        # Removing the old tree (a file and a folder per page) takes longer than
        # a small rebuild: move it out of sight and remove it in the background.
        if self.trash is not None:
            try:
                self.trash.mkdir(parents=True, exist_ok=True)
                moved = self.trash / old.name
                os.rename(old, moved)
                _remove_in_background(moved)
                return
            except OSError:   # the cache is on another file system
                pass
        shutil.rmtree(old, ignore_errors=True)


def _remove_in_background(path: Path) -> None:
    """``rm -rf path`` in a process of its own that outlives this one."""
    try:
        subprocess.Popen(["rm", "-rf", "--", str(path)], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:   # no rm here
        shutil.rmtree(path, ignore_errors=True)
