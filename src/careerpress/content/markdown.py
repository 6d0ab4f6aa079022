"""Markdown to HTML with Python-Markdown, shortcodes and site-relative links.

Shortcodes are found by a preprocessor that sees the source lines, so each
knows its line in the .md file; it skips fenced and indented code and inline
code spans. Each shortcode is replaced by a marker (``<!--cp:sc:N-->``) that
the render stage fills in from the content graph: the Markdown of a page
depends only on its own text, never on other files.
"""
from __future__ import annotations

import functools
import hashlib
import html
import importlib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import markdown
from markdown import inlinepatterns, util
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHilite, CodeHiliteExtension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import (TocExtension, TocTreeprocessor, escape_cdata, nest_toc_tokens, remove_fnrefs,
                                     render_inner_html, run_postprocessors, strip_tags, unique)
from markdown.extensions.toc import unescape as toc_unescape
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor

from ..errors import Problem, ERROR

# name -> (number of arguments, must stand alone on its line)
SHORTCODES: dict[str, tuple[int, bool]] = {
    "platform": (1, True),
    "callout": (1, True),
    "faq": (0, True),
    "stat": (1, False),
    "jobs-count": (0, False),
}
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[^\s>]*)(?P<args>(?:\s+[^\s>]+)*)\s*>\}\}")
MARKER = re.compile(r"<!--cp:sc:(\d+)-->")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_FENCE = re.compile(r"^\s*(`{3,}(?=[^`]*$)|~{3,})")  # a backtick fence's info string has no backtick
# An HTML tag, and in it href="/…" or src='/…' (not "//host"). Code is escaped
# by the time this runs (&lt;a …), so only real tags match.
_SITE_LINK = re.compile(r"""(\s(?:href|src)\s*=\s*)(["']?)(/(?!/)[^"'\s>]*)""", re.I)
# A tag with a site link in it: only those are looked into (most tags have none).
_LINKING_TAG = re.compile(r"""<[a-zA-Z][^<>]*\s(?i:href|src)\s*=\s*["']?/(?!/)[^<>]*>""")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|\d+[.)])\s")
# A link whose target runs script: Markdown ](javascript:…), a reference
# definition, or an HTML attribute. Writers never need one; it is an error.
_UNSAFE_LINK = re.compile(r"(?:\]\(\s*<?|^\s*\[[^\]]+\]:\s*<?|(?:href|src)\s*=\s*[\"']?\s*)"
                          r"(javascript|vbscript|data)\s*:", re.I)
# What any unsafe link contains, by the case-blind pattern. It is searched for
# in the text lower-cased: a case-blind pattern is several times slower (it has
# no first letters to skip ahead by). Beyond ASCII the case-blind pattern also
# takes "İ" and "ı" for "i" and "ſ" for "s", which lower() does not (and
# "İ".lower() is two characters): those are folded first.
_SCHEME = re.compile(r"(?:javascript|vbscript|data)\s*:", re.I)
_SCHEME_LOWER = re.compile(_SCHEME.pattern)
_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}


class Shortcode(NamedTuple):   # tuples: the cache stores thousands of them
    index: int
    name: str
    arg: str | None
    line: int


def marker(sc: Shortcode) -> str:
    """Raw HTML that Markdown passes through untouched (the preprocessor runs
    before whitespace normalisation, which would strip htmlStash placeholders)."""
    return f"<!--cp:sc:{sc.index}-->"


class Heading(NamedTuple):
    level: int
    id: str
    text: str


@dataclass
class Rendered:
    """What Markdown made of one text: HTML with markers and what it refers to."""

    html: str
    shortcodes: list[Shortcode] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)  # site-relative paths the text links to
    problems: list[Problem] = field(default_factory=list)


class _State:
    """Per-conversion state, reset before each text."""

    def __init__(self):
        self.reset("", 1, 0)

    def reset(self, path: str, first_line: int, next_index: int):
        self.path, self.first_line, self.next_index = path, first_line, next_index
        self.present: set[str] = set(_GATES)   # which of _GATES' characters the text holds
        self.shortcodes: list[Shortcode] = []
        self.problems: list[Problem] = []
        self.links: list[str] = []

    def error(self, line: int, message: str):
        self.problems.append(Problem(self.path, line, ERROR, message))

    def add(self, m: re.Match, line: int, inline: bool) -> Shortcode | None:
        name = m.group("name")
        args = [a.strip("\"'") for a in m.group("args").split()]
        if name not in SHORTCODES:
            from ..errors import did_you_mean
            self.error(line, f"unknown shortcode '{name}'{did_you_mean(name, SHORTCODES)}")
            return None
        wanted, block = SHORTCODES[name]
        if block and inline:
            self.error(line, f"shortcode '{name}' must stand alone on its own line")
            return None
        if len(args) != wanted:
            if wanted and not args:
                self.error(line, f"shortcode '{name}' needs a key: {{{{< {name} KEY >}}}}")
            else:
                self.error(line, f"shortcode '{name}' takes {wanted or 'no'} argument{'s' if wanted != 1 else ''}, got {len(args)}")
            return None
        sc = Shortcode(self.next_index, name, args[0] if args else None, line)
        self.next_index += 1
        self.shortcodes.append(sc)
        return sc


class _ShortcodePreprocessor(Preprocessor):
    def __init__(self, md, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        st, out = self.state, []
        text = "\n".join(lines)
        st.present = {c for c in _GATES if c in text}
        # Most texts hold no scheme that could be unsafe: then no line needs the check,
        # and a text without shortcodes needs no line looked at.
        check_links = _has_scheme(_link_text(text))
        if not check_links and "{{<" not in text:
            return lines
        fence: str | None = None
        in_code = in_list = False
        prev_blank = True
        for i, line in enumerate(lines):
            lineno = st.first_line + i
            stripped = line.strip()
            if fence:  # inside a fenced block: only its closing fence ends it
                if stripped.startswith(fence) and set(stripped) <= set(fence[0]):
                    fence = None
                out.append(line)
                continue
            m = _FENCE.match(line)
            if m:
                fence = m.group(1)
                out.append(line)
                continue
            blank = not stripped
            indented = line.startswith(("    ", "\t"))
            if _LIST_ITEM.match(line):
                in_list = True
            elif not blank and not indented:
                in_list = False
            in_code = indented and not in_list and (prev_blank or in_code) and not blank or (in_code and blank)
            prev_blank = blank
            if in_code:
                out.append(line)
                continue
            unsafe = check_links and _UNSAFE_LINK.search(_link_text(line))
            if unsafe:
                st.error(lineno, f"{unsafe.group(1).lower()}: link is not allowed; links must be http(s), mailto or site-relative")
            if "{{<" not in line:
                out.append(line)
                continue
            whole = SHORTCODE.fullmatch(stripped)
            if whole and SHORTCODES.get(whole.group("name"), (0, False))[1]:
                sc = st.add(whole, lineno, inline=False)
                out.extend(["", marker(sc), ""] if sc else [""])
                continue
            out.append(self._inline(line, lineno))
        return out

    def _inline(self, line: str, lineno: int) -> str:
        parts, pos = [], 0
        for code in _CODE_SPAN.finditer(line):
            parts.append(self._replace(line[pos:code.start()], lineno))
            parts.append(code.group(0))
            pos = code.end()
        parts.append(self._replace(line[pos:], lineno))
        return "".join(parts)

    def _replace(self, text: str, lineno: int) -> str:
        def one(m: re.Match) -> str:
            sc = self.state.add(m, lineno, inline=True)
            return marker(sc) if sc else ""
        text = SHORTCODE.sub(one, text)
        if "{{<" in text:
            self.state.error(lineno, "shortcode is not closed: write {{< name key >}}")
        return text


def _has_scheme(text: str) -> bool:
    """Whether _SCHEME finds a match in ``text`` (a text of ~10 kB, on every page)."""
    if not text.isascii():
        for char, ascii_ in _FOLDS.items():
            if char in text:
                text = text.replace(char, ascii_)
    return _SCHEME_LOWER.search(text.lower()) is not None


def _link_text(text: str) -> str:
    """Text as a browser reads link targets: code spans left out, entities
    decoded, tabs and newlines dropped (``&#106;ava\tscript:`` is ``javascript:``).
    Each step only where it can change something: this runs on every page."""
    if "`" in text:   # a code span never spans lines: only the lines with a backtick
        text = "\n".join(_CODE_SPAN.sub("", line) if "`" in line else line for line in text.split("\n"))
    if "&" in text:
        text = html.unescape(text)
    return text.replace("\t", "").replace("\r", "").replace("\n", "")


# What a text must contain for an inline pattern to match, by the pattern's
# regular expression. A pattern not in this table is always tried.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    inlinepatterns.BACKTICK_RE: ("`",),
    inlinepatterns.ESCAPE_RE: ("\\",),
    inlinepatterns.LINK_RE: ("[",),
    inlinepatterns.IMAGE_LINK_RE: ("![",),
    inlinepatterns.AUTOLINK_RE: ("<",),
    inlinepatterns.AUTOMAIL_RE: ("<",),
    inlinepatterns.LINE_BREAK_RE: ("  \n",),
    inlinepatterns.HTML_RE: ("<",),
    inlinepatterns.ENTITY_RE: ("&",),
    r"\[\^([^\]]*)\]": ("[^",),  # footnote references
}


class _InlineProcessor(InlineProcessor):
    """Python-Markdown's inline stage, skipping the patterns a text cannot match.

    The stock stage tries every inline pattern (about fifteen) on every text
    node, each through a registry lookup and a regex scan; most nodes are plain
    prose with no `[`, `<`, `&` or backtick in them. A pattern is skipped only
    when its required character is absent, where it would find no match
    anyway, so the output is the same."""

    _patterns: list | None = None

    def run(self, tree, ancestors=None):
        if self._patterns is None:   # the patterns are all registered by the first text
            self._patterns = []
            for pattern in self.inlinePatterns:
                trigger = _trigger(pattern)
                self._patterns.append((pattern, trigger[0], trigger[1:]) if trigger else (pattern, None, ()))
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data, patternIndex=0):
        if isinstance(data, util.AtomicString):
            return data
        apply, patterns = self._InlineProcessor__applyPattern, self._patterns
        startIndex, count = 0, len(patterns)
        while patternIndex < count:
            pattern, first, more = patterns[patternIndex]
            if first is not None and first not in data and not (more and any(t in data for t in more)):
                patternIndex, startIndex = patternIndex + 1, 0
                continue
            data, matched, startIndex = apply(pattern, data, patternIndex, startIndex)
            if not matched:
                patternIndex += 1
        return data


def _trigger(pattern) -> tuple[str, ...] | None:
    if isinstance(pattern, inlinepatterns.DelimiterProcessor):
        return tuple(pattern.tokens)
    return _TRIGGERS.get(getattr(pattern, "pattern", None))


# Tree processors that can change nothing unless the text holds a character:
# attribute lists are in braces; the escaped characters that "unescape" puts
# back come only from backslash escapes. Name -> (character, priority they
# are registered with).
_GATES_OF = {"attr_list": ("{", 8), "unescape": ("\\", 0)}
_GATES = frozenset(c for c, _ in _GATES_OF.values())


class _Gated(Treeprocessor):
    """Runs ``inner`` only when the text holds its character (each walks
    every element of the tree: ~5 % of a page's Markdown time, for nothing)."""

    def __init__(self, md, inner: Treeprocessor, char: str, state: _State):
        super().__init__(md)
        self.inner, self.char, self.state = inner, char, state

    def __getattr__(self, name):   # others use its helpers (the inline stage: unescape's RE)
        if name == "inner":        # not set yet (a copy being made): no helpers to lend
            raise AttributeError(name)
        return getattr(self.inner, name)

    def run(self, root):
        if self.char in self.state.present:
            return self.inner.run(root)
        return None


def _holds_rule(block: str) -> bool:
    return block.count("-") >= 3 or block.count("*") >= 3 or block.count("_") >= 3


# Block processors that can find nothing in a block without certain characters;
# each would search the whole of every block with its pattern (together ~5 %
# of a page's Markdown time). Name -> (the method that searches, what the block
# must hold for its pattern to match).
_BLOCK_GATES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "hashheader": ("test", lambda block: "#" in block),
    "setextheader": ("test", lambda block: "\n=" in block or "\n-" in block),
    "quote": ("test", lambda block: ">" in block),
    "hr": ("test", _holds_rule),                         # three of one of - * _
    "reference": ("run", lambda block: "]:" in block),   # [id]: url
    "footnote": ("run", lambda block: "[^" in block),    # [^id]: text
}


# Preprocessors that change nothing in a text without one of these strings:
# each would read the whole text (html_block through Python's HTMLParser).
_FENCES = ("```", "~~~")   # what a fenced code block opens with
_TEXT_GATES = {"fenced_code_block": _FENCES, "html_block": ("<", "&")}


def _gate_texts(md) -> None:
    for name, needs in _TEXT_GATES.items():
        if name not in md.preprocessors:
            continue
        processor = md.preprocessors[name]

        def run(lines, inner=processor.run, needs=needs):
            text = "\n".join(lines)
            return inner(lines) if any(s in text for s in needs) else lines
        processor.run = run


def _gate_blocks(parser) -> None:
    for name, (method, holds) in _BLOCK_GATES.items():
        if name not in parser.blockprocessors:
            continue
        processor = parser.blockprocessors[name]
        inner = getattr(processor, method)
        if method == "test":
            processor.test = lambda parent, block, inner=inner, holds=holds: holds(block) and inner(parent, block)
        else:   # run() that finds nothing puts the block back and returns False
            processor.run = lambda parent, blocks, inner=inner, holds=holds: \
                inner(parent, blocks) if holds(blocks[0]) else False


class _BlockLevel(dict):
    """Markdown.is_block_level, remembered by tag: it is asked ~250 times a
    page, of the same few tags, and lower-cases each tag every time."""

    def __init__(self, answer: Callable[[object], bool]):
        super().__init__()
        self.answer = answer

    def __missing__(self, tag) -> bool:
        answer = self.answer(tag)
        if len(self) < 1024:   # tags of raw HTML are the writer's: do not keep every one
            self[tag] = answer
        return answer


class Highlights:
    """Code blocks highlighted by Pygments, by language and text, so a block is
    highlighted once and reused: a writer who edits an article's prose (or
    moves it, or saves it again) does not wait for Pygments, whose Python lexer
    alone takes ~60 ms to build in a new process. ``lookup`` asks the build's
    cache for a block; ``fresh`` collects what Pygments made, for the cache.
    ``known`` keeps the blocks this process has seen, so a snippet repeated
    across pages (an install command, a shared example: half the code blocks of
    the benchmark's 10,000 articles) is highlighted once per process even where
    there is no cache to ask, as in a cold build's parse workers."""

    KNOWN_MAX = 8192   # blocks kept in memory (a few KB each), then forgotten all at once

    def __init__(self, lookup: Callable[[bytes], str | None] | None = None):
        self.lookup = lookup
        self.fresh: list[tuple[bytes, str]] = []
        self.known: dict[bytes, str] = {}

    @staticmethod
    def key(lang: str | None, code: str) -> bytes:
        return hashlib.blake2b(f"{lang or ''}\0{code}".encode(), digest_size=16, person=_engine_digest()).digest()

    def take(self) -> list[tuple[bytes, str]]:
        fresh, self.fresh = self.fresh, []
        return fresh


class _FencedCode(Preprocessor):
    """Fenced code blocks without options (a language at most), highlighted
    exactly as fenced_code would, through ``Highlights``. It runs just before
    fenced_code and stops at the first block with options ({…} or hl_lines),
    leaving it and the rest to fenced_code, which then finds the text it would
    have made itself up to there: the same placeholders, in the same order."""

    def __init__(self, md, highlights: Highlights):
        super().__init__(md)
        self.highlights = highlights
        self.conf: dict | None = None

    def run(self, lines: list[str]) -> list[str]:
        if self.conf is None:
            self.conf = next((ext.getConfigs() for ext in self.md.registeredExtensions
                              if isinstance(ext, CodeHiliteExtension)), {})
        text = "\n".join(lines)
        if not self.conf.get("use_pygments") or not any(f in text for f in _FENCES):
            return lines
        index = 0
        while m := FencedBlockPreprocessor.FENCED_BLOCK_RE.search(text, index):
            if m.group("attrs") or m.group("hl_lines"):
                break
            placeholder = self.md.htmlStash.store(self._highlighted(m.group("lang") or None, m.group("code")))
            text = f"{text[:m.start()]}\n{placeholder}\n{text[m.end():]}"
            index = m.start() + 1 + len(placeholder)
        return text.split("\n")

    def _highlighted(self, lang: str | None, code: str) -> str:
        store = self.highlights
        key = store.key(lang, code)
        html_ = store.known.get(key)
        if html_ is not None:
            return html_
        html_ = store.lookup(key) if store.lookup else None
        if html_ is None:
            conf = self.conf.copy()
            html_ = CodeHilite(code, lang=lang, style=conf.pop("pygments_style", "default"), **conf).hilite(shebang=False)
            store.fresh.append((key, html_))
        if len(store.known) >= store.KNOWN_MAX:
            store.known.clear()
        store.known[key] = html_
        return html_


class _CareerpressExtension(Extension):
    def __init__(self, state: _State, highlights: Highlights | None = None):
        super().__init__()
        self.state = state
        self.highlights = highlights

    def extendMarkdown(self, md):
        md.preprocessors.register(_ShortcodePreprocessor(md, self.state), "careerpress_shortcodes", 35)
        if self.highlights is not None:
            md.preprocessors.register(_FencedCode(md, self.highlights), "careerpress_fenced_code", 26)
        md.treeprocessors.register(_InlineProcessor(md), "inline", 20)
        _gate_blocks(md.parser)
        _gate_texts(md)
        md.is_block_level = _BlockLevel(md.is_block_level).__getitem__
        for name, (char, priority) in _GATES_OF.items():
            if name in md.treeprocessors:
                md.treeprocessors.register(_Gated(md, md.treeprocessors[name], char, self.state), name, priority)


EXTENSIONS = ["tables", "fenced_code", "footnotes", "attr_list", "sane_lists", "toc", "codehilite"]
class _Formatters:
    """Pygments HTML formatters, one per set of options, reused for every code
    block (codehilite builds a new one, style sheet and all, for each)."""

    def __init__(self):
        self.made: dict[str, object] = {}

    def __call__(self, lang_str: str, **options):
        key = repr(sorted(options.items()))
        formatter = self.made.get(key)
        if formatter is None:
            from pygments.formatters.html import HtmlFormatter
            formatter = self.made[key] = HtmlFormatter(**options)
        return formatter

    def __repr__(self) -> str:  # part of signature(): the same in every process
        return "html"


_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
_NOT_PLAIN = frozenset("&<>\x02\x03")   # what serialising or a postprocessor would change


class _TocTreeprocessor(TocTreeprocessor):
    """Headings get their ids and permalinks and ``md.toc_tokens``; the page
    template draws the table of contents from those, so the stock HTML table
    (built, serialised and post-processed for every text) is never made.

    ``run`` is the stock one (Markdown 3.11) with the same results, cheaper:
    one walk of the tree finds the ids and the headings (the stock walks it
    twice and matches a regex on every tag); a heading that is plain text, as
    most are, is its own inner HTML, where the stock serialises it and runs
    every postprocessor on it; and there is no ``md.toc`` to serialise."""

    def run(self, doc: etree.Element) -> None:
        used_ids = set()
        headings = []
        for el in doc.iter():
            if "id" in el.attrib:
                used_ids.add(el.attrib["id"])
            if el.tag in _HEADINGS:
                headings.append(el)
        id_counters: dict[str, int] = {}
        toc_tokens = []
        for el in headings:
            self.set_level(el)
            text = el.text or ""
            if not len(el) and _NOT_PLAIN.isdisjoint(text):
                innerhtml = text.strip()
                name = " ".join(innerhtml.split())
            else:
                innerhtml = render_inner_html(remove_fnrefs(el), self.md)
                name = strip_tags(innerhtml)
            if "id" not in el.attrib:
                el.attrib["id"] = unique(self.slugify(html.unescape(name), self.sep), used_ids, id_counters)
            data_toc_label = ""
            if "data-toc-label" in el.attrib:
                data_toc_label = run_postprocessors(toc_unescape(el.attrib["data-toc-label"]), self.md)
                name = escape_cdata(strip_tags(data_toc_label))
                del el.attrib["data-toc-label"]
            level = int(el.tag[-1])
            if self.toc_top <= level <= self.toc_bottom:
                toc_tokens.append({"level": level, "id": toc_unescape(el.attrib["id"]), "name": name,
                                   "html": innerhtml, "data-toc-label": data_toc_label})
            if self.use_anchors:
                self.add_anchor(el, el.attrib["id"])
            if self.use_permalinks not in [False, None]:
                self.add_permalink(el, el.attrib["id"])
        self.md.toc_tokens = nest_toc_tokens(toc_tokens)
        self.md.toc = ""


class _TocExtension(TocExtension):
    TreeProcessorClass = _TocTreeprocessor


_OWN_EXTENSIONS = {"toc": _TocExtension}

EXTENSION_CONFIGS = {
    # marker "": no [TOC] paragraph to look for; the template places the table
    "toc": {"permalink": "#", "permalink_class": "anchor", "permalink_title": "Link to this section",
            "toc_depth": "2-3", "marker": ""},
    "codehilite": {"css_class": "highlight", "guess_lang": False, "pygments_formatter": _Formatters()},
}


def _extension(name: str) -> Extension:
    """A built-in extension made from its module: by name, Python-Markdown
    would look it up among every installed package's entry points first
    (importlib.metadata, ~50 ms on every start)."""
    own = _OWN_EXTENSIONS.get(name)
    make = own or importlib.import_module(f"markdown.extensions.{name}").makeExtension
    return make(**EXTENSION_CONFIGS.get(name, {}))


@functools.cache
def signature() -> str:
    """What a cached body depends on besides its source: the engine and its settings."""
    import pygments
    return f"markdown {markdown.__version__} pygments {pygments.__version__} {EXTENSIONS} {EXTENSION_CONFIGS}"


@functools.cache
def _engine_digest() -> bytes:
    return hashlib.blake2b(signature().encode(), digest_size=16).digest()


class MarkdownRenderer:
    """One configured Python-Markdown instance, reused (with reset) for every text.
    Only the extensions the site needs: each costs time on every page."""

    def __init__(self, base_path: str = "/", highlights: Highlights | None = None):
        self.state = _State()
        self.base_path = base_path
        self.highlights = highlights or Highlights()
        self.md = markdown.Markdown(
            extensions=[*map(_extension, EXTENSIONS), _CareerpressExtension(self.state, self.highlights)],
            output_format="html")

    def convert(self, text: str, path: str, first_line: int, first_index: int = 0) -> Rendered:
        """Convert ``text`` whose first line is line ``first_line`` of ``path``."""
        self.md.reset()
        self.state.reset(path, first_line, first_index)
        html = _LINKING_TAG.sub(lambda tag: _SITE_LINK.sub(self._prefix, tag.group(0)), self.md.convert(text))
        headings = [Heading(t["level"], t["id"], t["name"]) for t in _flatten(getattr(self.md, "toc_tokens", []))]
        st = self.state
        return Rendered(html, list(st.shortcodes), headings, [(link, 0) for link in st.links], list(st.problems))

    def _prefix(self, m: re.Match) -> str:
        """Record a site-relative link and give it the base path. Runs on the
        HTML, so raw HTML links a writer typed get it too; code is escaped by
        then and never matches."""
        self.state.links.append(html.unescape(m.group(3)))
        return f"{m.group(1)}{m.group(2)}{self.base_path}{m.group(3)[1:]}"


def _flatten(tokens):
    for t in tokens:
        yield t
        yield from _flatten(t.get("children", []))
