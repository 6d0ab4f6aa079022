"""parse_document: one .md file -> a Document, with lines counted in the whole file."""
from __future__ import annotations

import pytest

from careerpress.content.discover import SourceFile
from careerpress.content.document import kind_of, parse_document, split_frontmatter
from careerpress.content.markdown import MarkdownRenderer


@pytest.fixture(scope="module")
def md():
    return MarkdownRenderer("/")


def parse(tmp_path, md, text, name="articles/x.md", raw: bytes | None = None):
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    doc, problems = parse_document(SourceFile(name, path), md)
    return doc, [str(p) for p in problems]


PAGE = "---\ntitle: T\ndate: 2026-01-02\ndescription: D\n---\n"


def test_split_frontmatter_gives_the_body_line():
    assert split_frontmatter(PAGE + "Body\n") == ("title: T\ndate: 2026-01-02\ndescription: D", "Body\n", 6)
    assert split_frontmatter("no frontmatter\n") is None
    assert split_frontmatter("---\ntitle: T\n") is None


@pytest.mark.parametrize("src, expected", [
    ("articles/why.md", ("articles/why", "articles", "article")),
    ("articles/bundle/index.md", ("articles/bundle", "articles", "article")),
    ("platforms/acme.md", ("platforms/acme", "platforms", "platform")),
    ("about.md", ("about", "", "page")),
    ("index.md", ("", "", "home")),
    ("guides/deep/nested.md", ("guides/deep/nested", "guides", "article")),
])
def test_kind_of(src, expected):
    assert kind_of(src) == expected


def test_shortcode_lines_count_from_the_opening_dashes(tmp_path, md):
    doc, problems = parse(tmp_path, md, PAGE + "\nIntro.\n\n{{< platform acme >}}\n")
    assert problems == []
    assert [(s.name, s.line) for s in doc.shortcodes] == [("platform", 9)]


def test_bom_and_crlf_are_not_errors(tmp_path, md):
    text = (PAGE + "\nIntro.\n\n{{< platform acme >}}\n").replace("\n", "\r\n")
    doc, problems = parse(tmp_path, md, "", raw=b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert problems == []
    assert doc.meta["title"] == "T"
    assert [s.line for s in doc.shortcodes] == [9]


def test_faq_answer_shortcodes_on_the_key_line(tmp_path, md):
    text = PAGE.replace("description: D\n", "description: D\nfaqs:\n  - q: Q\n    a: Pay {{< stat k >}}.\n") + "\nBody.\n"
    doc, problems = parse(tmp_path, md, text)
    assert problems == []
    assert [(s.name, s.line) for s in doc.shortcodes] == [("stat", 7)]
    assert doc.faqs[0]["q"] == "Q" and "<!--cp:sc:" in doc.faqs[0]["a_html"]


def test_faq_answer_shortcodes_in_a_block_scalar(tmp_path, md):
    text = PAGE.replace("description: D\n", "description: D\nfaqs:\n  - q: Q\n    a: |\n      First line.\n"
                        "      Pay {{< stat k >}}.\n") + "\nBody.\n"
    doc, problems = parse(tmp_path, md, text)
    assert text.split("\n")[9 - 1].strip().startswith("Pay {{<")
    assert [(s.name, s.line) for s in doc.shortcodes] == [("stat", 9)]


def test_faq_shortcode_indexes_follow_the_body(tmp_path, md):
    text = PAGE.replace("description: D\n", "description: D\nfaqs:\n  - q: Q\n    a: Pay {{< stat k >}}.\n") + \
        "\n{{< callout c >}}\n"
    doc, _ = parse(tmp_path, md, text)
    assert [(s.index, s.name) for s in doc.shortcodes] == [(0, "callout"), (1, "stat")]


@pytest.mark.parametrize("raw, needle, line", [
    (b"", "empty page file", 1),
    (b"   \n\n", "empty page file", 1),
    (b"Just text\n", "missing frontmatter", 1),
    (b"---\ntitle: T\n", "frontmatter is not closed", 1),
    (b"---\ntitle: T\ndate: [\n---\n", "invalid YAML", 4),
    (b"---\ntitle: T\n---\nbad \xff byte\n", "not valid UTF-8", 4),
])
def test_broken_files_are_problems_not_crashes(tmp_path, md, raw, needle, line):
    doc, problems = parse(tmp_path, md, "", raw=raw)
    assert doc is None
    assert len(problems) == 1 and needle in problems[0]
    assert problems[0].startswith(f"content/articles/x.md:{line}: error: ")


def test_platform_title_and_description_default_to_name_and_pitch(tmp_path, md):
    doc, problems = parse(tmp_path, md, "---\nname: Acme\nurl: https://acme.example/\npitch: Good work.\n---\n",
                          name="platforms/acme.md")
    assert problems == []
    assert doc.kind == "platform" and doc.meta["title"] == "Acme review" and doc.meta["description"] == "Good work."
