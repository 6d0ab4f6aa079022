"""SiteConfig: content/site.yaml, validated against schema.SITE, and build options."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import schema
from .errors import Problems
from .yamlfile import YamlError, line_of, load_yaml

SITE_YAML = "content/site.yaml"
DEFAULT_DISCLOSURE = "Affiliate link — we may earn a commission."


@dataclass(frozen=True)
class SiteConfig:
    """Everything site.yaml says, with its defaults (see schema.SITE for each key)."""

    title: str
    base_url: str                      # absolute, ends with '/'
    language: str = "en"
    description: str = ""
    disclosure: str = DEFAULT_DISCLOSURE
    nav: tuple = ()                    # ({title, url}, …)
    feed_size: int = 20
    page_size: int = 10
    stat_max_age_days: int = 365
    nav_lines: dict = field(default_factory=dict, compare=False, repr=False)  # nav index -> line of its url

    @property
    def base_path(self) -> str:
        """The path part of base_url: '/' or '/guide/'."""
        return urlsplit(self.base_url).path or "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class BuildOptions:
    site_dir: Path
    out_dir: Path
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int = 0                      # 0: every core
    clean: bool = False
    search: bool = True                # build the Pagefind index
    today: dt.date = field(default_factory=lambda: build_date())


def build_date() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.datetime.now(dt.timezone.utc).date()


def load_config(site_dir: Path, problems: Problems, base_url: str | None = None) -> SiteConfig | None:
    path = site_dir / SITE_YAML
    if not path.is_file():
        problems.error(SITE_YAML, 1, "missing site.yaml: a site needs content/site.yaml with title and base_url")
        return None
    from .content.document import read_text
    text = read_text(path, SITE_YAML, problems)
    if text is None:
        return None
    try:
        raw, lines = load_yaml(text)
    except YamlError as exc:
        problems.error(SITE_YAML, exc.line, exc.message)
        return None
    if base_url is not None:
        raw = dict(raw or {}, base_url=base_url) if isinstance(raw, dict) or raw is None else raw
    clean = schema.validate(raw if raw is not None else {}, schema.SITE, SITE_YAML, lines, problems,
                            what="site.yaml")
    if clean is None or "title" not in clean or "base_url" not in clean:
        return None
    if "nav" in clean:
        clean["nav"] = tuple(clean["nav"])
        clean["nav_lines"] = {i: line_of(lines, ("nav", i, "url")) for i in range(len(clean["nav"]))}
    return SiteConfig(**clean)
