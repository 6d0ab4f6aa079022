"""Which file events matter, and a watcher that only enqueues them."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from ..cache import CACHE_DIR, WATCHED

_EDITOR_TEMP = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload")


def relevant(path: str, site: Path) -> bool:
    """Does a change to ``path`` concern the build? A pure function:
    only content/, templates/ and static/ count; the output and cache folders,
    .git, and editor temp files (``.x.swp``, ``x~``, ``.#x``, ``4913``) never do."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(site.absolute())
    except ValueError:
        return False
    parts = rel.parts
    if not parts or parts[0] not in WATCHED:
        return False
    if any(p in (".git", CACHE_DIR, "__pycache__") for p in parts):
        return False
    name = parts[-1]
    if name.endswith(_EDITOR_TEMP) or name.startswith(".#") or name == "4913":
        return False
    return not (name.startswith(".") and len(parts) > 1 and name != parts[0])


class Watcher:
    """watchdog on content/, templates/ and static/; callbacks only set a flag
    and note the time, the build loop does the rest."""

    def __init__(self, site: Path, on_change, poll: bool = False):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type in ("opened", "closed_no_write"):
                    return
                paths = [event.src_path, getattr(event, "dest_path", "") or ""]
                if any(p and relevant(p, site) for p in paths):
                    on_change()

        self.observer = (PollingObserver(timeout=0.5) if poll else Observer())
        handler = Handler()
        for top in WATCHED:
            folder = site / top
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True)
        self.observer.daemon = True

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        if threading.current_thread() is not self.observer:
            self.observer.join(timeout=5)
