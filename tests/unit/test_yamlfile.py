"""load_yaml: values, and the line of every key path counted in the whole file."""
from __future__ import annotations

import datetime as dt

import pytest

from careerpress.yamlfile import YamlError, line_of, load_yaml

FRONTMATTER = """\
title: Hello
date: 2026-05-01
tags: [a, b]
faqs:
  - q: First?
    a: |
      Answer.
  - q: Second?
    a: Two.
sources:
  - ref: articles/x
"""


def test_values_and_dates():
    value, _ = load_yaml(FRONTMATTER, first_line=2)
    assert value["title"] == "Hello"
    assert value["date"] == dt.date(2026, 5, 1)
    assert value["tags"] == ["a", "b"]
    assert value["faqs"][0]["a"] == "Answer.\n"


def test_line_map_is_absolute_with_first_line():
    _, lines = load_yaml(FRONTMATTER, first_line=2)   # the YAML starts after the opening '---'
    assert lines[("title",)] == 2
    assert lines[("date",)] == 3
    assert lines[("tags",)] == 4
    assert lines[("faqs",)] == 5
    assert lines[("faqs", 0)] == 6
    assert lines[("faqs", 0, "q")] == 6
    assert lines[("faqs", 0, "a")] == 7
    assert lines[("faqs", 1, "q")] == 9
    assert lines[("faqs", 1, "a")] == 10
    assert lines[("sources", 0, "ref")] == 12


def test_first_line_defaults_to_one():
    _, lines = load_yaml("a: 1\nb:\n  c: 2\n")
    assert lines[("a",)] == 1 and lines[("b", "c")] == 3


def test_line_of_falls_back_to_the_nearest_ancestor():
    _, lines = load_yaml(FRONTMATTER, first_line=2)
    assert line_of(lines, ("faqs", 1, "missing")) == 9
    assert line_of(lines, ("nothing", "here")) == lines[()]
    assert line_of({}, ("x",)) == 1


def test_empty_text_is_none():
    assert load_yaml("", first_line=2) == (None, {})


@pytest.mark.parametrize("text, line", [
    ("title: ok\ntags: [a, b\n", 3),          # an unclosed [ is shown where it opened
    ("title: ok\n  bad: indent\n", 3),
    ("title: ok\n\tx: 1\n", 3),
    ("a: 1\n- b\n", 3),
])
def test_invalid_yaml_is_a_yaml_error_with_an_absolute_line(text, line):
    with pytest.raises(YamlError) as info:
        load_yaml(text, first_line=2)
    assert info.value.line == line
    assert info.value.message.startswith("invalid YAML")


def test_impossible_date_is_an_error_on_its_line_not_a_crash():
    with pytest.raises(YamlError) as info:
        load_yaml("title: x\ndate: 2026-13-45\n", first_line=2)
    assert info.value.line == 3
    assert "2026-13-45" in info.value.message


def test_duplicate_key_is_an_error_on_the_second_key():
    with pytest.raises(YamlError) as info:
        load_yaml("title: a\ndate: 2026-01-01\ntitle: b\n", first_line=2)
    assert info.value.line == 4 and "title" in info.value.message
