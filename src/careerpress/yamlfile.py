"""YAML that remembers where each key stood.

``load_yaml`` returns the value and a map from key paths (``("faqs", 0, "q")``)
to absolute line numbers, so validation can point at the offending key.
"""
from __future__ import annotations

import datetime as dt
import functools
import re


@functools.cache
def _yaml():
    """PyYAML and its loader, imported when YAML is first read (a no-op build
    reads none: ~25 ms of its start)."""
    import yaml
    # the C loader is several times faster and keeps the same marks
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Lines = dict[tuple, int]
# lines[path + (VALUE,)]: the line where the value of ``path`` starts (for a
# block scalar ``a: |`` the line after the key).
VALUE = "\x00value"
_BAD_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ].*)?$")


class YamlError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str, first_line: int = 1) -> tuple[object, Lines]:
    """Parse one YAML document whose first line is line ``first_line`` of its file."""
    yaml, loader_class = _yaml()
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        # Something opened and never closed ("…, [, {) is best shown where it opened.
        opened = exc.context and ("quoted scalar" in exc.context or "flow" in exc.context)
        mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = " ".join(part for part in (exc.problem, exc.context if opened else None) if part)
        raise YamlError(line, f"invalid YAML: {problem or 'cannot be parsed'}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise YamlError(first_line, f"invalid YAML: {exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a timestamp like 2026-13-45
        line, text_value = _bad_scalar(loader_node(text), first_line)
        raise YamlError(line, f"invalid date {text_value!r}: {exc}") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _walk(node, (), first_line, lines)
    return value, lines


def loader_node(text: str):
    loader = _yaml()[1](text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _bad_scalar(node, first_line: int) -> tuple[int, str]:
    """The first date-like scalar that is not a real date (2026-13-45)."""
    yaml = _yaml()[0]
    todo = [node]
    while todo:
        n = todo.pop(0)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                todo.extend((k, v))
        elif isinstance(n, yaml.SequenceNode):
            todo.extend(n.value)
        elif isinstance(n, yaml.ScalarNode) and n.tag.endswith(":timestamp") and _BAD_DATE.match(n.value):
            try:
                dt.date(*map(int, n.value[:10].split("-")))
            except ValueError:
                return first_line + n.start_mark.line, n.value
    return first_line, ""


def _walk(node, path: tuple, first_line: int, lines: Lines) -> None:
    yaml = _yaml()[0]
    lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen:
                raise YamlError(first_line + key_node.start_mark.line,
                                f"duplicate key '{key}': each key may appear once")
            seen.add(key)
            _walk(value_node, path + (key,), first_line, lines)
            lines[path + (key,)] = first_line + key_node.start_mark.line
            block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
            lines[path + (key, VALUE)] = first_line + value_node.start_mark.line + block
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
