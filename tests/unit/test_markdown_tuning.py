"""The tuned Python-Markdown (inline patterns skipped when their character is
absent, shared Pygments formatters, no HTML table of contents) makes the same
HTML and headings as the stock engine with the same extensions."""
from __future__ import annotations

import markdown
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


def test_code_blocks_with_different_options_get_their_own_formatter():
    a = TUNED.convert("```python\nx = 1\n```\n", "x.md", 1).html
    b = TUNED.convert("```{.python hl_lines=\"1\"}\nx = 1\n```\n", "x.md", 1).html
    assert '<span class="hll">' in b and '<span class="hll">' not in a


def test_a_code_block_found_among_the_highlights_is_not_highlighted_again():
    key = cm.Highlights.key("python", "x = 1\n")
    renderer = cm.MarkdownRenderer("/", cm.Highlights({key: "<pre>CACHED</pre>"}.get))
    text = "```python\nx = 1\n```\n\n```python\ny = 2\n```\n"
    html = renderer.convert(text, "x.md", 1).html
    assert "<pre>CACHED</pre>" in html and "CACHED" not in TUNED.convert(text, "x.md", 1).html
    fresh = renderer.highlights.take()
    assert [k for k, _ in fresh] == [cm.Highlights.key("python", "y = 2\n")]
    assert fresh[0][1].strip() in html and fresh[0][1].strip() in STOCK.convert(text, "x.md", 1).html
