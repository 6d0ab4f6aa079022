"""The shortcode preprocessor of MarkdownRenderer.convert: what it finds, where, and what it leaves alone."""
from __future__ import annotations

import pytest

from careerpress.content.markdown import MARKER, MarkdownRenderer

PATH = "content/articles/x.md"


@pytest.fixture(scope="module")
def md():
    return MarkdownRenderer("/")


def convert(md, text: str, first_line: int = 1, first_index: int = 0):
    return md.convert(text, PATH, first_line, first_index)


def messages(out) -> list[str]:
    return [str(p) for p in out.problems]


# ---------------------------------------------------------------- found, with absolute lines
def test_block_shortcode_gets_the_absolute_line_and_a_marker(md):
    out = convert(md, "Intro.\n\n{{< platform acme >}}\n\nOutro.\n", first_line=8)
    assert [(s.name, s.arg, s.line) for s in out.shortcodes] == [("platform", "acme", 10)]
    assert out.problems == []
    html = out.html
    marker = f"<!--cp:sc:{out.shortcodes[0].index}-->"
    assert marker in html
    assert html.index("Intro.") < html.index(marker) < html.index("Outro.")
    assert f"<p>{marker}" not in html, "a block shortcode is not wrapped in a paragraph"


def test_inline_shortcodes_stay_inside_their_paragraph(md):
    out = convert(md, "Pay is {{< stat rate >}} across {{< jobs-count >}} jobs.\n", first_line=5)
    assert [(s.name, s.arg, s.line) for s in out.shortcodes] == [("stat", "rate", 5), ("jobs-count", None, 5)]
    markers = MARKER.findall(out.html)
    assert len(markers) == 2
    assert out.html.startswith("<p>Pay is <!--cp:sc:") and out.html.rstrip().endswith("jobs.</p>")


def test_indexes_continue_from_first_index_and_are_unique(md):
    out = convert(md, "{{< callout a >}}\n\n{{< callout b >}}\n", first_index=7)
    assert [s.index for s in out.shortcodes] == [7, 8]
    assert [s.arg for s in out.shortcodes] == ["a", "b"]


def test_lines_count_across_code_blocks_and_blank_lines(md):
    text = "a\n\n```\ncode\n```\n\n~~~\nmore\n~~~\n\nb {{< stat k >}}\n"
    out = convert(md, text, first_line=20)
    assert [s.line for s in out.shortcodes] == [20 + 10]


def test_state_does_not_leak_between_conversions(md):
    convert(md, "{{< nope >}}\n{{< stat k >}}\n")
    out = convert(md, "Plain text.\n")
    assert out.problems == [] and out.shortcodes == []


# ---------------------------------------------------------------- left alone
@pytest.mark.parametrize("text", [
    "```\n{{< platform nope >}}\n```\n",
    "```python\nx = '{{< stat nope >}}'\n```\n",
    "~~~\n{{< callout nope >}}\n~~~\n",
    "````\n```\n{{< platform nope >}}\n```\n````\n",
    "Para.\n\n    {{< platform nope >}}\n",
    "Para.\n\n\t{{< faq >}}\n",
    "Use `{{< stat nope >}}` inline.\n",
    "Use ``{{< stat nope >}}`` inline.\n",
    "Use `` a ` {{< stat nope >}} `` inline.\n",
    "`{{< platform nope >}}`\n",
], ids=["backticks", "backticks-lang", "tildes", "longer-fence", "indented", "tab-indented",
        "code-span", "double-code-span", "code-span-with-backtick", "code-span-alone"])
def test_code_is_left_alone(md, text):
    out = convert(md, text)
    assert out.shortcodes == [] and out.problems == []
    assert "{{&lt;" in out.html and "<!--cp:sc:" not in out.html


def test_code_before_a_shortcode_does_not_hide_it(md):
    out = convert(md, "```\n{{< nope >}}\n```\n\nText `code` and {{< stat k >}}.\n\n{{< faq >}}\n", first_line=3)
    assert [(s.name, s.line) for s in out.shortcodes] == [("stat", 7), ("faq", 9)]
    assert out.problems == []


def test_indented_list_continuation_is_not_code(md):
    out = convert(md, "- item\n\n    continued with {{< stat k >}}\n", first_line=1)
    assert [(s.name, s.line) for s in out.shortcodes] == [("stat", 3)]


def test_inline_triple_backtick_code_is_not_a_fence(md):
    out = convert(md, "```code``` at the start of a line.\n\n{{< platform acme >}}\n", first_line=1)
    assert [(s.name, s.line) for s in out.shortcodes] == [("platform", 3)]


# ---------------------------------------------------------------- mistakes
def test_unknown_shortcode_with_did_you_mean(md):
    out = convert(md, "a\n\n{{< calout promo >}}\n", first_line=10)
    assert messages(out) == [f"{PATH}:12: error: unknown shortcode 'calout' (did you mean 'callout'?)"]
    assert out.shortcodes == []


def test_unknown_shortcode_far_from_any_name_has_no_suggestion(md):
    out = convert(md, "{{< zzzzzz >}}\n")
    assert messages(out) == [f"{PATH}:1: error: unknown shortcode 'zzzzzz'"]


@pytest.mark.parametrize("text, needle", [
    ("{{< platform >}}\n", "'platform' needs a key"),
    ("{{< callout >}}\n", "'callout' needs a key"),
    ("Pay {{< stat >}} here.\n", "'stat' needs a key"),
    ("{{< stat a b >}}\n", "'stat' takes 1 argument, got 2"),
    ("{{< faq now >}}\n", "'faq' takes no arguments, got 1"),
    ("We have {{< jobs-count 3 >}} jobs.\n", "'jobs-count' takes no arguments, got 1"),
])
def test_wrong_number_of_arguments(md, text, needle):
    out = convert(md, text, first_line=4)
    assert len(out.problems) == 1 and out.shortcodes == []
    p = out.problems[0]
    assert (p.path, p.line, p.severity) == (PATH, 4, "error") and needle in p.message


@pytest.mark.parametrize("name", ["platform acme", "callout promo", "faq"])
def test_block_shortcode_used_inline(md, name):
    out = convert(md, f"First line.\nSee {{{{< {name} >}}}} here.\n", first_line=6)
    assert len(out.problems) == 1 and out.shortcodes == []
    assert out.problems[0].line == 7
    assert "must stand alone on its own line" in out.problems[0].message


def test_unclosed_shortcode(md):
    out = convert(md, "Line one.\nPay is {{< stat rate\n", first_line=2)
    assert messages(out) == [f"{PATH}:3: error: shortcode is not closed: write {{{{< name key >}}}}"]


def test_every_mistake_is_reported(md):
    out = convert(md, "{{< calout a >}}\n\n{{< platform >}}\n\nx {{< faq >}}\n\ny {{< stat z\n", first_line=1)
    assert [p.line for p in out.problems] == [1, 3, 5, 7]


# ---------------------------------------------------------------- links and headings
def test_site_relative_links_get_the_base_path_and_are_recorded():
    md = MarkdownRenderer("/guide/")
    out = md.convert("[a](/platforms/) [b](https://x.org/) [c](//cdn.x.org/y) ![i](/img/p.png) [d](#top)\n",
                     PATH, 1)
    assert 'href="/guide/platforms/"' in out.html and 'src="/guide/img/p.png"' in out.html
    assert 'href="https://x.org/"' in out.html and 'href="//cdn.x.org/y"' in out.html and 'href="#top"' in out.html
    assert [link for link, _ in out.links] == ["/platforms/", "/img/p.png"]


def test_headings_get_ids(md):
    out = convert(md, "## Pay & Perks\n\ntext\n\n### Small print\n\n## Pay & Perks\n")
    ids = [h.id for h in out.headings]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert [h.level for h in out.headings] == [2, 3, 2]
    for i in ids:
        assert f'id="{i}"' in out.html
