"""The current output's stats, found by a forked process meanwhile.

A build needs every file and folder of its last output as it is now (stat_tree)
to know what it can keep; at 10,000 articles that is 26,000 paths. A child
process finds them while the build reads the content, and tells the build over
a pipe, as pickled messages: the check of two thirds of the paths (None when
they are as the last build left them, else the whole walk, and no more); then,
when the writer will reuse a kept tree, what it found of it; then the check of
the last third (None, or the walk).
"""
from __future__ import annotations

import os
import pickle
import signal
import threading
from pathlib import Path

from .cache import examine_kept, read_kept_record, stat_tree, unchanged


class OutputWalk:
    """stat_tree(folder, folders=True), found by a forked process while this
    one reads the content and, when something changed, parses and renders.

    When the last build left ``expected`` (its stats and OutCheck), each path
    is stat'ed, and if all are as they were those stats are the answer; else
    the folder is walked (10,000 folders listed are a third of a second of
    system calls). The child checks the last two thirds, then (if they are
    as expected) examines ``base``, then checks the first third; a build that
    shares the work (result(share=True)) checks that third itself meanwhile.

    ``base`` is the kept tree the writer will reuse, the files the current
    output changed and the tree's stamp (see cache.examine_kept): the child
    finds what may have been added to it since it was checked as the output,
    makes the changed files links to the current ones, as the writer would,
    and reads the mtimes of its folders. In-process, the writer examines the
    base itself: where there is no fork, other threads run (the preview
    server) or the fork fails."""

    _SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, folder: Path | None, expected: tuple | None = None, base: tuple | None = None):
        self._folder, self._stats, self._pid, self._read = folder, None, None, None
        self._expected = expected if expected is not None and expected[1] is not None else None
        self._base = base if self._expected is not None else None
        self._examined = None
        # A no-op checks the first third of the paths itself, after its own
        # stat of the content; the child checks the rest, then that third.
        self._cut = len(self._expected[0]) // 3 if self._expected is not None else 0
        if folder is None:
            self._stats = {}
        elif hasattr(os, "fork") and threading.active_count() == 1:
            self._fork(folder)

    def _fork(self, folder: Path) -> None:
        # Ctrl-C between the fork and the child's own handlers must not run the
        # parent's clean-up (the site lock's release) in the child: the signals
        # wait, blocked, until each process is ready for them.
        try:
            read, write = os.pipe()
        except OSError:
            return
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, self._SIGNALS)
        try:
            pid = os.fork()
        except OSError:   # no more processes, no memory: walk in-process
            os.close(read)
            os.close(write)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            return
        if pid == 0:   # the child: find, send, and leave without cleaning up the parent's things
            code = 1
            try:
                for sig in self._SIGNALS:
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                os.close(read)
                with os.fdopen(write, "wb") as fh:
                    # The first two thirds: None when as expected, else the walk (and no more).
                    same = self._expected is not None and unchanged(str(folder), *self._expected, self._cut)
                    self._send(fh, None if same else stat_tree(folder, folders=True))
                    if same:
                        if self._base is not None:   # the base: counts only if the last third is as expected too
                            base, refresh, stamp = self._base
                            st = os.lstat(base)
                            ours = stamp is None or (st.st_ino, st.st_ctime_ns) == stamp
                            record = read_kept_record(base.parent, base.name)
                            self._send(fh, examine_kept(str(base), record, str(folder), self._expected[0], refresh)
                                       if ours else None)
                        same = unchanged(str(folder), *self._expected, 0, self._cut)
                        self._send(fh, None if same else stat_tree(folder, folders=True))
                code = 0
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(write)
        self._pid, self._read = pid, os.fdopen(read, "rb")

    def result(self, share: bool = False) -> dict[str, tuple[int, int]]:
        """The stats; with ``share``, this process checks half of the paths
        itself (when it has nothing else to do)."""
        if self._stats is None:
            self._stats = self._result(share)
        return self._stats

    @staticmethod
    def _send(fh, message) -> None:
        pickle.dump(message, fh, pickle.HIGHEST_PROTOCOL)
        fh.flush()

    def _result(self, share: bool) -> dict[str, tuple[int, int]]:
        folder, expected = str(self._folder), self._expected
        if self._pid is not None:
            try:
                # the first third here while the child checks the rest (then looks at the base)
                mine = share and expected is not None and unchanged(folder, *expected, 0, self._cut)
                first = pickle.load(self._read)
                if first is not None or expected is None:   # the child walked
                    self.close()
                    return first
                if share:
                    if mine:
                        return expected[0]
                    self.close()
                    return stat_tree(self._folder, folders=True)
                if self._base is not None:
                    self._examined = self._base_word(pickle.load(self._read))
                last = pickle.load(self._read)
                if last is None:
                    return expected[0]
                self._examined = None
                self.close()
                return last
            except Exception:   # the child failed
                self._examined = None
                self.close()
        if expected is not None and unchanged(folder, *expected):
            return expected[0]
        return stat_tree(self._folder, folders=True)

    @staticmethod
    def _base_word(found):
        return False if found is None else found

    def base_examined(self):
        """What the child found of the base and did to it (after result(), and
        only when the output was found intact): examine_kept's (refreshed,
        extra, folder times), False when the base is not usable, None when the
        child did not say."""
        if self._examined is None and self._pid is not None and self._base is not None:
            try:   # after result(share=True): the next message
                self._examined = self._base_word(pickle.load(self._read))
            except Exception:
                pass
            self.close()
        return self._examined

    def close(self) -> None:
        """Stop and reap the child (done, or no longer needed)."""
        if self._read is not None:
            self._read.close()
            self._read = None
        if self._pid is not None:
            pid, self._pid = self._pid, None
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:   # reaped already (SIGCHLD ignored by the host process)
                pass
