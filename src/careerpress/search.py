"""Stage 6: the Pagefind search index of the written output, made in parts.

Pagefind (a Rust binary shipped in the ``pagefind[bin]`` wheel) indexes what
templates mark ``data-pagefind-body``: article bodies and titles, not
navigation. It holds every page in memory until it writes (~0.4 MB a page) and
cannot add to an index it wrote, so one index of a large site costs gigabytes
and a minute after any edit. careerpress therefore indexes in parts of at most
PART_PAGES pages, each page in the part a hash of its path picks: the first
part is the bundle at /pagefind/ (Pagefind's scripts with it), the others are
/pagefind/part-<k>/, which the search page merges in the browser (Pagefind's
``mergeIndex``; /pagefind/parts.js lists them). A build indexes again only the
parts whose pages changed, on ``jobs`` processes, each holding one part.

Pages reach Pagefind (its ``--service`` mode) in the order of their paths, so
the index is the same bytes wherever the site is built: a crawl would take
the order in which the file system lists the folders.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .render.types import RenderedFile

if TYPE_CHECKING:
    from .write import SiteWriter

OUTPUT_SUBDIR = "pagefind"
PARTS_FILE = f"{OUTPUT_SUBDIR}/parts.js"   # the parts the search page merges
PART_PAGES = 500        # an edit re-indexes ~this many pages; the browser merges one bundle per part
MARK = b"data-pagefind-body"
CONFIG = {"exclude_selectors": [".anchor"]}   # heading permalinks ("#") are not words
ORIGIN = "the search index"
TIMEOUT = 1800          # seconds for one part


class SearchIndexFailed(Exception):
    pass


@dataclass(frozen=True)
class SearchRecord:
    """What the index in the output was made from: the next build keeps the
    parts whose key is unchanged."""
    marked: frozenset[str]      # the HTML files that mark data-pagefind-body
    parts: tuple[bytes, ...]    # each part's key (see _key)


def executable() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError:  # pragma: no cover - a broken install
        raise SearchIndexFailed("the pagefind binary is missing: pip install 'pagefind[bin]'") from None
    return str(get_executable())


def split(pages: list[str]) -> list[list[str]]:
    """``pages`` (sorted) in parts: the fewest (a power of two, so that a
    site growing past a size re-splits once) of at most PART_PAGES pages on
    average, none empty; each page in the part its path hashes to, so that
    adding or removing a page changes one part only."""
    count = 1
    while count * PART_PAGES < len(pages):
        count *= 2
    while True:
        parts: list[list[str]] = [[] for _ in range(count)]
        for page in pages:
            parts[int.from_bytes(hashlib.blake2b(page.encode(), digest_size=8).digest(), "big") % count].append(page)
        if count == 1 or all(parts):
            return parts
        count //= 2


def part_folder(k: int) -> str:
    return f"{OUTPUT_SUBDIR}/" if k == 0 else f"{OUTPUT_SUBDIR}/part-{k}/"


def part_of_file(out_path: str) -> int | None:
    """The part an output file of the index belongs to (None: not a part's)."""
    if not out_path.startswith(f"{OUTPUT_SUBDIR}/") or out_path == PARTS_FILE:
        return None
    rest = out_path[len(OUTPUT_SUBDIR) + 1:]
    if rest.startswith("part-") and "/" in rest:
        number = rest[5:rest.index("/")]
        return int(number) if number.isdigit() else None
    return 0


def parts_script(count: int) -> bytes:
    folders = [part_folder(k)[len(OUTPUT_SUBDIR) + 1:] for k in range(1, count)]
    return f"window.careerpressSearchParts = {json.dumps(folders)};\n".encode()


def index_output(writer: SiteWriter, recorded: dict[str, bytes], intact: dict[str, bytes],
                 record: SearchRecord | None, jobs: int) -> SearchRecord:
    """Write the index of the pages in ``writer``'s next tree. A part whose
    pages (paths and bytes) are those the current output's part was made from
    (``record``, of the output whose digests are ``recorded``) and whose files
    are ``intact`` there is kept as it is; the others are indexed again."""
    from .write import BaseUnusable
    digests = writer.digests
    html = sorted(p for p in digests if p.endswith(".html") and not p.startswith(f"{OUTPUT_SUBDIR}/"))
    marked = frozenset(p for p in html if _marks(p, writer, recorded, record))
    # Pagefind's rule: with no page marked, it indexes every page's <body>
    parts = split(sorted(marked) if marked else html)
    keys = tuple(_key(k, pages, digests) for k, pages in enumerate(parts))
    current: dict[int, list[str]] = {}
    for path in recorded:
        if (k := part_of_file(path)) is not None:
            current.setdefault(k, []).append(path)
    todo = {}
    for k, key in enumerate(keys):
        files = current.get(k)
        # the key says all a part's files depend on: kept, even if the count of parts changed
        if record is not None and key in record.parts[k:k + 1] and files and all(path in intact for path in files):
            for path in files:
                if not writer.keep(path, ORIGIN):
                    raise BaseUnusable(path)   # gone since it was found intact: the build starts afresh
        else:
            todo[k] = parts[k]
    for k, files in _index_parts(writer.tmp, todo, jobs):
        for name, data in sorted(files.items()):
            writer.write(RenderedFile(part_folder(k) + name, data, frozenset(), ORIGIN))
    writer.write(RenderedFile(PARTS_FILE, parts_script(len(parts)), frozenset(), ORIGIN))
    return SearchRecord(marked, keys)


def _marks(path: str, writer: SiteWriter, recorded: dict[str, bytes], record: SearchRecord | None) -> bool:
    """Whether the HTML file marks data-pagefind-body: known for a file the
    last index saw with these bytes, read for the others."""
    if record is not None and recorded.get(path) == writer.digests[path]:
        return path in record.marked
    with open(writer.tmp / path, "rb") as fh:
        return MARK in fh.read()


@functools.lru_cache(maxsize=None)
def _setup() -> bytes:
    """Pagefind's version and the set-up it is given."""
    from importlib.metadata import version
    return f"{version('pagefind_bin')}\0{json.dumps(CONFIG)}".encode()


def _key(k: int, pages: list[str], digests: dict[str, bytes]) -> bytes:
    """Everything a part's files depend on: what Pagefind is given (its
    version and set-up, each page's path and bytes, in order) and where the
    part goes (the first keeps Pagefind's scripts)."""
    key = hashlib.blake2b(_setup() + (b"\0primary" if k == 0 else b"\0part"), digest_size=16)
    for page in pages:
        key.update(page.encode() + b"\0" + digests[page])
    return key.digest()


def _index_parts(tree: Path, todo: dict[int, list[str]], jobs: int):
    """(k, files) for each part of ``todo``, indexed on ``jobs`` processes."""
    if not todo:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    with ThreadPoolExecutor(jobs) as pool:
        running = {pool.submit(_index_part, tree, pages, k == 0): k for k, pages in todo.items()}
        try:
            for done in as_completed(running):
                yield running[done], done.result()
        finally:
            for future in running:
                future.cancel()


def _index_part(tree: Path, pages: list[str], primary: bool) -> dict[str, bytes]:
    """One part's bundle: its files by path in the bundle. Only the first
    part keeps Pagefind's scripts and WebAssembly: the search page loads them
    once and merges the other parts' indexes into it."""
    files = Service().index(tree, pages)
    if primary:
        return files
    return {name: data for name, data in files.items()
            if name == "pagefind-entry.json" or name.endswith(".pf_meta")
            or name.startswith(("index/", "fragment/", "filter/"))}


class Service:
    """One index made by ``pagefind --service``, in the protocol of Pagefind's
    own Python and Node wrappers: base64-encoded JSON messages, each ended by a
    comma, on its stdin and stdout, answered in order. (The Python wrapper
    polls for each answer every 0.1 s: a minute for 600 pages.)"""

    def __init__(self):
        self._ids = 0
        self._buffer = bytearray()

    def index(self, tree: Path, pages: list[str]) -> dict[str, bytes]:
        """The bundle of ``pages`` (paths in ``tree``): its files by path."""
        with tempfile.TemporaryFile() as errors:
            try:
                proc = subprocess.Popen([executable(), "--service"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=errors)
            except OSError as exc:
                raise SearchIndexFailed(f"search index: cannot run pagefind: {exc.strerror or exc}") from None
            late = threading.Event()
            watchdog = threading.Timer(TIMEOUT, lambda: (late.set(), proc.kill()))
            watchdog.start()
            try:
                files = self._talk(proc, tree, pages)
                proc.stdin.close()   # the service ends
                proc.wait(timeout=10)
                return files
            except _Ended:
                proc.wait()
                if late.is_set():
                    raise SearchIndexFailed(f"search index: pagefind gave no answer in {TIMEOUT} s") from None
                errors.seek(0)
                said = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise SearchIndexFailed("search index: " + (said[-1] if said else f"pagefind exited {proc.returncode}")) \
                    from None
            finally:
                watchdog.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()

    def _talk(self, proc: subprocess.Popen, tree: Path, pages: list[str]) -> dict[str, bytes]:
        index = self._ask(proc, {"type": "NewIndex", "config": CONFIG})["index_id"]
        # The pages go from a thread of their own while this one reads the
        # answers: neither side waits on a full pipe for the other.
        first = self._ids + 1
        self._ids += len(pages)

        def send() -> None:
            try:
                for i, page in enumerate(pages):
                    contents = (tree / page).read_text(encoding="utf-8")
                    proc.stdin.write(_message(first + i, {"type": "AddFile", "index_id": index, "file_path": page,
                                                          "url": None, "file_contents": contents}))
                proc.stdin.flush()
            except (OSError, ValueError):   # the service ended: the reader tells why
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        for _ in pages:
            message_id, answer = self._receive(proc)
            if answer.get("type") == "Error":
                page = pages[message_id - first] if isinstance(message_id, int) and 0 <= message_id - first < len(pages) \
                    else "a page"
                raise SearchIndexFailed(f"search index: {page}: {answer.get('message')}")
        sender.join()
        files = self._ask(proc, {"type": "GetFiles", "index_id": index})["files"]
        return {f["path"]: base64.b64decode(f["content"]) for f in files}

    def _ask(self, proc: subprocess.Popen, payload: dict) -> dict:
        self._ids += 1
        try:
            proc.stdin.write(_message(self._ids, payload))
            proc.stdin.flush()
        except (OSError, ValueError):
            raise _Ended from None
        _, answer = self._receive(proc)
        if answer.get("type") == "Error":
            raise SearchIndexFailed(f"search index: {answer.get('message')}")
        return answer

    def _receive(self, proc: subprocess.Popen) -> tuple[object, dict]:
        """The next answer: (its message id, its payload)."""
        start = 0
        while (end := self._buffer.find(b",", start)) < 0:
            start = len(self._buffer)
            chunk = proc.stdout.read1(1 << 20)
            if not chunk:
                raise _Ended
            self._buffer += chunk
        message = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        try:
            # anything Pagefind printed on stdout comes before the message (base64 has no spaces)
            answer = json.loads(base64.b64decode(message.split()[-1]))
            return answer.get("message_id"), answer.get("payload") or {}
        except (ValueError, IndexError, AttributeError):
            raise SearchIndexFailed("search index: pagefind answered something unreadable") from None


class _Ended(Exception):
    """The service closed its output (it exited, or was killed)."""


def _message(message_id: int, payload: dict) -> bytes:
    return base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode()) + b","
