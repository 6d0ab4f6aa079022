"""The tuned Python-Markdown (inline patterns skipped when their character is
absent, shared Pygments formatters, no HTML table of contents) makes the same
HTML and headings as the stock engine with the same extensions."""
from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings, strategies as st

from careerpress.content import markdown as cm
from conftest import REPO, SITES

# Pieces that start, end or break every inline pattern and block the site's
# extensions know, so that random texts hit each pattern with and without
# the character it needs.
PIECES = [
    "a", "b c", " ", "  \n", "\n", "\n\n", "*", "**", "_", "__", "`", "``", "[", "]", "(", ")",
    "![", "<", ">", "&", "&amp;", "&#38;", "\\", "[^1]", "[^1]: note\n", "http://x.y",
    "<http://a.b>", "<a@b.c>", "<b>", "</b>", "<!-- c -->", "# ", "## H", "### H", "- ", "1. ",
    "> ", "    ", "```\n", "```python\nx = 1\n```\n", "|a|b|\n|-|-|\n", "{: .x}", "[x]: /y\n",
    "[x]", "[x][]", "[t](/a/)", "é", "ü", "\u2028",
    "~~~\n", "````\n", "```text\n", "```{.python}\n", "``` { .x #y }\n", "```python hl_lines=\"1\"\n", "x = 1\n",
    "===", "---", "- - -", "***", "_ _ _", "-", "=", "#", "]:", "[^", "&copy;", "&#169;", ">>", "<div>\n", "</div>\n",
]


class _Stock(cm._CareerpressExtension):
    """Our shortcode preprocessor only: the stock inline stage and table of contents."""

    def extendMarkdown(self, md):
        md.preprocessors.register(cm._ShortcodePreprocessor(md, self.state), "careerpress_shortcodes", 35)


def _stock_renderer() -> cm.MarkdownRenderer:
    r = cm.MarkdownRenderer("/")
    configs = {"toc": cm.EXTENSION_CONFIGS["toc"], "codehilite": {"css_class": "highlight", "guess_lang": False}}
    r.md = markdown.Markdown(extensions=[*cm.EXTENSIONS, _Stock(r.state)], extension_configs=configs,
                             output_format="html")
    return r


TUNED, STOCK = cm.MarkdownRenderer("/"), _stock_renderer()


def same(text: str):
    a, b = TUNED.convert(text, "x.md", 1), STOCK.convert(text, "x.md", 1)
    assert a.html == b.html
    assert [(h.level, h.id, h.text) for h in a.headings] == [(h.level, h.id, h.text) for h in b.headings]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join))
def test_random_texts_render_as_the_stock_engine_does(text):
    same(text)


def test_the_sample_and_fixture_pages_render_as_the_stock_engine_does():
    paths = sorted((REPO / "content").rglob("*.md")) + sorted(SITES.rglob("*.md"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    assert len(texts) > 10
    for text in texts:
        same(text)


def test_a_text_full_of_patterns_renders_as_the_stock_engine_does():
    same("# T\n\nA *b* **c** _d_ `e` [f](/g/) ![h](/i.png) <http://j.k> <l@m.n> &amp; <b>o</b>\\*  \n"
         "p[^1]\n\n[^1]: q\n\n```python\nprint('r')\n```\n\n| s | t |\n|---|---|\n| u | v |\n")


@pytest.mark.parametrize("text", [
    "Title\n=====\n\ntext\n", "Title\n-----\n", "a\n\n- - -\n\nb\n", "a\n\n***\n\n___\n", "a\n---\nb\n",
    "- a\n- b\n\n---\n", "[x]: /y\n\n[x]\n", "  [x]: /y \"T\"\n[x]\n", "a[^n]\n\n[^n]: note\n",
    "Fish &amp; chips &copy; &#169;\n", "&amp;\n", "> a\n> > b\n", "a > b\n", "#not a heading\n\n# A\n",
    "<div>\nraw\n</div>\n\ntext\n", "<p>a & b</p>\n", "```\ncode\n```\n", "~~~\ncode\n~~~\n",
])
def test_blocks_the_gates_skip_render_as_the_stock_engine_does(text):
    same(text)


@pytest.mark.parametrize("text", [
    "## Plain words\n\n## Plain words\n\n## Plain words_1\n", "## Fish & chips\n", "## a < b > c\n",
    "## With *emphasis* and `code`\n", "## Café – naïve\n", "## Note[^1]\n\n[^1]: n\n",
    "## Set id {: #mine }\n\n## mine\n", "#\n\n## \n", "<h2 id=\"raw\">Raw</h2>\n\n## Raw\n",
    "## A\\*b\n", "Setext  heading  \n---\n",
])
def test_headings_get_the_ids_and_names_the_stock_table_of_contents_gives(text):
    same(text)


# The letters the case-blind scheme pattern takes for ASCII ones, as lower()
# does not (or only with an extra character), beside the scheme words.
SCHEME_PIECES = ["java", "script", "vb", "da", "ta", "data", "JavaScript", "VBSCRIPT", "DATA", ":", " ", "\n",
                 "\u0130", "\u0131", "\u017f", "\u212a", "\u00e9", "\u2014", "a", "s", "S", "i", "I", "t"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(SCHEME_PIECES), max_size=30).map("".join))
def test_finding_a_scheme_agrees_with_the_case_blind_pattern(text):
    assert cm._has_scheme(text) == (cm._SCHEME.search(text) is not None)


@pytest.mark.parametrize("text", ["javascr\u0131pt:x", "JAVASCR\u0130PT:x", "java\u017fcript:x", "vb\u017fcr\u0131pt:", "DaTa :x"])
def test_a_scheme_spelt_with_letters_beyond_ascii_is_found(text):
    assert cm._has_scheme(text) and cm._SCHEME.search(text)


def test_site_links_in_raw_html_tags_get_the_base_path():
    out = cm.MarkdownRenderer("/guide/").convert(
        '<div class="x"><a href="/a/">a</a> <img alt="i" src=\'/i.png\'> <a HREF=/b/>b</a>'
        ' <a href="//cdn.x.org/c">c</a> <a title="/t/" href="https://x.org/">d</a></div>\n', "x.md", 1)
    assert 'href="/guide/a/"' in out.html and "src='/guide/i.png'" in out.html and "HREF=/guide/b/" in out.html
    assert 'href="//cdn.x.org/c"' in out.html and 'title="/t/" href="https://x.org/"' in out.html


def test_code_blocks_with_different_options_get_their_own_formatter():
    a = TUNED.convert("```python\nx = 1\n```\n", "x.md", 1).html
    b = TUNED.convert("```{.python hl_lines=\"1\"}\nx = 1\n```\n", "x.md", 1).html
    assert '<span class="hll">' in b and '<span class="hll">' not in a


def test_a_snippet_repeated_on_another_page_is_highlighted_once_per_process(monkeypatch):
    renderer = cm.MarkdownRenderer("/")   # no cache to ask, as in a cold build's parse workers
    text = "Intro.\n\n```python\nprint('install')\n```\n"
    first = renderer.convert(text, "a.md", 1).html
    stock = STOCK.convert(text.replace("Intro", "Other"), "b.md", 1).html
    assert [k for k, _ in renderer.highlights.take()] == [cm.Highlights.key("python", "print('install')\n")]
    calls = []
    monkeypatch.setattr(cm.CodeHilite, "hilite", lambda self, shebang=True: calls.append(self.src) or "<pre>NEW</pre>")
    second = renderer.convert(text.replace("Intro", "Other"), "b.md", 1).html
    assert calls == [] and renderer.highlights.take() == []
    assert second == first.replace("Intro", "Other") == stock
    renderer.convert("```python\nprint('other')\n```\n", "c.md", 1)
    assert calls == ["print('other')\n"]


def test_highlighted_blocks_kept_past_the_limit_are_forgotten_not_wrong(monkeypatch):
    monkeypatch.setattr(cm.Highlights, "KNOWN_MAX", 2)
    renderer = cm.MarkdownRenderer("/")
    texts = [f"```python\nx = {i}\n```\n" for i in range(3)]
    first = [renderer.convert(t, "a.md", 1).html for t in texts]
    assert len(renderer.highlights.known) == 1   # full at the third: forgotten, then that one kept
    again = [renderer.convert(t, "a.md", 1).html for t in texts]
    assert again == first == [STOCK.convert(t, "a.md", 1).html for t in texts]
    assert len(renderer.highlights.take()) == 6   # with room for two, each was forgotten before it came back


def test_a_code_block_found_among_the_highlights_is_not_highlighted_again():
    key = cm.Highlights.key("python", "x = 1\n")
    renderer = cm.MarkdownRenderer("/", cm.Highlights({key: "<pre>CACHED</pre>"}.get))
    text = "```python\nx = 1\n```\n\n```python\ny = 2\n```\n"
    html = renderer.convert(text, "x.md", 1).html
    assert "<pre>CACHED</pre>" in html and "CACHED" not in TUNED.convert(text, "x.md", 1).html
    fresh = renderer.highlights.take()
    assert [k for k, _ in fresh] == [cm.Highlights.key("python", "y = 2\n")]
    assert fresh[0][1].strip() in html and fresh[0][1].strip() in STOCK.convert(text, "x.md", 1).html
