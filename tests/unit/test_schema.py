"""schema.validate: every problem reported, with the line of its key."""
from __future__ import annotations

import datetime as dt

import pytest

from careerpress import schema
from careerpress.errors import Problems
from careerpress.yamlfile import load_yaml

PATH = "content/articles/x.md"


def check(text: str, which=schema.PAGE, first_line: int = 2):
    value, lines = load_yaml(text, first_line=first_line)
    problems = Problems()
    clean = schema.validate(value, which, PATH, lines, problems)
    return clean, [str(p) for p in problems.sorted()]


GOOD = "title: T\ndate: 2026-01-02\ndescription: D\n"


def test_a_good_page_is_clean():
    clean, problems = check(GOOD + "tags: [a, 1]\ndraft: false\nupdated: 2026-02-03\n")
    assert problems == []
    assert clean == {"title": "T", "date": dt.date(2026, 1, 2), "description": "D", "tags": ["a", "1"],
                     "draft": False, "updated": dt.date(2026, 2, 3)}


def test_missing_required_keys_are_errors_at_the_mapping():
    _, problems = check("title: T\n")
    assert problems == [f"{PATH}:2: error: missing required key 'date'",
                        f"{PATH}:2: error: missing required key 'description'"]


def test_empty_required_key_is_an_error_at_its_line():
    _, problems = check("title:\ndate: 2026-01-02\ndescription: D\n")
    assert problems == [f"{PATH}:2: error: 'title' must not be empty"]


@pytest.mark.parametrize("line, needle", [
    ("date: soon", "'date' must be a date written YYYY-MM-DD"),
    ('tags: "a, b"', "'tags' must be a list"),
    ("draft: yes please", "'draft' must be true or false"),
    ("slug: Not A Slug", "'slug' must be lowercase"),
    ("faqs: {q: x}", "'faqs' must be a list"),
    ("image: javascript:alert(1)", "'image' must be an http(s), mailto or site-relative link"),
    ("title: [a]", "'title' must be text"),
])
def test_wrong_types_are_errors_at_the_key(line, needle):
    body = {k: v for k, v in (l.split(": ", 1) for l in GOOD.splitlines())}
    key = line.split(":", 1)[0]
    body.pop(key, None)
    text = "".join(f"{k}: {v}\n" for k, v in body.items()) + line + "\n"
    _, problems = check(text)
    assert len(problems) == 1, problems
    where = 2 + len(body)
    assert problems[0].startswith(f"{PATH}:{where}: error: ") and needle in problems[0]


def test_unknown_key_is_a_warning_with_did_you_mean():
    clean, problems = check("tittle: T\ntitle: T\ndate: 2026-01-02\ndescription: D\ntagz: [a]\n")
    assert problems == [f"{PATH}:2: warning: unknown key 'tittle' (did you mean 'title'?)",
                        f"{PATH}:6: warning: unknown key 'tagz' (did you mean 'tags'?)"]
    assert "tittle" not in clean and "tagz" not in clean


def test_nested_records_report_their_own_lines():
    text = GOOD + ("faqs:\n  - q: Fine?\n    a: Yes.\n  - q: Missing answer\n  - q: Extra\n    a: x\n    note: y\n"
                   "sources:\n  - title: Paper\n    kind: academc\n  - ref: articles/y\n    kind: internal\n")
    clean, problems = check(text)
    assert f"{PATH}:8: error: missing required key 'a'" in problems
    assert f"{PATH}:11: warning: unknown key 'note'" in problems
    assert any(p.startswith(f"{PATH}:14: error: 'kind' must be one of academic | industry | internal")
               and "did you mean 'academic'" in p for p in problems)
    assert f"{PATH}:16: warning: unknown key 'kind'" in problems   # a {ref} source has only ref
    assert clean["faqs"][0] == {"q": "Fine?", "a": "Yes."}


def test_not_a_mapping():
    problems = Problems()
    assert schema.validate(["a"], schema.PAGE, PATH, {(): 2}, problems) is None
    assert [str(p) for p in problems.items] == [f"{PATH}:2: error: frontmatter must be a mapping of keys to values"]


def test_platform_url_must_be_https_and_title_defaults_are_optional():
    clean, problems = check("name: Acme\nurl: https://acme.example/\naffiliate: true\n", schema.PLATFORM)
    assert problems == [] and clean["url"] == "https://acme.example/"
    _, problems = check("name: Acme\nurl: http://acme.example/\n", schema.PLATFORM)
    assert len(problems) == 1 and "'url' must be an https:// URL" in problems[0] and ":3:" in problems[0]


@pytest.mark.parametrize("value", ["https://x.org/a", "http://x.org", "mailto:a@x.org", "/jobs/", "articles/x", "#top"])
def test_link_accepts_safe_links(value):
    assert schema.link(value) == value


@pytest.mark.parametrize("value", ["javascript:alert(1)", "JavaScript:x", " data:text/html,x", "vbscript:x",
                                   "file:///etc/passwd", "https://", "/a\nb"])
def test_link_refuses_unsafe_links(value):
    with pytest.raises(ValueError):
        schema.link(value)


@pytest.mark.parametrize("value, expected", [("https://example.org", "https://example.org/"),
                                             ("https://example.org/guide", "https://example.org/guide/"),
                                             ("http://localhost:8000/", "http://localhost:8000/")])
def test_base_url_is_normalised(value, expected):
    assert schema._base_url(value) == expected


@pytest.mark.parametrize("value", ["example.org", "ftp://example.org/", "https://example.org/?q=1", "/sub/"])
def test_base_url_must_be_absolute_http(value):
    with pytest.raises(ValueError):
        schema._base_url(value)
