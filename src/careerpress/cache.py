"""The incremental build's memory: <site>/.careerpress-cache/.

- ``state.pickle``: what the last successful build saw and wrote — the stat
  of every input file, the problems it reported, every document's skeleton
  (its frontmatter and what it refers to, without the body), and for every
  output file its digest and the fingerprints of the inputs it was made from.
- ``state-delta.pickle``: what quick rebuilds (see quick.py) changed in
  those records since they were last written whole.
- ``bodies.sqlite``: parsed documents by the digest of their source, so an
  unchanged page is never parsed again and its body is read only when the
  page is rendered again; and the graph, one row per page (its skeleton, URL,
  related pages and backlinks, the record of its output), which a quick
  rebuild reads a page at a time.

Anything unreadable (a deleted, truncated or foreign cache) counts as no
cache: the build falls back to a clean one, never to a wrong one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import os
import pickle
import sqlite3
import stat as stat_mode
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import __version__

CACHE_DIR = ".careerpress-cache"
FORMAT = f"careerpress-{__version__}-cache-11-py{sys.version_info[0]}.{sys.version_info[1]}"
WATCHED = ("content", "templates", "static")


def scan(site: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file the build may read, by site path."""
    stats: dict[str, tuple[int, int]] = {}
    for top in WATCHED:
        stats.update(stat_tree(site / top, f"{top}/", hidden=False))
    return stats


FOLDER_SIZE = -1   # a folder's "size" in stat_tree(…, folders=True): (mtime_ns, FOLDER_SIZE)


def stat_tree(root: Path, prefix: str = "", hidden: bool = True, folders: bool = False) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under ``root``, by ``prefix`` + its path
    there (with ``/``); names starting with a dot are left out unless ``hidden``.
    Symlinks count as what they point to. With ``folders``, every folder is
    there too, as ``path/``: (mtime_ns, FOLDER_SIZE) (an empty one added by
    hand is noticed, and so is a file added to or removed from it)."""
    stats: dict[str, tuple[int, int]] = {}
    stack = [(str(root), prefix)]
    while stack:
        folder, rel = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if not hidden and entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        stack.append((entry.path, f"{rel}{entry.name}/"))
                        if folders:
                            stats[f"{rel}{entry.name}/"] = (entry.stat().st_mtime_ns, FOLDER_SIZE)
                    elif entry.is_file():
                        st = entry.stat()
                        stats[rel + entry.name] = (st.st_mtime_ns, st.st_size)
                except OSError:
                    continue
    return stats


class OutCheck(NamedTuple):
    """What tells a build that the output is as the last build left it without
    listing its 10,000 folders (see unchanged): a file added to, removed from or
    renamed in a folder changes the folder's mtime, and an edited file its own.

    A folder changed within the clock's granularity of when its mtime was read
    could change again and keep that mtime: those are "racy" (as in git's
    index), and are listed instead."""
    root: int                  # the output folder's mtime_ns
    racy: dict[str, int]       # folder ("" for the output itself) -> how many entries it holds


def _racy(mtime_ns: int, now_ns: int) -> bool:
    # Whole seconds: a file system that keeps no finer time (FAT, HFS+, some NFS).
    window = 2_000_000_000 if mtime_ns % 1_000_000_000 == 0 else 50_000_000
    return now_ns - mtime_ns < window


def _listing(root: str, folder: str) -> list[str]:
    """The entries of ``folder`` ("path/", "" for ``root`` itself), as stat_tree names them."""
    with os.scandir(os.path.join(root, folder)) as entries:
        return [f"{folder}{e.name}/" if e.is_dir() else folder + e.name for e in entries]


def refresh_base(base: str, current: str, paths) -> set[str]:
    """Make each of ``paths`` in the kept tree ``base`` a hard link to the file
    of the ``current`` output (checked intact just before), as the next build
    would: the ones done, so that the build does not do them again."""
    done = set()
    for path in paths:
        target = os.path.join(base, path)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            os.link(os.path.join(current, path), target)
        except OSError:   # a folder in the way, or none to put it in: the build sees to it
            continue
        done.add(path)
    return done


KEPT_RECORD = ".kept"   # in the trash: the kept tree's folders as last checked (see examine_kept)


def write_kept_record(trash: Path, name: str, current: dict[str, tuple[int, int]], racy=()) -> None:
    """Remember the mtime of each folder of the output just moved into the
    trash as ``name``, as the build found it (``current``; a ``racy`` folder
    is listed whatever its mtime)."""
    folders = {p: -1 if p in racy else mtime for p, (mtime, size) in current.items() if size == FOLDER_SIZE}
    fd, tmp = tempfile.mkstemp(dir=trash, prefix=".kept-")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump((name, folders), fh, pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, trash / KEPT_RECORD)


def read_kept_record(trash: Path, name: str) -> dict[str, int] | None:
    try:
        with open(trash / KEPT_RECORD, "rb") as fh:
            kept, folders = pickle.load(fh)
    except Exception:   # none, or damaged
        return None
    return folders if kept == name and isinstance(folders, dict) else None


def examine_kept(base: str, record: dict[str, int] | None, current: str, expected: dict[str, tuple[int, int]],
                 refresh=()) -> tuple[set[str], set[str], dict[str, int]] | None:
    """What a build must know of the kept tree ``base`` before it reuses it:
    (refreshed, extra, the mtime of each folder), or None when it is not usable.

    The kept tree was the output until the last build replaced it, and was
    checked as the output when that build began: anything added to it after
    (while the build ran) shows in the mtime of its folder in ``record``.
    Every entry of such a folder is ``extra``, for the writer to look at, and
    so is everything at the top (its own mtime is not recorded). Without a
    record (a copy made in the background), the tree is walked and compared
    with ``expected``, the current output's stats: a file the same as the
    current one is the same inode. Then each of ``refresh`` (files the current
    output, under ``current``, changed) is made a link to the current file."""
    is_dir = stat_mode.S_ISDIR
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        if record is None:
            found = stat_tree(Path(base), folders=True)
            extra = {p for p, st in found.items() if p not in expected or (st[1] != FOLDER_SIZE and expected[p] != st)}
            extra |= expected.keys() - found.keys()
            times = {p: st[0] for p, st in found.items() if st[1] == FOLDER_SIZE}
        else:
            extra = set(_listing(base, ""))
            times = {}
            for folder, mtime in record.items():
                st = os.stat(folder, dir_fd=fd)
                if not is_dir(st.st_mode):
                    return None
                times[folder] = st.st_mtime_ns
                if st.st_mtime_ns != mtime:
                    extra.update(_listing(base, folder))
        refreshed = refresh_base(base, current, [p for p in refresh if p not in extra])
        for folder in {p[: p.rfind("/") + 1] for p in refreshed}:
            times[folder] = os.stat(folder, dir_fd=fd).st_mtime_ns
        return refreshed, extra, times
    except OSError:   # a folder gone: not the tree that was recorded
        return None
    finally:
        os.close(fd)


def record_tree(root: str, files: dict[str, tuple[int, int]], folders,
                known: dict[str, int] | None = None, touched=frozenset()) -> tuple[dict, OutCheck]:
    """stat_tree(root, folders=True) and its OutCheck, for a tree just written
    whose ``files`` (their stats) and ``folders`` ("path/") are known: only
    the folders are stat'ed, but for those whose mtime is ``known`` and that
    were not ``touched`` since. Read before the tree is swapped in, so that
    nothing done to the output afterwards can be taken in."""
    known = {} if known is None else known
    stat = os.stat
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        times = {folder: known[folder] if folder in known and folder not in touched
                 else stat(folder, dir_fd=fd).st_mtime_ns for folder in folders}
        times[""] = os.fstat(fd).st_mtime_ns
    finally:
        os.close(fd)
    now = time.time_ns()
    recent = now - 2_000_000_000   # the widest window _racy has
    racy = {folder: 0 for folder, mtime in times.items() if mtime > recent and _racy(mtime, now)}
    root_mtime = times.pop("")
    stats = dict(files)
    stats.update((folder, (mtime, FOLDER_SIZE)) for folder, mtime in times.items())
    if racy:
        for path in stats:
            parent = path[: path.rfind("/", 0, len(path) - 1) + 1]
            if parent in racy:
                racy[parent] += 1
    return stats, OutCheck(root_mtime, racy)


def unchanged(root: str, stats: dict[str, tuple[int, int]], check: OutCheck, start: int = 0,
              stop: int | None = None) -> bool:
    """Whether stat_tree(root, folders=True) would give ``stats``, told from a
    stat of each path instead of a listing of each folder (half the time).
    ``start`` and ``stop``: the paths from one to the other, for processes to
    share the work; the share from 0 checks the output folder and the racy ones."""
    is_dir, is_file = stat_mode.S_ISDIR, stat_mode.S_ISREG
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        if start == 0:
            if os.fstat(fd).st_mtime_ns != check.root:
                return False
            for folder, count in check.racy.items():
                names = _listing(root, folder)
                if len(names) != count or not all(name in stats for name in names):
                    return False
        st = os.stat
        for path, (mtime, size) in itertools.islice(stats.items(), start, stop):
            now = st(path, dir_fd=fd)
            if now.st_mtime_ns != mtime or not (is_dir(now.st_mode) if size == FOLDER_SIZE
                                                else is_file(now.st_mode) and now.st_size == size):
                return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


class Output(NamedTuple):
    """One output file as the state remembers it (a tuple: there are thousands)."""
    digest: bytes
    deps: tuple[str, ...]          # the input keys it was made from (interned: pickled once each)
    mark: bytes | None             # digest of their fingerprints when it was made


class Base(NamedTuple):
    """The output before the current one, kept in the cache's trash to be made
    into the next: only the files that differ from the current output need
    replacing, where a fresh tree needs every folder made again (10,000 at
    10,000 articles, seconds on a slow disk)."""
    name: str                  # its folder in the trash
    stamp: tuple[int, int] | None   # (inode, ctime_ns) of that folder then (anything else there is
                                    # not ours); None for a copy made in the background
    differs: frozenset[str]    # out_paths (and stray "folders/") where it may differ from the current output

    def worth_reusing(self, files: int) -> bool:
        """Whether bringing it up to date costs less than a fresh tree of
        ``files``: not when it mostly differs (the output before it was built
        without a cache), where unlinking and linking most files costs more."""
        return 2 * sum(not p.endswith("/") for p in self.differs) <= files


@dataclass
class State:
    format: str
    settings: tuple                  # what a no-op must match besides the files (out dir, options, day)
    files: dict[str, tuple[int, int]]
    problems: list
    docs: dict[str, tuple]           # src_path -> ((mtime_ns, size), body key, skeleton Document, problems)
    outputs: dict[str, Output] = field(default_factory=dict)   # rendered files
    digests: dict[str, bytes] = field(default_factory=dict)    # every output file -> digest
    out_stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # stat_tree(output, folders=True) after the build
    out_check: OutCheck | None = None   # and what tells it is still so without a walk
    related: tuple = ((), {})         # (signature, related) for reuse
    pages: int = 0
    base_path: str = "/"             # the cached parses' links carry it
    copy_sources: dict[str, str] = field(default_factory=dict)  # copied out_path -> its source file
    base: Base | None = None         # the output before this one, kept to be reused (see write.py)
    search: object = None            # search.SearchRecord: what the index in the output was made from


HEAD = frozenset({"format", "settings", "files", "problems", "digests", "out_stats", "out_check", "pages", "base",
                  "search"})
RECORDS = frozenset(f.name for f in dataclasses.fields(State)) - HEAD
TOKENS = ("token", "delta", "gen")   # in the head: its records, their delta, the graph's rows


class Cache:
    """The cache folder of one site. ``keep_warm`` keeps the last state in
    memory as well (the preview server), so a rebuild does not read it back,
    and has a first output copied for the next build (see write.SiteWriter)."""

    def __init__(self, site: Path, name: str = "", keep_warm: bool = False):
        self.dir = site / CACHE_DIR / name if name else site / CACHE_DIR
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._warm: State | None = None
        self.keep_warm = keep_warm
        # body key -> the pickled (skeleton, problems) of that parse, as last
        # read or written: a page's skeleton depends on its key alone, so the
        # state is written again without pickling the unchanged ones again.
        self._skeletons: dict[str, bytes] = {}
        self._tokens: dict[str, str | None] = {}

    # ------------------------------------------------------------ one build at a time
    @contextlib.contextmanager
    def lock(self):
        """Hold the site's build lock; a second build of the same site waits
        (saying so) instead of writing over the first one's output and cache."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                print(f"careerpress: another build of this site is running ({holder}); waiting for it to finish",
                      file=sys.stderr, flush=True)
                fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ------------------------------------------------------------ state
    # On disk the state is two files: state.pickle holds what a no-op check
    # reads (settings, input stats, output digests), small at any site size;
    # state-records.pickle holds the documents and the records of every output,
    # read only when something changed. Tokens in the head tie them together,
    # with the delta of quick rebuilds and the graph's rows in bodies.sqlite.
    def load_state(self, whole: bool = True) -> State | None:
        """The last build's state; without ``whole``, only the head (the
        fields in HEAD): enough to tell whether anything changed."""
        if self._warm is not None:
            return self._warm
        head = self._load("state.pickle")
        if not isinstance(head, dict) or head.get("format") != FORMAT or set(head) != {*HEAD, *TOKENS}:
            return None
        self._tokens = {name: head.pop(name) for name in TOKENS}
        if not whole:
            return State(**head, docs={})
        records = self._load("state-records.pickle")
        if not isinstance(records, tuple) or len(records) != 2 or records[0] != self._tokens["token"] \
                or not isinstance(records[1], dict) or set(records[1]) != RECORDS:
            return None
        records = records[1]
        delta = self.load_delta()
        if delta is None:
            return None
        records = {**records, "docs": {**records["docs"], **delta[0]}, "outputs": {**records["outputs"], **delta[1]}}
        docs, blobs = {}, {}
        try:
            for src_path, (stat, key, blob) in records["docs"].items():
                docs[src_path] = (stat, key, *pickle.loads(blob))
                blobs[key] = blob
        except Exception:
            return None
        self._skeletons = blobs
        return State(**head, **{**records, "docs": docs})

    def load_delta(self) -> tuple[dict, dict] | None:
        """What quick rebuilds changed since the records were written whole:
        (docs, outputs) as in the records; None when it cannot be read."""
        if self._tokens.get("delta") is None:
            return {}, {}
        delta = self._load("state-delta.pickle")
        if not isinstance(delta, tuple) or len(delta) != 2 \
                or delta[0] != (self._tokens["token"], self._tokens["delta"]):
            return None
        return delta[1]

    def _load(self, name: str):
        try:
            with open(self.dir / name, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # missing, truncated, from another version: no cache
            return None

    def save_state(self, state: State, graph=None) -> None:
        """Write the state whole. ``graph``, given the pickled skeleton of
        each document (by src_path), gives the graph's rows (see put_graph)."""
        if self.keep_warm:
            self._warm = state
        token = os.urandom(8).hex()
        blobs, docs = {}, {}
        for src_path, (stat, key, skeleton, problems) in state.docs.items():
            blob = blobs[key] = self._skeletons.get(key) or pickle.dumps((skeleton, problems), pickle.HIGHEST_PROTOCOL)
            docs[src_path] = (stat, key, blob)
        self._skeletons = blobs
        records = {name: getattr(state, name) for name in RECORDS}
        self._dump("state-records.pickle", (token, {**records, "docs": docs}))
        gen = None
        if graph is not None:
            site, rows = graph(lambda src_path: docs[src_path][2])
            gen = self.put_graph(site, rows, whole=True)
        self._tokens = {"token": token, "delta": None, "gen": gen}
        self._dump("state.pickle", {**self._tokens, **{name: getattr(state, name) for name in HEAD}})

    def save_quick(self, head: State, delta: tuple[dict, dict], site: bytes, rows: dict[str, bytes]) -> None:
        """The state after a quick rebuild: its head, the records' ``delta``
        (all of it since they were written whole) and the rows it changed."""
        self._tokens = {**self._tokens, "delta": os.urandom(8).hex()}
        self._dump("state-delta.pickle", ((self._tokens["token"], self._tokens["delta"]), delta))
        self._tokens["gen"] = self.put_graph(site, rows, whole=False)
        self._dump("state.pickle", {**self._tokens, **{name: getattr(head, name) for name in HEAD}})

    @property
    def graph_generation(self) -> str | None:
        """Which rows of the graph go with the state last loaded (None: none do)."""
        return self._tokens.get("gen")

    def _dump(self, name: str, value) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".state-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.dir / name)

    def forget_state(self) -> None:
        """Called before the output is swapped: a build killed after the swap but
        before save_state must not trust a state that no longer matches."""
        self._warm = None
        try:
            os.unlink(self.dir / "state.pickle")
        except FileNotFoundError:
            pass

    # ------------------------------------------------------------ parsed documents
    def _conn(self) -> sqlite3.Connection | None:
        """One connection per process (a forked worker opens its own)."""
        if self._db is not None and self._pid == os.getpid():
            return self._db
        self._db = None
        for attempt in range(2):
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.dir / "bodies.sqlite", timeout=30)
                # Write-ahead log, synced at checkpoints only: a commit costs no
                # fsync (two a rebuild, ~40 ms), and stays whole (all its rows
                # or none) through a killed build or a power cut; one lost then
                # does not match the state's generation, and the build is clean.
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, data BLOB)")
                db.execute("CREATE TABLE IF NOT EXISTS graph (name TEXT PRIMARY KEY, digest BLOB, data BLOB)")
                db.execute("CREATE TABLE IF NOT EXISTS highlights (key BLOB PRIMARY KEY, html TEXT)")
                self._db, self._pid = db, os.getpid()
                return db
            except (sqlite3.Error, OSError):
                try:  # not a database (corrupted): start it again
                    os.unlink(self.dir / "bodies.sqlite")
                    for log in ("bodies.sqlite-wal", "bodies.sqlite-shm"):
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(self.dir / log)
                except OSError:
                    return None
        return None

    def get_doc(self, key: str):
        """(Document, problems) parsed from the source with this key, or None."""
        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute("SELECT data FROM docs WHERE key = ?", (key,)).fetchone()
            return pickle.loads(row[0]) if row else None
        except Exception:
            return None

    def put_docs(self, items: list[tuple[str, object]], highlights: list[tuple[bytes, str]] = ()) -> bool:
        """Store parsed documents, and the code blocks highlighted for them
        (Highlights.fresh); False when the cache cannot take them."""
        return self.put_doc_blobs([(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items],
                                  highlights)

    def put_doc_blobs(self, items: list[tuple[str, bytes]], highlights: list[tuple[bytes, str]] = ()) -> bool:
        """put_docs() of documents pickled already."""
        db = self._conn()
        if db is None:
            return False
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)", items)
                db.executemany("INSERT OR REPLACE INTO highlights VALUES (?, ?)", highlights)
        except sqlite3.Error:
            return False
        return True

    def get_highlight(self, key: bytes) -> str | None:
        """A code block's HTML as Pygments highlighted it before (Highlights.key), or None."""
        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute("SELECT html FROM highlights WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    # ------------------------------------------------------------ the graph, a row a page
    def put_graph(self, site: bytes, rows: dict[str, bytes], whole: bool) -> str | None:
        """Store the graph's rows (pickled, by name) and ``site`` (what all
        pages share) under a new generation; ``whole``: ``rows`` are all of
        them. Only rows whose bytes changed are written. Returns the
        generation, None when the cache cannot take them."""
        db = self._conn()
        if db is None:
            return None
        gen = os.urandom(8).hex()
        try:
            with db:
                old = dict(db.execute("SELECT name, digest FROM graph")) if whole else {}
                fresh = [(name, hashlib.blake2b(data, digest_size=16).digest(), data) for name, data in rows.items()]
                db.executemany("INSERT OR REPLACE INTO graph VALUES (?, ?, ?)",
                               [row for row in fresh if old.get(row[0]) != row[1]])
                if whole:
                    db.executemany("DELETE FROM graph WHERE name = ?", [(name,) for name in old.keys() - rows.keys()])
                db.execute("INSERT OR REPLACE INTO graph VALUES ('', ?, ?)", (gen.encode(), site))
        except sqlite3.Error:
            return None
        return gen

    def get_graph(self, name: str) -> bytes | None:
        """One row of the graph, or None when there is none (sqlite3.Error
        when the cache cannot be read)."""
        db = self._conn()
        if db is None:
            raise sqlite3.OperationalError("no cache")
        row = db.execute("SELECT data FROM graph WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def graph_shared(self) -> bytes | None:
        """What all rows of the graph share, if they go with the state last loaded."""
        db = self._conn()
        if db is None or self._tokens.get("gen") is None:
            return None
        row = db.execute("SELECT digest, data FROM graph WHERE name = ''").fetchone()
        return row[1] if row and row[0] == self._tokens["gen"].encode() else None

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
            self._db = None
