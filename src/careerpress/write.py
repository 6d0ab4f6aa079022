"""Stage 5: the only module that touches the output folder.

The next site is assembled in a folder beside the output and swapped in
whole, only when the build succeeded: a failed or killed build leaves the
previous output exactly as it was, and no file the build did not produce
survives. A file whose bytes did not change is hard-linked from the previous
output instead of written again, so it keeps its mtime (rsync and S3 sync
upload only what changed).

The replaced output is kept in the cache's trash, and the build after next
starts from it: it differs from the output of that time only in the files
the two builds between changed, so only those are replaced, where a fresh
folder needs every folder and link made again. Where there is no output
worth keeping, a hard-linked copy of the new one is made for the next build.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import FOLDER_SIZE, KEPT_RECORD, Base, OutCheck, examine_kept, read_kept_record, record_tree, write_kept_record
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


class BaseUnusable(Exception):
    """The kept tree is not as recorded: the build starts again with a fresh one."""


@dataclass
class SiteWriter:
    """Assembles the next output folder; ``commit()`` swaps it in, leaving the
    ``with`` block by an exception throws it away.

    The next tree is the ``base`` (the output before the current one), brought
    up to date, when there is one; else a fresh folder. Either way a file whose
    bytes did not change is a hard link to the current output's file."""

    out_dir: Path
    previous: dict[str, bytes] = field(default_factory=dict)   # out_path -> digest of each intact current file
    trash: Path | None = None      # the cache's trash: where the replaced output is kept
    base: Base | None = None       # a kept tree to reuse
    current: dict = field(default_factory=dict)   # every path in the current output (a walk: files and "folders/")
    # a copy of the output made for the next build (see _copy_output) is left
    # to finish in the background (the preview server's next build waits for
    # it); else leaving the ``with`` block waits for it
    copy_in_background: bool = False
    # the walk's child's look at the base: cache.examine_kept's answer, False
    # (not usable) or None (no word: the writer looks itself)
    base_examined: Callable[[], tuple | bool | None] | None = None
    current_racy: frozenset[str] = frozenset()    # folders of the current output whose mtime is not to be trusted
    recorded: frozenset[str] = frozenset()        # the files the last build wrote
    recorded_folders: frozenset[str] | None = None   # and its folders ("path/"), when known
    claimed: dict[str, str] = field(default_factory=dict)      # out_path -> what produced it
    digests: dict[str, bytes] = field(default_factory=dict)    # out_path -> digest in the new output
    changed: set[str] = field(default_factory=set)             # out_paths whose bytes are new
    linked: set[str] = field(default_factory=set)              # out_paths sharing the current file's inode
    kept_base: Base | None = None                               # after commit: the tree just replaced
    out_stats: dict = field(default_factory=dict)               # after commit: what a walk of the output gives
    out_check: OutCheck | None = None                           # after commit: what tells it without a walk

    def __post_init__(self):
        self.out_dir = self.out_dir.absolute()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._old = str(self.out_dir)
        if self.trash is not None and self.trash.is_dir():
            _wait_for_copy(self.trash)
        self._base_times: dict[str, int] | None = None
        self.tmp = self._claim_base()
        if self.trash is not None and self.trash.is_dir():
            for stale in self.trash.iterdir():   # a removal cut short, an unused base
                if stale.name not in (LOCK, KEPT_RECORD):
                    _remove_in_background(stale)
        # Folders a killed build left beside the output (the site's lock is held).
        for stale in self.out_dir.parent.glob(f".{self.out_dir.name}.[no][el][wd]-*"):
            if stale.is_dir() and stale != self.tmp and stale.name.split("-", 1)[0] in (
                    f".{self.out_dir.name}.new", f".{self.out_dir.name}.old"):
                self._discard(stale)
        self._new = str(self.tmp)
        self._dirs: set[str] = {self._new}
        # In a reused tree, the folders whose entries this build changed: their
        # mtimes are read again at commit, the others' are the base's (see commit).
        self._touched: set[str] = set()
        self._copying: subprocess.Popen | None = None

    def _claim_base(self) -> Path:
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
        self._suspect: set[str] | None = None
        if self.base is None or self.trash is None or not self.out_dir.is_dir():
            return tmp
        if not self.base.worth_reusing(len(self.recorded)):
            return tmp
        kept = self.trash / self.base.name
        # What may have been added to it since it was checked as the output,
        # found (and the changed files brought up to date) by the walk's child
        # meanwhile, or here.
        found = self.base_examined() if self.base_examined is not None else None
        try:
            if self.base.stamp is not None and _stamp(kept) != self.base.stamp:
                return tmp
            if found is None:
                record = read_kept_record(self.trash, self.base.name)
                found = examine_kept(str(kept), record, self._old, self.current)
            if not found:
                return tmp
            os.rmdir(tmp)
            os.rename(kept, tmp)
        except OSError:
            tmp.mkdir(exist_ok=True)
            return tmp
        # and whatever was added to the current output by hand: a copied base
        # (see commit) may have taken it in
        refreshed, extra, self._base_times = found
        self._suspect = set(self.base.differs - refreshed).union(extra, self.current.keys() - self.recorded)
        return tmp

    def _discard(self, tree: Path) -> None:
        if self.trash is not None:
            try:
                self.trash.mkdir(parents=True, exist_ok=True)
                moved = self.trash / tree.name
                os.rename(tree, moved)
                _remove_in_background(moved)
                return
            except OSError:
                pass
        shutil.rmtree(tree, ignore_errors=True)

    def __enter__(self) -> SiteWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self._copying is not None:
            try:
                if kind is None and self._copying.wait() == 0:
                    self._record_copy()
            finally:
                if self._copying.poll() is None:   # the build failed, or was interrupted waiting
                    with contextlib.suppress(OSError):   # (the copy renames itself into place only once complete)
                        os.killpg(self._copying.pid, signal.SIGKILL)
                    self._copying.wait()
        if kind is not None:
            self._discard(self.tmp)

    def claim(self, out_path: str, origin: str) -> None:
        """Two sources claiming one output path is a mistake, never a silent overwrite."""
        if out_path in self.claimed:
            raise OutputCollision(out_path, self.claimed[out_path], origin)
        self.claimed[out_path] = origin

    def _target(self, out_path: str) -> str:
        """Where ``out_path`` goes in the next tree, with nothing there yet. In
        a reused tree the old file is unlinked first: it may be a hard link to
        the current output's, which must never be written through."""
        target = os.path.join(self._new, out_path)
        parent = os.path.dirname(target)
        if self._suspect is not None:
            self._touch(out_path)
            try:
                os.unlink(target)
                return target
            except FileNotFoundError:
                pass
            except OSError as exc:   # a folder where a file goes: start again with a fresh tree
                raise BaseUnusable(out_path) from exc
        if parent not in self._dirs:
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as exc:
                if self._suspect is None:
                    raise
                raise BaseUnusable(out_path) from exc   # a file where a folder goes
            self._dirs.add(parent)
        return target

    def _touch(self, out_path: str) -> None:
        """``out_path``'s folder changes (and those above it, should it be made)."""
        i = out_path.rfind("/", 0, len(out_path) - 1)
        while i > 0 and out_path[: i + 1] not in self._touched:
            self._touched.add(out_path[: i + 1])
            i = out_path.rfind("/", 0, i)

    def keep_all(self, out_paths) -> list[str]:
        """keep() each of ``out_paths`` (their origin: their URL); those it
        could not keep. In a reused tree, most are there already: taken in
        whole, without a call each (16,000 at 10,000 articles)."""
        there = [] if self._suspect is None else \
            [p for p in out_paths if p not in self._suspect and p in self.previous]
        if there and self.claimed.keys().isdisjoint(there):
            self.claimed.update((p, f"/{p}") for p in there)
            self.digests.update((p, self.previous[p]) for p in there)
            self.linked.update(there)
            done = set(there)
            out_paths = [p for p in out_paths if p not in done]
        return [p for p in out_paths if not self.keep(p, f"/{p}")]

    def keep(self, out_path: str, origin: str, known: bytes | None = None) -> bool:
        """Carry a file over from the current output unchanged (a hard link)."""
        sha = known if known is not None else self.previous.get(out_path)
        if sha is None:
            return False
        self.claim(out_path, origin)
        if self._suspect is not None and out_path not in self._suspect:
            self.digests[out_path] = sha   # the reused tree holds this very file already
            self.linked.add(out_path)
            return True
        old, target = os.path.join(self._old, out_path), self._target(out_path)
        try:
            os.link(old, target)
            self.linked.add(out_path)
        except OSError:
            if not os.path.isfile(old):
                del self.claimed[out_path]
                return False
            shutil.copy2(old, target)     # another file system, or too many links
        self.digests[out_path] = sha
        return True

    def put(self, f: RenderedFile) -> RenderedFile:
        """Write ``f`` into the next tree from a worker process (forked with
        this writer), unless the current output holds these bytes already;
        write() in the main process takes the answer in. Making a file or a
        folder costs the kernel up to a millisecond on some file systems
        (26,000 of them at 10,000 articles): done by the workers, on every
        core, not by the main process alone."""
        sha = digest(f.content)
        if self.previous.get(f.out_path) == sha:
            return dataclasses.replace(f, digest=sha)    # write() links the current file
        try:
            # never through a file there already: another source's (a
            # collision, which write() reports) may link the current output's
            with open(self._target(f.out_path), "xb") as fh:
                fh.write(f.content)
        except FileExistsError:
            return dataclasses.replace(f, digest=sha)
        return dataclasses.replace(f, content=b"", digest=sha, written=True)

    def write(self, f: RenderedFile) -> None:
        """Write ``f`` into the next tree, or take in that put() did."""
        sha = f.digest if f.digest is not None else digest(f.content)
        if not f.written and self.previous.get(f.out_path) == sha and \
                self.keep(f.out_path, f.origin or f"/{f.out_path}", sha):
            return
        self.claim(f.out_path, f.origin or f"careerpress's /{f.out_path}")
        if not f.written:
            with open(self._target(f.out_path), "wb") as fh:
                fh.write(f.content)
        elif self._suspect is not None:   # the worker's _target() touched its own copy of the books
            self._touch(f.out_path)
        self.digests[f.out_path] = sha
        self.changed.add(f.out_path)

    def copy(self, c: Copy, sha: bytes) -> None:
        if self.previous.get(c.out_path) == sha and self.keep(c.out_path, c.origin, sha):
            return
        self.claim(c.out_path, c.origin)
        shutil.copyfile(c.src, self._target(c.out_path))
        self.digests[c.out_path] = sha
        self.changed.add(c.out_path)

    def _tidy(self, folders: set[str]) -> None:
        """Remove from a reused tree what the new output does not have."""
        gone = {p for p in (self._suspect | self.recorded) - self.digests.keys() if p not in folders}
        for p in sorted(gone, reverse=True):   # deepest first
            self._touch(p)
            target = os.path.join(self._new, p)
            if p.endswith("/"):
                shutil.rmtree(target, ignore_errors=True)
                continue
            try:
                os.unlink(target)
            except FileNotFoundError:
                continue
            except OSError:
                shutil.rmtree(target, ignore_errors=True)
            parent = os.path.dirname(p)
            while parent and parent + "/" not in folders:
                try:
                    os.rmdir(os.path.join(self._new, parent))
                except OSError:
                    break
                parent = os.path.dirname(parent)

    def _copy_output(self) -> Base | None:
        """The next build is quickest starting from a tree that is already
        complete (see the module's docstring). After a first output, or one
        that replaced an output it mostly differs from (a build without a
        cache), there is none: a process of its own makes a hard-linked copy
        of the new output in the trash (~1.8 s of system time at 10,000
        articles, while this build saves its state), holding a lock the next
        build waits on; the copy is renamed into place only when complete.
        The first edit after a cold build then costs what any other does."""
        if self.trash is None:
            return None
        name = f".{self.out_dir.name}.copy-{os.urandom(6).hex()}"
        try:
            self.trash.mkdir(parents=True, exist_ok=True)
            if os.stat(self.trash).st_dev != os.stat(self.out_dir).st_dev:
                return None   # no hard links from one file system to another
            fd = os.open(self.trash / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The child inherits the locked file description: the lock is released
            # when it and the commands it runs have exited, not when we do. Its
            # session is its own: Ctrl-C in the terminal is not for it, and one
            # waited for is stopped with this build, as a group.
            self._copying = subprocess.Popen(
                ["sh", "-c", COPY_SCRIPT, "sh", str(self.out_dir), str(self.trash / name)],
                pass_fds=(fd,), start_new_session=True, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:   # another copy is running, no sh or cp here: the next build makes a fresh tree
            return None
        finally:
            os.close(fd)
        if self.copy_in_background:
            self._copying = None
        return Base(name, None, frozenset())

    def _record_copy(self) -> None:
        """Let the next build check the copy just made without walking it. It
        holds what the output held if no folder of the output changed since
        it was recorded at commit: a file added, removed or renamed changes
        its folder's mtime, and ``cp -a`` gives each copied folder the mtime
        of the one it copies. Then the copy's folders have the recorded
        mtimes, and the output's record is the copy's."""
        try:
            fd = os.open(self.out_dir, os.O_RDONLY | os.O_DIRECTORY)
            try:
                for path, (mtime, size) in self.out_stats.items():
                    if size == FOLDER_SIZE and os.stat(path, dir_fd=fd).st_mtime_ns != mtime:
                        return   # without a record, the next build walks the copy
            finally:
                os.close(fd)
            write_kept_record(self.trash, self.kept_base.name, self.out_stats, self.out_check.racy)
        except OSError:
            pass

    def commit(self) -> None:
        if self.recorded_folders is not None and self.digests.keys() == self.recorded:
            folders = set(self.recorded_folders)   # the same files: the same folders
        else:
            folders = set()
            for p in self.digests:   # every folder of the new output, each ancestor once
                i = p.rfind("/")
                while i > 0 and p[: i + 1] not in folders:
                    folders.add(p[: i + 1])
                    i = p.rfind("/", 0, i)
        if self._suspect is not None:
            self._tidy(folders)
        os.chmod(self.tmp, 0o755)
        # What a walk of the new output would give, without walking it: a linked
        # file is the current one, whose stat the walk before the build read.
        same = self.linked & self.current.keys()
        files = dict(zip(same, map(self.current.__getitem__, same)))
        files.update((p, _stat(os.path.join(self._new, p))) for p in self.digests.keys() - same)
        # A reused tree's folders have the mtimes the walk's child read before
        # the tree was claimed, but those this build changed; a fresh tree's
        # are all read.
        known = self._base_times if self._suspect is not None else None
        try:
            self.out_stats, self.out_check = record_tree(self._new, files, folders, known, self._touched)
        except (FileNotFoundError, NotADirectoryError) as exc:
            if self._suspect is None:
                raise
            raise BaseUnusable(str(exc)) from exc   # the reused tree lost a folder meanwhile
        if not self.out_dir.exists():
            os.rename(self.tmp, self.out_dir)
            self.kept_base = self._copy_output()
            return
        old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.out_dir.parent))
        os.rmdir(old)
        os.rename(self.out_dir, old)
        try:
            os.rename(self.tmp, self.out_dir)
        except BaseException:
            os.rename(old, self.out_dir)
            raise
        # The replaced output is kept in the trash to be made into the next one
        # (removing it would take longer than a small rebuild).
        if self.trash is not None:
            try:
                self.trash.mkdir(parents=True, exist_ok=True)
                moved = self.trash / old.name
                os.rename(old, moved)
            except OSError:   # the cache is on another file system
                shutil.rmtree(old, ignore_errors=True)
                return
            # the files not linked, the folders the new output does not have
            differs = (self.current.keys() | self.digests.keys()) - self.linked - folders
            kept = Base(moved.name, _stamp(moved), frozenset(differs))
            if not kept.worth_reusing(len(self.digests)):
                _remove_in_background(moved)
                self.kept_base = self._copy_output()
                return
            try:
                write_kept_record(self.trash, moved.name, self.current, self.current_racy)
            except OSError:
                pass   # without it, the build that reuses the tree walks it
            self.kept_base = kept
            return
        shutil.rmtree(old, ignore_errors=True)


LOCK = ".copying"   # in the trash: held while a copy of the output is being made there
# sh -c COPY_SCRIPT sh OUTPUT COPY: COPY appears whole or not at all
COPY_SCRIPT = 'cp -al -- "$1" "$2.part" && mv -- "$2.part" "$2" || { rm -rf -- "$2.part"; exit 1; }'


def _wait_for_copy(trash: Path) -> None:
    """Wait until a copy of the output made in the background (see commit) is done."""
    try:
        with open(trash / LOCK, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
    except OSError:
        pass


def _stamp(folder: Path) -> tuple[int, int]:
    st = os.lstat(folder)
    return st.st_ino, st.st_ctime_ns


def _stat(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def _remove_in_background(path: Path) -> None:
    """``rm -rf path`` in a process of its own that outlives this one."""
    try:
        subprocess.Popen(["rm", "-rf", "--", str(path)], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:   # no rm here
        shutil.rmtree(path, ignore_errors=True)
