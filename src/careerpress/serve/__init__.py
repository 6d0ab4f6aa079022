"""careerpress serve: build with drafts, serve the last good build, rebuild on
save with the incremental engine, reload open tabs, show problems in an overlay.

One Preview object owns all the server's state. Watchdog callbacks only mark
that something changed; one build loop waits for a quiet moment (bursts of
saves become one rebuild), builds into a fresh folder, and only then publishes
it: a browser never sees a half-built site.
"""
from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..cache import Cache
from ..config import BuildOptions
from ..pipeline import build
from .http import CLIENT, PreviewHTTPServer
from .watch import Watcher

QUIET = 0.15      # seconds without events before a rebuild starts


class Preview:
    def __init__(self, site: Path, host: str, port: int):
        self.site, self.host, self.port = site, host, port
        self.tmp = Path(tempfile.mkdtemp(prefix="careerpress-serve-"))
        self.out_dir = str(self.tmp / "site")
        self.cache = Cache(site, name="serve", keep_warm=True)
        self.version = 0
        self.problems: list[str] = []
        self.css_only = False
        self.stopping = threading.Event()
        self._changed = threading.Condition()
        self._dirty_at: float | None = None
        self._published = threading.Condition()

    # ------------------------------------------------------------ building
    def build(self, first: bool = False) -> bool:
        base = f"http://{self.host}:{self.port}/"
        options = BuildOptions(site_dir=self.site, out_dir=Path(self.out_dir), base_url=base, drafts=True,
                               search=False, jobs=1 if not first else 0)
        started = time.perf_counter()
        result = build(options, cache=self.cache)
        seconds = time.perf_counter() - started
        problems = [str(p) for p in result.problems]
        for line in problems:
            print(line, file=sys.stderr, flush=True)
        if result.ok:
            changed = result.changed
            print(f"built in {seconds:.2f} s ({len(changed)} file{'s' * (len(changed) != 1)} changed)", flush=True)
            self.publish(problems, css_only=bool(changed) and all(p.endswith(".css") for p in changed),
                         bump=bool(changed) or first)
        else:
            print(f"build failed in {seconds:.2f} s; still serving the last good build", flush=True)
            self.publish(problems, css_only=False, bump=False)
        return result.ok

    def publish(self, problems: list[str], css_only: bool, bump: bool) -> None:
        with self._published:
            if bump:
                self.version += 1
            self.problems, self.css_only = problems, css_only
            self._state_id = getattr(self, "_state_id", 0) + 1
            self._published.notify_all()

    def wait_for_change(self, seen: int | None, timeout: float) -> dict | None:
        """The current build state once it differs from ``seen`` (None: now)."""
        with self._published:
            if seen is not None:
                self._published.wait_for(lambda: self._state_id != seen or self.stopping.is_set(), timeout)
                if self._state_id == seen:
                    return None
            return {"version": self._state_id, "build": self.version, "problems": self.problems,
                    "css_only": self.css_only}

    def mark_dirty(self) -> None:
        with self._changed:
            self._dirty_at = time.monotonic()
            self._changed.notify()

    def build_loop(self) -> None:
        while not self.stopping.is_set():
            with self._changed:
                self._changed.wait_for(lambda: self._dirty_at is not None or self.stopping.is_set())
                if self.stopping.is_set():
                    return
                # Wait until saves have been quiet for a moment (save-all, git checkout).
                while time.monotonic() - self._dirty_at < QUIET:
                    self._changed.wait(QUIET - (time.monotonic() - self._dirty_at))
                self._dirty_at = None
            try:
                self.build()
            except Exception as exc:  # never let one bad build stop the server
                print(f"careerpress: internal error while building: {exc!r}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------ HTML
    def decorate(self, body: bytes) -> bytes:
        """Add the live-reload client to an HTML page (serve only, never build)."""
        tag = f'<script src="{CLIENT}" defer></script>'.encode()
        at = body.rfind(b"</body>")
        return body[:at] + tag + body[at:] if at >= 0 else body + tag

    def close(self) -> None:
        self.stopping.set()
        with self._changed:
            self._changed.notify_all()
        with self._published:
            self._published.notify_all()
        self.cache.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, poll: bool = False) -> int:
    try:
        probe = PreviewHTTPServer((host, port), None)
    except OSError as exc:
        print(f"careerpress: error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    port = probe.server_address[1]
    preview = Preview(site, host, port)
    probe.preview = preview
    watcher = Watcher(site, preview.mark_dirty, poll=poll)

    def stop(signum, frame):  # SIGTERM stops as cleanly as Ctrl-C
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, stop) if threading.current_thread() is threading.main_thread() else None
    try:
        print(f"Building {site} with drafts …", flush=True)
        preview.build(first=True)
        watcher.start()
        threading.Thread(target=preview.build_loop, name="careerpress-build", daemon=True).start()
        print(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        probe.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    finally:
        watcher.stop()
        preview.close()
        probe.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
