"""Stage 2: one Markdown source file -> a validated Document.

A Document depends on its own file only: its frontmatter is checked against
the schema, its body and FAQ answers become HTML with shortcode markers.
Whether the keys it names exist is the graph's question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import schema
from ..errors import Problem, Problems
from ..yamlfile import VALUE, YamlError, load_yaml
from .discover import SourceFile
from .markdown import Heading, MarkdownRenderer, Shortcode

WORDS_PER_MINUTE = 220
_RAW_HTML_OPEN = re.compile(r"(?<!\{\{)<")   # a '<' that does not open a shortcode
_TAGS = re.compile(r"<[^>]+>")


@dataclass(slots=True)   # no __dict__: the cache pickles one per page
class Document:
    src_path: str                 # articles/why-human-input.md
    name: str                     # articles/why-human-input (how content names the page)
    section: str                  # articles ('' for top-level pages)
    kind: str                     # home | page | article | platform
    meta: dict                    # validated frontmatter
    lines: dict                   # key path -> line in the .md file
    body_html: str | None         # None in a skeleton (the state's copy, see pipeline)
    headings: list[Heading] | None  # the body's; None in a skeleton
    shortcodes: list[Shortcode]   # in the body and in FAQ answers
    links: list[str]              # site-relative paths the body links to
    faqs: list[dict]              # {q, a_html}
    words: int
    valid: bool = True            # False: its frontmatter has errors; known by name, never rendered
    body_key: str = ""            # the cache key of the parsed source (incremental builds)
    meta_digest: bytes = b""      # of ``meta``, made once per parse (incremental builds)

    @property
    def site_path(self) -> str:
        return "content/" + self.src_path

    def line(self, *path) -> int:
        from ..yamlfile import line_of
        return line_of(self.lines, tuple(path))


def read_text(path: Path, site_path: str, problems: Problems) -> str | None:
    """A file's text: UTF-8 with an optional BOM, CRLF folded to LF."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        problems.error(site_path, line, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        return None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        problems.error(site_path, line, "file contains a NUL byte")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_frontmatter(text: str) -> tuple[str, str, int] | None:
    """(yaml text, body, line of the body's first line), or None without frontmatter.

    The YAML starts on line 2, after the opening ``---``.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    return None


def kind_of(src_path: str) -> tuple[str, str, str]:
    """(name, section, kind) of a page from where it lies under content/."""
    name = src_path[:-3]
    if name.endswith("/index") or name == "index":
        name = name[: -len("index")].rstrip("/")  # a bundle is named by its folder
    section = name.split("/", 1)[0] if "/" in name else ""
    if name == "":
        return "", "", "home"
    if section == "platforms":
        return name, section, "platform"
    return name, section, "article" if section else "page"


def parse_document(source: SourceFile, md: MarkdownRenderer) -> tuple[Document | None, list[Problem]]:
    problems = Problems()
    path = source.site_path
    text = read_text(source.abs_path, path, problems)
    if text is None:
        return None, problems.items
    if not text.strip():
        problems.error(path, 1, "empty page file: a page needs frontmatter with title, date and description")
        return None, problems.items
    parts = split_frontmatter(text)
    if parts is None:
        first = text.split("\n", 1)[0]
        if first.rstrip() == "---":
            problems.error(path, 1, "frontmatter is not closed: end it with a line '---'")
        else:
            problems.error(path, 1, "missing frontmatter: start the file with '---', title, date, description and '---'")
        return None, problems.items
    fm_text, body, body_line = parts
    try:
        raw, lines = load_yaml(fm_text, first_line=2)
    except YamlError as exc:
        problems.error(path, exc.line, exc.message)
        return None, problems.items
    name, section, kind = kind_of(source.src_path)
    if raw is None:
        raw = {}
    meta = schema.validate(raw, schema.PLATFORM if kind == "platform" else schema.PAGE,
                           path, lines, problems)
    if meta is None:
        return None, problems.items
    valid = not problems.errors
    if kind == "platform":
        meta.setdefault("title", f"{meta.get('name', name)} review")
        if meta.get("pitch"):
            meta.setdefault("description", meta["pitch"])

    try:
        out = md.convert(body, path, body_line)
    except RecursionError:
        problems.error(path, body_line, "the body is nested too deeply for Markdown (lists or quotes "
                                        "hundreds of levels deep); flatten it")
        return None, problems.items
    except Exception as exc:  # Python-Markdown should not fail; if it does, say where, not a traceback
        problems.error(path, body_line, f"Markdown could not convert this page: {exc!r}")
        return None, problems.items
    problems.extend(out.problems)
    shortcodes = list(out.shortcodes)
    links = [link for link, _ in out.links]
    faqs = []
    for i, faq in enumerate(meta.get("faqs", [])):
        if "q" not in faq or "a" not in faq:
            continue  # reported by the schema
        # An answer is frontmatter: Markdown, but raw HTML in it is text, not markup.
        try:
            answer = md.convert(_RAW_HTML_OPEN.sub("&lt;", faq["a"]), path, _value_line(lines, ("faqs", i, "a")),
                                len(shortcodes))
        except (RecursionError, Exception) as exc:
            problems.error(path, _value_line(lines, ("faqs", i, "a")), f"Markdown could not convert this answer: {exc!r}")
            continue
        problems.extend(out_problem for out_problem in answer.problems)
        shortcodes.extend(answer.shortcodes)
        links.extend(link for link, _ in answer.links)
        faqs.append({"q": faq["q"], "a_html": answer.html})
    words = len(_TAGS.sub(" ", out.html).split())
    doc = Document(
        src_path=source.src_path, name=name, section=section, kind=kind, meta=meta, lines=lines,
        body_html=out.html, headings=out.headings, shortcodes=shortcodes,
        links=links, faqs=faqs, words=words, valid=valid,
    )
    return doc, problems.items


def _value_line(lines: dict, path: tuple) -> int:
    """Where an answer's text starts: the key's line, or the next for ``a: |``."""
    return lines.get(path + (VALUE,), lines.get(path, 1))
