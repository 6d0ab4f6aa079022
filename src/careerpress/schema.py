"""The schemas of site.yaml, page frontmatter and data files, declared once.

A schema is a mapping ``key -> Field``. :func:`validate` checks a parsed YAML
mapping against it and reports every problem with the line of its key:
missing required keys and wrong types are errors, unknown keys are warnings
with a did-you-mean. It returns the cleaned values (dates as ``date``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

from .errors import Problems, did_you_mean
from .yamlfile import Lines, as_date, line_of

# A checker turns a YAML value into the clean value, or raises ValueError with
# a message that completes "'key' must be ...".
Checker = Callable[[object], object]


@dataclass(frozen=True)
class Field:
    check: Checker
    required: bool = False
    doc: str = ""


def text(value):
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ValueError("must be text")
    if isinstance(value, (dt.date, int, float)):
        return str(value)
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def nonempty_text(value):
    value = text(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def date(value):
    d = as_date(value)
    if d is None:
        raise ValueError(f"must be a date written YYYY-MM-DD, not {value!r}")
    return d


def boolean(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number of 1 or more, not {value!r}")
    return value


def year(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
        raise ValueError(f"must be a four-digit year, not {value!r}")
    return value


def text_list(value):
    if not isinstance(value, list):
        raise ValueError(f"must be a list (write it as [a, b] or one '- item' a line), not {value!r}")
    out = []
    for item in value:
        if isinstance(item, (list, dict)) or item is None or isinstance(item, bool):
            raise ValueError(f"must be a list of text, but has {item!r}")
        out.append(str(item))
    return out


SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def slug(value):
    value = text(value)
    if not SLUG.match(value):
        raise ValueError(f"must be lowercase letters, digits, '-', '_' or '.', not {value!r}")
    return value


def key(value):
    """A key into a registry (author, platform …); checked against it by the graph."""
    value = text(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def link(value):
    """http(s), mailto, site-relative or relative — never javascript:, data: …"""
    value = text(value).strip()
    m = _SCHEME.match(value)
    scheme = m.group(1).lower() if m else ""
    if scheme and scheme not in ("http", "https", "mailto"):
        raise ValueError(f"must be an http(s), mailto or site-relative link, not a {scheme}: link")
    if any(ch in value for ch in "\x00\n\r\t") or re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError("must not contain control characters")
    if scheme in ("http", "https") and not re.match(r"^https?://[^/\s]+", value, re.I):
        raise ValueError(f"is not a valid URL: {value!r}")
    return value


def https_url(value):
    value = link(value)
    if not re.match(r"^https://[^/\s]+", value):
        raise ValueError(f"must be an https:// URL, not {value!r}")
    return value


def one_of(*choices: str) -> Checker:
    def check(value):
        value = text(value)
        if value not in choices:
            raise ValueError(f"must be one of {' | '.join(choices)}, not {value!r}{did_you_mean(value, choices)}")
        return value
    return check


Schema = dict[str, Field]


def validate(value, schema: Schema, path: str, lines: Lines, problems: Problems,
             at: tuple = (), what: str = "frontmatter") -> dict | None:
    """Check a mapping against ``schema``; report problems; return clean values."""
    if not isinstance(value, dict):
        problems.error(path, line_of(lines, at), f"{what} must be a mapping of keys to values")
        return None
    clean: dict = {}
    for name, val in value.items():
        where = line_of(lines, at + (name,))
        field = schema.get(name)
        if field is None:
            problems.warning(path, where, f"unknown key '{name}'{did_you_mean(str(name), schema)}")
            continue
        if val is None:
            continue  # an empty optional key; an empty required one is reported below
        try:
            clean[name] = field.check(val) if not isinstance(field.check, Nested) \
                else field.check.run(val, path, lines, problems, at + (name,))
        except ValueError as exc:
            problems.error(path, where, f"'{name}' {exc}")
    for name, field in schema.items():
        if field.required and name not in value:
            problems.error(path, line_of(lines, at), f"missing required key '{name}'")
        elif field.required and value[name] is None:
            problems.error(path, line_of(lines, at + (name,)), f"'{name}' must not be empty")
    return clean


class Nested:
    """A checker for lists of records and record alternatives, which report their own lines."""

    def __init__(self, schema: Schema | None = None, *, many: bool = False,
                 choose: Callable[[dict], Schema] | None = None, what: str = "entry"):
        self.schema, self.many, self.choose, self.what = schema, many, choose, what

    def __call__(self, value):  # pragma: no cover - validate() calls run()
        raise NotImplementedError

    def run(self, value, path, lines, problems, at):
        if self.many:
            if not isinstance(value, list):
                raise ValueError(f"must be a list of {self.what}s, not {type(value).__name__}")
            out = []
            for i, item in enumerate(value):
                rec = self._one(item, path, lines, problems, at + (i,))
                if rec is not None:
                    out.append(rec)
            return out
        return self._one(value, path, lines, problems, at)

    def _one(self, item, path, lines, problems, at):
        schema = self.schema
        if self.choose and isinstance(item, dict):
            schema = self.choose(item)
        return validate(item, schema, path, lines, problems, at, what=f"each {self.what}")


# ---------------------------------------------------------------- the schemas

FAQ: Schema = {
    "q": Field(nonempty_text, True, "the question"),
    "a": Field(nonempty_text, True, "the answer, in Markdown"),
}

SOURCE_KINDS = ("academic", "industry", "internal")
SOURCE: Schema = {
    "title": Field(nonempty_text, True, "title of the cited work"),
    "url": Field(link, False, "where to read it"),
    "publisher": Field(text, False, "who published it"),
    "year": Field(year, False, "year of publication"),
    "kind": Field(one_of(*SOURCE_KINDS), True, "academic | industry | internal"),
}
SOURCE_REF: Schema = {
    "ref": Field(key, True, "a page of this site, by its path under content/ without .md"),
}

PAGE: Schema = {
    "title": Field(nonempty_text, True, "the page title"),
    "date": Field(date, True, "publication date, YYYY-MM-DD"),
    "description": Field(nonempty_text, True, "one or two sentences for listings and search engines"),
    "updated": Field(date, False, "date of the last substantial update"),
    "author": Field(key, False, "a key in _data/authors.yaml"),
    "tags": Field(text_list, False, "list of tags"),
    "category": Field(text, False, "free-form category shown above the title"),
    "draft": Field(boolean, False, "true leaves the page out of a build"),
    "slug": Field(slug, False, "overrides the last part of the URL"),
    "image": Field(link, False, "social / header image"),
    "image_alt": Field(text, False, "alternative text of the image"),
    "noindex": Field(boolean, False, "keep the page out of the sitemap and search engines"),
    "platforms": Field(text_list, False, "platform keys featured after the body"),
    "faqs": Field(Nested(FAQ, many=True, what="FAQ"), False, "list of {q, a}"),
    "sources": Field(Nested(many=True, choose=lambda item: SOURCE_REF if "ref" in item else SOURCE,
                            schema=SOURCE, what="source"), False, "list of sources"),
}

PLATFORM: Schema = {
    **PAGE,
    # A platform page may leave these to its name and pitch.
    "title": Field(nonempty_text, False, "defaults to '<name> review'"),
    "date": Field(date, False, "date of the review"),
    "description": Field(nonempty_text, False, "defaults to the pitch"),
    "name": Field(nonempty_text, True, "the platform's name"),
    "url": Field(https_url, True, "the platform's https URL (the affiliate link)"),
    "affiliate": Field(boolean, False, "true when the url earns a commission"),
    "cta": Field(nonempty_text, False, "call to action, e.g. 'Apply Now on Mercor'"),
    "pitch": Field(nonempty_text, False, "one sentence on what the platform is for"),
    "pay": Field(text, False, "typical pay, e.g. '$40–80/hour'"),
}

NAV_ITEM: Schema = {
    "title": Field(nonempty_text, True),
    "url": Field(link, True),
}

SITE: Schema = {
    "title": Field(nonempty_text, True, "the publication's name"),
    "base_url": Field(lambda v: _base_url(v), True,
                      "absolute URL the site is served at, e.g. https://example.org/guide/"),
    "language": Field(text, False, "language code, default 'en'"),
    "description": Field(text, False, "the publication's description"),
    "disclosure": Field(nonempty_text, False, "affiliate disclosure shown in every affiliate callout"),
    "nav": Field(Nested(NAV_ITEM, many=True, what="nav item"), False, "menu: list of {title, url}"),
    "feed_size": Field(positive_int, False, "number of articles in /feed.xml (default 20)"),
    "page_size": Field(positive_int, False, "entries per listing page (default 10)"),
    "stat_max_age_days": Field(positive_int, False, "a stat older than this is a warning (default 365)"),
}


def _base_url(value):
    value = text(value).strip()
    if not re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/[^\s?#]*)?$", value):
        raise ValueError(f"must be an absolute http(s) URL like https://example.org/, not {value!r}")
    return value if value.endswith("/") else value + "/"


AUTHOR: Schema = {
    "name": Field(nonempty_text, True),
    "bio": Field(text, False),
    "role": Field(text, False),
    "url": Field(link, False),
    "image": Field(link, False),
}

CALLOUT: Schema = {
    "eyebrow": Field(text, False, "small label above the title"),
    "title": Field(nonempty_text, True),
    "body": Field(text, False, "one or two plain sentences"),
    "cta_text": Field(nonempty_text, False, "button text"),
    "cta": Field(link, False, "a page name, a site-relative URL or an https URL"),
}

STAT: Schema = {
    "value": Field(nonempty_text, True, "the figure as shown, e.g. '$81,682/year'"),
    "source": Field(nonempty_text, True, "who reported it"),
    "as_of": Field(date, True, "when the figure was true, YYYY-MM-DD"),
    "link": Field(link, False, "where the figure is published"),
}

JOB: Schema = {
    "title": Field(nonempty_text, True),
    "platform": Field(nonempty_text, True, "a platform key or name"),
    "pay": Field(text, False),
    "url": Field(link, True, "where to apply"),
    "posted": Field(date, False),
}
