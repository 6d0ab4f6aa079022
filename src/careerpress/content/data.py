"""Stage 2 for data: content/_data/*.yaml, validated entry by entry.

authors, callouts and stats are mappings ``key -> record``; jobs is a list.
Any other data file is passed to templates as it is (``site.data.<name>``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import schema
from ..errors import Problems
from ..yamlfile import YamlError, line_of, load_yaml
from .discover import SourceFile
from .document import read_text

KEYED = {"authors": schema.AUTHOR, "callouts": schema.CALLOUT, "stats": schema.STAT}


@dataclass
class SiteData:
    authors: dict[str, dict] = field(default_factory=dict)
    callouts: dict[str, dict] = field(default_factory=dict)
    stats: dict[str, dict] = field(default_factory=dict)
    jobs: list[dict] = field(default_factory=list)
    other: dict[str, object] = field(default_factory=dict)
    # Entries with errors of their own, and files that could not be read: their
    # keys are known (no follow-on "unknown stat" errors) but never shown.
    invalid: set[tuple[str, str]] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    lines: dict[str, dict] = field(default_factory=dict)   # file name -> its key lines
    paths: dict[str, str] = field(default_factory=dict)    # file name -> its site path

    def place(self, name: str, *path) -> tuple[str, int]:
        """(site path, line) of an entry or one of its fields, for messages."""
        return (self.paths.get(name, f"content/_data/{name}.yaml"),
                line_of(self.lines.get(name, {}), tuple(path)))

    def known(self, name: str, key: str) -> bool:
        entries = getattr(self, name)
        return key in entries or (name, key) in self.invalid or name in self.failed


def load_data(files: list[SourceFile], problems: Problems) -> SiteData:
    data = SiteData()
    for src in files:
        name = src.src_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        path = src.site_path
        data.paths[name] = path
        text = read_text(src.abs_path, path, problems)
        if text is None:
            data.failed.add(name)
            continue
        try:
            value, lines = load_yaml(text)
        except YamlError as exc:
            problems.error(path, exc.line, exc.message)
            data.failed.add(name)
            continue
        data.lines[name] = lines
        if name in KEYED:
            if value is None:
                continue
            if not isinstance(value, dict):
                problems.error(path, 1, f"{name}.yaml must be a mapping of keys to entries")
                data.failed.add(name)
                continue
            entries = {}
            for key, entry in value.items():
                key = str(key)
                before = len(problems.errors)
                clean = schema.validate(entry, KEYED[name], path, lines, problems, (key,),
                                        what=f"entry '{key}'")
                if clean is not None and len(problems.errors) == before:
                    entries[key] = clean
                else:
                    data.invalid.add((name, key))
            setattr(data, name, entries)
        elif name == "jobs":
            if value is None:
                continue
            if not isinstance(value, list):
                problems.error(path, 1, "jobs.yaml must be a list of jobs ('- title: …')")
                continue
            for i, entry in enumerate(value):
                before = len(problems.errors)
                clean = schema.validate(entry, schema.JOB, path, lines, problems, (i,), what="job")
                if clean is not None and len(problems.errors) == before:
                    data.jobs.append(clean)
        else:
            data.other[name] = value
    return data
