"""Headless Chromium for the tests, and a bounded local web server.

Playwright drives the system's Chromium (Debian's ``chromium`` package at
/usr/bin/chromium; CI installs it with apt-get). Playwright's own browser
download is never used. ``CHROMIUM`` overrides the executable's path.

When Playwright, the browser, Java or the npm tools of tests/quality are missing
on a developer's machine, the tests that need them are skipped with the reason
(``need()``); in CI (``CI`` set) a missing tool is a failure, so the checks can't
silently stop running there.

``python tests/browser.py`` takes the README's screenshot of an article.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socketserver
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import REPO, run

# npm tools of the quality tests (tests/quality/package.json)
QUALITY = REPO / "tests" / "quality"
VNU_JAR = QUALITY / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = QUALITY / "node_modules" / "axe-core" / "axe.min.js"
NPM_HINT = "npm ci --prefix tests/quality --ignore-scripts"

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync",
               "--disable-quic"]
# Everything a page does here is on 127.0.0.1; no step waits longer than this (ms).
TIMEOUT_MS = 20_000


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() and os.access(path, os.X_OK) else None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def need(what: str, ok: bool, hint: str) -> None:
    """Skip (locally) or fail (in CI) when a tool the test needs is missing."""
    if ok:
        return
    message = f"{what} is missing: {hint}"
    if in_ci():
        pytest.fail(message + " (CI must install it: see .ci/run)")
    pytest.skip(message)


def chromium_or_skip() -> str:
    try:
        import playwright.sync_api  # noqa: F401
        has_playwright = True
    except ImportError:
        has_playwright = False
    need("Playwright for Python", has_playwright, "pip install -e '.[test]' -c constraints.txt")
    path = chromium_path()
    need("Chromium", path is not None, "apt-get install -y chromium")
    return path


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=LAUNCH_ARGS, headless=True,
                              timeout=TIMEOUT_MS)
        try:
            yield b
        finally:
            b.close()


def new_page(b, width: int = 1200, height: int = 900, **options):
    """A fresh page in its own context, with bounded timeouts."""
    context = b.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


def axe(page) -> dict:
    """Run axe-core on the page as it is now: {"violations": [...], "passes": N}."""
    need("axe-core", AXE_JS.is_file(), NPM_HINT)
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("async () => { const r = await axe.run(document); "
                         "return {violations: r.violations, passes: r.passes.length}; }")


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve(folder: Path, lifetime: float = 900) -> Iterator[str]:
    """Serve ``folder`` over http on 127.0.0.1, on a free port, for the block.

    Yields the origin (``http://127.0.0.1:PORT``). The server runs in a thread
    of the test process; it stops when the block ends, or after ``lifetime``
    seconds whatever happens.
    """
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    deadline = threading.Timer(lifetime, server.shutdown)
    deadline.daemon = True
    thread.start()
    deadline.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        deadline.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# ---------------------------------------------------------------- the sample publication
def build_sample(dest: Path, *args: str, edit_site_yaml: Callable[[str], str] | None = None) -> Path:
    """Build the repo's own publication (content/, templates/, static/) in ``dest``.

    It is copied first, so the repo's public/ is never touched; ``args`` go to
    `careerpress build --strict` (SOURCE_DATE_EPOCH is fixed by conftest.run).
    ``edit_site_yaml`` rewrites the copy's content/site.yaml. Returns the
    output folder (``dest/site/public`` unless ``args`` name another ``--out``).
    """
    site = dest / "site"
    for part in ("content", "templates", "static"):
        shutil.copytree(REPO / part, site / part)
    if edit_site_yaml:
        yaml = site / "content" / "site.yaml"
        yaml.write_text(edit_site_yaml(yaml.read_text(encoding="utf-8")), encoding="utf-8")
    result = run(["build", "--strict", *args], cwd=site)
    assert result.returncode == 0, f"the sample publication does not build:\n{result.stdout}{result.stderr}"
    out = Path(args[args.index("--out") + 1]) if "--out" in args else site / "public"
    return out if out.is_absolute() else site / out


def screenshot_article(target: Path, url: str = "/articles/why-human-input/",
                       width: int = 1200, height: int = 1600) -> Path:
    """The README's picture: the top of an article of the sample, as a reader sees it."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp, browser() as b:
        out = build_sample(Path(tmp))
        with serve(out) as origin:
            page = new_page(b, width=width, height=height)
            page.goto(origin + url)
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": width, "height": height})
            page.context.close()
    return target


if __name__ == "__main__":
    # python tests/browser.py  ->  docs/screenshot-article.png
    print(screenshot_article(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshot-article.png"))
