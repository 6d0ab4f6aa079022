"""`careerpress serve`: the preview server, tested as an editor uses it.

Every server here is a real subprocess (`python -m careerpress serve --site SITE
--port PORT`) on 127.0.0.1 and a free port, with its own TMPDIR, stopped by its
PID (SIGINT, then kill) when the test ends; after it stops, none of the
``careerpress-serve-*`` folders it made may remain.

The browser tests drive Debian's Chromium through Playwright (tests/browser.py)
and are skipped, with the reason, when either is missing. Run with ``-s`` to see
the measured save-to-update time.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import FIXED_EPOCH, REPO, SITES, copy_site, run, tree

PREFIX = "careerpress-serve-"
READY_S = 20          # the first build and "Serving on" must come within this
UPDATE_S = 10         # a save shows in the browser / terminal within this
STOP_S = 5            # Ctrl-C ends the server within this
SECRET = "TOP-SECRET-c0ffee-outside-the-site"

# Counts the reload client's "build" events, so a test knows the open page is
# listening before it saves (it only observes: the client is unchanged).
SSE_PROBE = """
(() => {
  const Original = window.EventSource;
  if (!Original || window.__cpProbe) return;
  window.__cpProbe = true;
  window.__cpBuildEvents = 0;
  function Probe(url, init) {
    const source = new Original(url, init);
    source.addEventListener("build", () => { window.__cpBuildEvents += 1; });
    return source;
  }
  Probe.prototype = Original.prototype;
  window.EventSource = Probe;
})();
"""


# ---------------------------------------------------------------- the server process
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leftovers(tmpdir: Path) -> set[str]:
    return {p.name for p in tmpdir.glob(PREFIX + "*")}


class Server:
    """One `careerpress serve` subprocess; its stdout and stderr are read by
    threads into lists of lines that tests wait on."""

    def __init__(self, site: Path, tmpdir: Path):
        self.site, self.tmpdir = site, tmpdir
        self.out: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        for _ in range(3):  # the free port may be taken between the probe and the bind
            self.port = free_port()
            self._spawn()
            if self._wait_ready():
                break
            self.stop()
            if not any("cannot listen" in line for line in self.err):
                break
        assert self.ready, (f"careerpress serve did not print 'Serving on' within {READY_S} s\n"
                            f"stdout:\n{''.join(self.out)}\nstderr:\n{''.join(self.err)}")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "TMPDIR": str(self.tmpdir),
               "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONUNBUFFERED": "1"}
        env.pop("CI", None)
        self.out, self.err, self.ready = [], [], False
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "careerpress", "serve", "--site", str(self.site), "--port", str(self.port)],
            cwd=self.site, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", bufsize=1)
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True)]
        for t in self._readers:
            t.start()

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            with self._cond:
                lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_S
        with self._cond:
            while time.monotonic() < deadline:
                if any(line.startswith("Serving on ") for line in self.out):
                    self.ready = True
                    return True
                if self.proc.poll() is not None:
                    return False
                self._cond.wait(0.1)
        return False

    def wait_line(self, lines: list[str], pattern: str, start: int = 0, timeout: float = UPDATE_S) -> re.Match:
        """The first line from index ``start`` of ``lines`` (self.out or self.err) matching ``pattern``."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r} within {timeout} s\n"
                                         f"stdout:\n{''.join(self.out)}\nstderr:\n{''.join(self.err)}")
                self._cond.wait(min(left, 0.1))

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, float]:
        """Send ``sig`` to the server's PID, wait, kill if it does not end;
        returns (exit code, seconds it took)."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=STOP_S + 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        seconds = time.monotonic() - started
        for t in self._readers:
            t.join(timeout=5)
        return self.proc.returncode, seconds


def _start(site: Path, tmpdir: Path, servers: list[Server]) -> Server:
    tmpdir.mkdir(parents=True, exist_ok=True)
    before = leftovers(tmpdir)
    server = Server(site, tmpdir)
    servers.append(server)
    server.before = before
    # The temporary build folder is made in TMPDIR, so the leftover check below is exact.
    assert len(leftovers(tmpdir) - before) == 1, sorted(leftovers(tmpdir))
    return server


def _finish(servers: list[Server]) -> None:
    for server in servers:
        server.stop()
    for server in servers:
        assert leftovers(server.tmpdir) == server.before, (
            f"careerpress serve left temporary folders behind: {sorted(leftovers(server.tmpdir) - server.before)}")


@pytest.fixture
def serve(tmp_path):
    """serve(site) -> a running Server; stopped (SIGINT, then kill) when the test ends."""
    servers: list[Server] = []
    yield lambda site: _start(site, tmp_path / "tmp", servers)
    _finish(servers)


@pytest.fixture
def fixture_site(site):
    return site("incremental")


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- raw HTTP
def request(port: int, method: str, target: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request with the target sent byte for byte as given."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"no complete response to {method} {target}: {data[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    return request(port, "GET", target)


# ---------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def chromium():
    from browser import browser
    with browser() as b:
        yield b


@pytest.fixture
def open_page(chromium):
    """open_page(url) -> a page whose reload client has received its first event."""
    from browser import new_page
    pages = []

    def make(url: str):
        page = new_page(chromium)
        pages.append(page)
        page.add_init_script(SSE_PROBE)
        page.goto(url)
        page.wait_for_function("() => window.__cpBuildEvents >= 1", timeout=UPDATE_S * 1000)
        return page
    yield make
    for page in pages:
        page.context.close()


def main_text(page) -> str:
    return page.inner_text("main")


def test_saved_markdown_shows_in_the_open_page_without_a_manual_reload(fixture_site, serve, open_page):
    server = serve(fixture_site)
    page = open_page(server.origin + "/articles/alpha/")
    assert "A closing paragraph for the alpha piece." in main_text(page)
    md = fixture_site / "content/articles/alpha.md"
    new = "A rewritten closing sentence, saved by the live-reload test."
    text = body_of(md).replace("A closing paragraph for the alpha piece.", new)
    start = len(server.out)
    started = time.perf_counter()
    md.write_text(text, encoding="utf-8")
    page.wait_for_function("(want) => document.querySelector('main') && "
                           "document.querySelector('main').innerText.includes(want)",
                           arg=new, polling=20, timeout=UPDATE_S * 1000)
    seconds = time.perf_counter() - started
    print(f"save-to-update: {seconds:.2f}s")
    print("rebuild:", "".join(server.out[start:]).strip())
    assert "A closing paragraph for the alpha piece." not in main_text(page)
    assert seconds < 5, f"the page took {seconds:.2f} s to show the saved text"


def _break_with_unknown_platform(md: Path) -> int:
    """Put `{{< platform nope >}}` in place of the acme callout, and change a sentence in
    the same save; returns the line of the bad shortcode (1 = the opening ---)."""
    text = body_of(md)
    assert "{{< platform acme >}}" in text
    text = text.replace("{{< platform acme >}}", "{{< platform nope >}}")
    text = text.replace("A closing paragraph for the alpha piece.", "BROKEN-VERSION sentence.")
    md.write_text(text, encoding="utf-8")
    return text.splitlines().index("{{< platform nope >}}") + 1


def test_broken_save_shows_the_overlay_over_the_last_good_page_then_fix_clears_it(
        fixture_site, serve, open_page):
    from playwright.sync_api import expect
    server = serve(fixture_site)
    page = open_page(server.origin + "/articles/alpha/")
    md = fixture_site / "content/articles/alpha.md"
    good = body_of(md)
    assert page.locator("#careerpress-overlay").count() == 0

    line = _break_with_unknown_platform(md)
    overlay = page.locator("#careerpress-overlay")
    expect(overlay).to_be_visible(timeout=UPDATE_S * 1000)
    expect(overlay).to_contain_text(f"content/articles/alpha.md:{line}: error:")
    expect(overlay).to_contain_text("nope")
    # The page is still the last good build: the old sentence, the acme callout, not the broken text.
    text = main_text(page)
    assert "A closing paragraph for the alpha piece." in text
    assert "BROKEN-VERSION" not in page.content()

    md.write_text(good.replace("A closing paragraph for the alpha piece.", "FIXED-VERSION sentence."),
                  encoding="utf-8")
    expect(page.locator("main")).to_contain_text("FIXED-VERSION sentence.", timeout=UPDATE_S * 1000)
    expect(page.locator("#careerpress-overlay")).to_have_count(0)


def test_a_failed_save_does_not_reload_the_open_page(fixture_site, serve, open_page):
    """The overlay goes on top of the page as it is (scroll position, state): a failed
    build publishes nothing new, so there is nothing to reload."""
    from playwright.sync_api import expect
    server = serve(fixture_site)
    page = open_page(server.origin + "/articles/alpha/")
    page.evaluate("() => { window.__marker = 1; }")
    _break_with_unknown_platform(fixture_site / "content/articles/alpha.md")
    expect(page.locator("#careerpress-overlay")).to_be_visible(timeout=UPDATE_S * 1000)
    assert page.evaluate("() => window.__marker") == 1, "the page was reloaded for a build that failed"


def test_a_page_opened_while_the_site_is_broken_shows_the_overlay(fixture_site, serve, open_page):
    from playwright.sync_api import expect
    server = serve(fixture_site)
    start = len(server.out)
    line = _break_with_unknown_platform(fixture_site / "content/articles/alpha.md")
    server.wait_line(server.out, r"^build failed", start)
    page = open_page(server.origin + "/guides/first-steps/")
    overlay = page.locator("#careerpress-overlay")
    expect(overlay).to_be_visible(timeout=UPDATE_S * 1000)
    expect(overlay).to_contain_text(f"content/articles/alpha.md:{line}: error:")
    assert page.locator("main h1").count() >= 1  # the last good page is under it


def test_css_only_change_restyles_the_page_without_a_full_reload(fixture_site, serve, open_page):
    server = serve(fixture_site)
    page = open_page(server.origin + "/articles/alpha/")
    page.evaluate("() => { window.__marker = 1; }")
    before = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert before != "rgb(1, 2, 3)"
    css = fixture_site / "static/css/site.css"
    css.write_text(body_of(css) + "\nbody { background-color: rgb(1, 2, 3) !important; }\n", encoding="utf-8")
    page.wait_for_function("() => getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",
                           polling=50, timeout=UPDATE_S * 1000)
    assert page.evaluate("() => window.__marker") == 1, "a CSS-only change reloaded the whole page"


# ---------------------------------------------------------------- terminal
BURST = ["articles/alpha.md", "articles/beta.md", "articles/gamma.md", "articles/delta.md",
         "articles/portfolio/index.md", "articles/draft-notes.md", "guides/first-steps.md",
         "guides/toolkit.md", "about.md", "index.md"]


def test_a_burst_of_saves_is_one_rebuild(fixture_site, serve):
    server = serve(fixture_site)
    start = len(server.out)
    # ten saves a few hundredths of a second apart, like "save all" in an editor
    for i, name in enumerate(BURST):
        md = fixture_site / "content" / name
        md.write_text(body_of(md) + f"\nBurst edit number {i}.\n", encoding="utf-8")
        time.sleep(0.03)
    server.wait_line(server.out, r"^built in ", start)
    time.sleep(1.5)  # room for any further rebuild the burst would cause
    builds = [line for line in server.out[start:] if line.startswith("built in ")]
    print("burst:", " | ".join(b.strip() for b in builds))
    assert 1 <= len(builds) <= 2, f"{len(builds)} rebuilds for one burst of 10 saves:\n{''.join(builds)}"
    assert not any(line.startswith("build failed") for line in server.out[start:])
    status, _, body = get(server.port, "/about/")
    assert status == 200 and b"Burst edit number 8." in body


def test_a_broken_save_is_reported_on_stderr_and_the_server_keeps_running(fixture_site, serve):
    server = serve(fixture_site)
    md = fixture_site / "content/articles/beta.md"
    good = body_of(md)
    lines = good.splitlines()
    assert lines[0] == "---" and lines[1].startswith("title:")
    # invalid YAML in the frontmatter, on line 3: an unclosed flow sequence
    lines.insert(2, "tags: [pay, unclosed")
    lines = [ln for i, ln in enumerate(lines) if not (i > 2 and ln.startswith("tags:"))]
    err_start, out_start = len(server.err), len(server.out)
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = server.wait_line(server.err, r"^content/articles/beta\.md:(\d+): error: \S", err_start)
    assert int(m.group(1)) == 3, f"the error should point at line 3, the broken key: {m.string.strip()}"
    server.wait_line(server.out, r"^build failed", out_start)
    assert "Traceback" not in "".join(server.err)
    assert server.proc.poll() is None, "the server stopped after a broken save"
    status, _, body = get(server.port, "/articles/beta/")
    assert status == 200 and b"<main" in body  # still serving the last good build

    out_start = len(server.out)
    md.write_text(good, encoding="utf-8")
    server.wait_line(server.out, r"^built in ", out_start)
    assert server.proc.poll() is None


# ---------------------------------------------------------------- HTTP
@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    """One server for the read-only HTTP checks, with a symlink in static/ pointing
    outside the site (made before the server starts)."""
    base = tmp_path_factory.mktemp("serve-http")
    site = copy_site(SITES / "incremental", base / "site")
    (base / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (site / "static" / "leak.txt").symlink_to(base / "secret.txt")
    (site / "static" / "leakdir").symlink_to(base / "outside", target_is_directory=True)
    servers: list[Server] = []
    yield _start(site, base / "tmp", servers)
    _finish(servers)


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    # deep enough to reach / from the build folder, wherever the temp folder is
    "/" + "../" * 16 + "etc/passwd",
    "/" + "%2e%2e/" * 16 + "etc/passwd",
    "/" + "..%2f" * 16 + "etc%2fpasswd",
    "/" + "%2e%2e%2f" * 16 + "etc%2fpasswd",
    "/css/../../../../../../../../etc/passwd",
    "/..%252f..%252f..%252fetc%252fpasswd",
    "/..\\..\\..\\etc\\passwd",
    "/css/..%5c..%5c..%5c..%5cetc%5cpasswd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd%00.html",
    # the build folder is TMPDIR/careerpress-serve-*/site, and secret.txt sits beside TMPDIR
    "/../../../secret.txt",
    "/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "/..%2f..%2f..%2fsecret.txt",
    "/../../../site/content/site.yaml",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t)
def test_paths_outside_the_build_folder_are_404(http_server, target):
    status, _, body = get(http_server.port, target)
    assert status == 404, f"GET {target} -> {status}"
    assert b"root:x:0:0" not in body and SECRET.encode() not in body and b"base_url" not in body



@pytest.mark.parametrize("target", [
    "/leak.txt",
    "/leakdir/secret.txt",
])
def test_a_symlink_in_static_pointing_outside_the_site_is_not_served(http_server, target):
    status, _, body = get(http_server.port, target)
    assert SECRET.encode() not in body, f"GET {target} served a file from outside the site"
    assert status == 404


def test_head_gives_the_headers_of_get_and_no_body(http_server):
    status, headers, body = request(http_server.port, "HEAD", "/articles/alpha/")
    assert status == 200
    assert body == b""
    _, _, full = get(http_server.port, "/articles/alpha/")
    assert int(headers["content-length"]) == len(full) > 0
    assert headers["content-type"].startswith("text/html")
    status, headers, body = request(http_server.port, "HEAD", "/no-such-page/")
    assert status == 404 and body == b"" and int(headers["content-length"]) > 0


@pytest.mark.parametrize("target, types", [
    ("/articles/alpha/", {"text/html"}),
    ("/index.html", {"text/html"}),
    ("/css/site.css", {"text/css"}),
    ("/feed.xml", {"application/xml", "text/xml", "application/atom+xml", "application/rss+xml"}),
    ("/sitemap.xml", {"application/xml", "text/xml"}),
    ("/articles/portfolio/shot.png", {"image/png"}),
])
def test_content_types(http_server, target, types):
    status, headers, body = get(http_server.port, target)
    assert status == 200, target
    assert headers["content-type"].split(";")[0].strip() in types, headers["content-type"]
    assert int(headers["content-length"]) == len(body)
    if target.endswith(".png"):
        assert body == (http_server.site / "content/articles/portfolio/shot.png").read_bytes()
    if target.endswith(".css"):
        assert body == (http_server.site / "static/css/site.css").read_bytes()


def test_a_missing_page_is_404_with_the_sites_404_page(http_server):
    status, headers, body = get(http_server.port, "/no-such-page/")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    ok, _, page_404 = get(http_server.port, "/404.html")
    assert ok == 200
    assert body == page_404
    assert b"Page not found" in body
    status, _, body = get(http_server.port, "/articles/no-such-article.png")
    assert status == 404 and body == page_404


@pytest.mark.parametrize("target, location", [
    ("/articles", "/articles/"),
    ("/articles/alpha", "/articles/alpha/"),
    ("/articles/page/2", "/articles/page/2/"),
])
def test_a_folder_without_its_slash_redirects(http_server, target, location):
    status, headers, _ = get(http_server.port, target)
    assert status == 301
    assert headers["location"] in (location, http_server.origin + location)


def _listeners(port: int) -> list[tuple[str, str]]:
    """(table, local address in hex) of the sockets listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            addr, _, hexport = fields[1].rpartition(":")
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append((table, addr))
    return found


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


def test_binds_to_127_0_0_1_by_default(http_server):
    assert any(line.startswith(f"Serving on http://127.0.0.1:{http_server.port}/") for line in http_server.out)
    if Path("/proc/net/tcp").is_file():
        assert _listeners(http_server.port) == [("/proc/net/tcp", "0100007F")]
    other = _other_address()
    if other:
        with pytest.raises(OSError):
            socket.create_connection((other, http_server.port), timeout=2).close()


# ---------------------------------------------------------------- serve only
def test_the_reload_client_is_in_served_pages_and_never_in_a_build(fixture_site, tmp_path, http_server):
    status, _, body = get(http_server.port, "/articles/alpha/")
    assert status == 200 and b'<script src="/__careerpress/reload.js"' in body
    status, headers, js = get(http_server.port, "/__careerpress/reload.js")
    assert status == 200 and "javascript" in headers["content-type"] and b"EventSource" in js
    for name, args in (("plain", []), ("drafts", ["--drafts"])):
        out = tmp_path / f"public-{name}"
        result = run(["build", "--out", str(out), "--no-search", *args], cwd=fixture_site)
        assert result.returncode == 0, result.stderr
        files = tree(out)
        assert "articles/alpha/index.html" in files
        carrying = [path for path, data in files.items() if b"__careerpress" in data]
        assert not carrying, f"`careerpress build {' '.join(args)}` wrote the reload client into {carrying}"


def test_drafts_and_scheduled_pages_are_served_with_their_banner(http_server):
    status, _, draft = get(http_server.port, "/articles/draft-notes/")
    assert status == 200
    assert re.search(rb'class="status-banner status-draft"[^>]*>\s*<strong>DRAFT</strong>', draft)
    assert b"DRAFT-BODY" in draft
    status, _, scheduled = get(http_server.port, "/articles/scheduled/")
    assert status == 200
    assert re.search(rb'class="status-banner status-scheduled"[^>]*>\s*<strong>SCHEDULED</strong>', scheduled)
    assert b"SCHEDULED-BODY" in scheduled
    _, _, published = get(http_server.port, "/articles/alpha/")
    assert b"status-banner" not in published


# ---------------------------------------------------------------- stopping
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_exits_0_promptly_and_leaves_no_temporary_folder(fixture_site, serve, sig):
    server = serve(fixture_site)
    assert len(leftovers(server.tmpdir) - server.before) == 1
    # an open tab: a live-reload connection that has had its first event
    events = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    events.sendall(f"GET /__careerpress/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    first = b""
    while b"event: build" not in first:
        chunk = events.recv(4096)
        assert chunk, "the event stream closed before its first event"
        first += chunk
    try:
        code, seconds = server.stop(sig)
    finally:
        events.close()
    assert code == 0, f"exit code {code}\nstderr:\n{''.join(server.err)}"
    assert seconds < STOP_S, f"the server took {seconds:.2f} s to stop"
    assert "Traceback" not in "".join(server.err)
    assert leftovers(server.tmpdir) == server.before
