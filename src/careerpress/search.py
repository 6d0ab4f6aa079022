"""Stage 5b: the Pagefind search index, built over the finished output.

Pagefind (a Rust binary shipped in the ``pagefind[bin]`` wheel) reads the
written HTML and indexes what templates mark ``data-pagefind-body``: article
bodies and titles, not navigation. It runs on the temporary output folder, so
a failure leaves the published site untouched like any other failed build.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

OUTPUT_SUBDIR = "pagefind"


class SearchIndexFailed(Exception):
    pass


def executable() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError:  # pragma: no cover - a broken install
        raise SearchIndexFailed("the pagefind binary is missing: pip install 'pagefind[bin]'") from None
    return str(get_executable())


def build_search_index(out_dir: Path) -> None:
    """Write ``<out_dir>/pagefind/`` for every page of the built site."""
    result = subprocess.run(
        [executable(), "--site", str(out_dir), "--output-subdir", OUTPUT_SUBDIR, "--silent",
         "--exclude-selectors", ".anchor"],   # heading permalinks ("#") are not words
        capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise SearchIndexFailed("search index: " + (message[-1] if message else f"pagefind exited {result.returncode}"))
