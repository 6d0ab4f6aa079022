"""The tuned Jinja environment (a dict's key looked up first) renders what
Jinja's own does, for every name: keys, dict methods, missing keys."""
from __future__ import annotations

import jinja2
import pytest
from hypothesis import given, settings, strategies as st

from careerpress.render.templates import make_environment

NAMES = ["title", "url", "items", "keys", "get", "values", "update", "pop", "copy", "missing", "__class__", "x"]


def _render(env: jinja2.Environment, source: str, **context) -> str:
    try:
        return env.from_string(source).render(**context)
    except jinja2.UndefinedError as exc:
        return f"UndefinedError: {exc}"
    except TypeError as exc:
        return f"TypeError: {exc}"


@settings(max_examples=200, deadline=None)
@given(keys=st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["v", "", "<b>"]), max_size=6),
       name=st.sampled_from(NAMES), call=st.booleans())
def test_attribute_lookup_on_a_dict_is_jinjas(tmp_path_factory, keys, name, call):
    ours = make_environment(tmp_path_factory.getbasetemp())
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = f"{{{{ d.{name}{'()' if call else ''} }}}}"
    want = _render(stock, source, d=keys)
    assert _render(ours, source, d=keys) == want


def test_a_missing_key_is_still_an_error(tmp_path):
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'"):
        make_environment(tmp_path).from_string("{{ page.nope }}").render(page={"title": "T"})
