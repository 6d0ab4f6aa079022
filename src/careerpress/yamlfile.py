"""YAML that remembers where each key stood.

``load_yaml`` returns the value and a map from key paths (``("faqs", 0, "q")``)
to absolute line numbers, so validation can point at the offending key.
"""
from __future__ import annotations

import datetime as dt

import yaml

try:  # the C loader is several times faster and keeps the same marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader

Lines = dict[tuple, int]


class YamlError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str, first_line: int = 1) -> tuple[object, Lines]:
    """Parse one YAML document whose first line is line ``first_line`` of its file."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or exc.context or "cannot be parsed"
        raise YamlError(line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise YamlError(first_line, f"invalid YAML: {exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a timestamp like 2026-13-45
        raise YamlError(first_line, f"invalid YAML value: {exc}") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _walk(node, (), first_line, lines)
    return value, lines


def _walk(node, path: tuple, first_line: int, lines: Lines) -> None:
    lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            _walk(value_node, path + (key,), first_line, lines)
            lines[path + (key,)] = first_line + key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), first_line, lines)


def line_of(lines: Lines, path: tuple) -> int:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None
