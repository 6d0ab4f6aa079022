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
    # where each entry stands: (file name, key or index) -> (site path, line)
    places: dict[tuple, tuple[str, int]] = field(default_factory=dict)

    def place(self, name: str, key=None) -> tuple[str, int]:
        return self.places.get((name, key)) or self.places.get((name, None), (f"content/_data/{name}.yaml", 1))


def load_data(files: list[SourceFile], problems: Problems) -> SiteData:
    data = SiteData()
    for src in files:
        name = src.src_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        path = src.site_path
        data.places[(name, None)] = (path, 1)
        text = read_text(src.abs_path, path, problems)
        if text is None:
            continue
        try:
            value, lines = load_yaml(text)
        except YamlError as exc:
            problems.error(path, exc.line, exc.message)
            continue
        if name in KEYED:
            if value is None:
                continue
            if not isinstance(value, dict):
                problems.error(path, 1, f"{name}.yaml must be a mapping of keys to entries")
                continue
            entries = {}
            for key, entry in value.items():
                key = str(key)
                data.places[(name, key)] = (path, line_of(lines, (key,)))
                clean = schema.validate(entry, KEYED[name], path, lines, problems, (key,),
                                        what=f"entry '{key}'")
                if clean is not None:
                    entries[key] = clean
            setattr(data, name, entries)
        elif name == "jobs":
            if value is None:
                continue
            if not isinstance(value, list):
                problems.error(path, 1, "jobs.yaml must be a list of jobs ('- title: …')")
                continue
            for i, entry in enumerate(value):
                data.places[(name, i)] = (path, line_of(lines, (i,)))
                clean = schema.validate(entry, schema.JOB, path, lines, problems, (i,), what="job")
                if clean is not None:
                    data.jobs.append(clean)
        else:
            data.other[name] = value
    return data
