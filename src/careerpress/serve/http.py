"""The preview's HTTP side: files of the last good build, live reload over
Server-Sent Events, and the error overlay. Serves nothing outside the build
folder."""
from __future__ import annotations

import json
import mimetypes
import os
import posixpath
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVENTS = "/__careerpress/events"
CLIENT = "/__careerpress/reload.js"

RELOAD_JS = r"""(function () {
  var box = null;
  function overlay(problems) {
    if (box) { box.remove(); box = null; }
    if (!problems.length) return;
    box = document.createElement("div");
    box.id = "careerpress-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "background:#1d1f24;color:#f3f3f3;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;" +
      "padding:16px 20px;border-top:4px solid #e5484d;box-shadow:0 -4px 24px rgba(0,0,0,.4)";
    var title = document.createElement("strong");
    title.textContent = "careerpress: the last save did not build (" + problems.length +
      " problem" + (problems.length == 1 ? "" : "s") + "); this page is the last good version";
    box.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "margin:8px 0 0;padding-left:18px";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      li.style.color = p.indexOf(": error:") >= 0 ? "#ff9592" : "#ffd479";
      list.appendChild(li);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }
  function swapCss() {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("careerpress", Date.now());
      var next = link.cloneNode();
      next.href = url.toString();
      next.onload = function () { link.remove(); };
      link.after(next);
    });
  }
  var source = new EventSource("%(events)s");
  var seen = null;  // the last good build this page knows; a failed save only updates the overlay
  source.addEventListener("build", function (event) {
    var data = JSON.parse(event.data);
    overlay(data.problems);
    if (seen !== null && data.build !== seen) {
      if (data.css_only) swapCss(); else location.reload();
    }
    seen = data.build;
  });
})();
"""


class PreviewHandler(BaseHTTPRequestHandler):
    server_version = "careerpress"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the terminal shows builds
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == EVENTS:
            return self._events()
        if path == CLIENT:
            body = (RELOAD_JS % {"events": EVENTS}).encode()
            return self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", body)
        self._serve(head=False)

    # ------------------------------------------------------------ files
    def _resolve(self) -> str | None:
        """The file for the request path inside the build folder, or None."""
        root = os.path.realpath(self.server.preview.out_dir)
        raw = urllib.parse.urlsplit(self.path).path
        path = urllib.parse.unquote(raw, errors="strict") if "%" in raw else raw
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in posixpath.normpath(path).split("/") if p]
        if any(p in ("..", ".") for p in parts) or ".." in path.split("/"):
            return None
        candidate = os.path.join(root, *parts)
        if os.path.isdir(candidate):
            if not raw.endswith("/"):
                return "redirect"
            candidate = os.path.join(candidate, "index.html")
        real = os.path.realpath(candidate)
        if real != root and not real.startswith(root + os.sep):
            return None
        return real if os.path.isfile(real) else None

    def _serve(self, head: bool) -> None:
        try:
            target = self._resolve()
        except UnicodeDecodeError:
            target = None
        if target == "redirect":
            location = urllib.parse.urlsplit(self.path).path + "/"
            return self._send(HTTPStatus.MOVED_PERMANENTLY, "text/plain; charset=utf-8", b"", head,
                              {"Location": location})
        status = HTTPStatus.OK
        if target is None:
            status = HTTPStatus.NOT_FOUND
            target = os.path.join(self.server.preview.out_dir, "404.html")
            if not os.path.isfile(target):
                return self._send(status, "text/plain; charset=utf-8", b"404 Not Found\n", head)
        ctype = mimetypes.guess_type(target)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/xml", "application/json"):
            ctype += "; charset=utf-8"
        with open(target, "rb") as fh:
            body = fh.read()
        if ctype.startswith("text/html"):
            body = self.server.preview.decorate(body)
        self._send(status, ctype, body, head)

    def _send(self, status, ctype: str, body: bytes, head: bool = False, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # ------------------------------------------------------------ live reload
    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        preview = self.server.preview
        version = None
        try:
            while not preview.stopping.is_set():
                data = preview.wait_for_change(version, timeout=15)
                if data is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    version = data["version"]
                    self.wfile.write(f"event: build\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.close_connection = True


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, preview):
        self.preview = preview
        super().__init__(address, PreviewHandler)
