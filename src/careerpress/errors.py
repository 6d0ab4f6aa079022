"""Problems found in a site, and the one reporter that collects them.

Every content mistake becomes a :class:`Problem` that knows its place
(``path:line``). Stages collect problems instead of raising, so one build
reports all of them at once.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake: ``path`` is relative to the site folder, ``line`` counts from 1."""

    path: str
    line: int
    severity: str
    message: str

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else self.path
        return f"{place}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "severity": self.severity, "message": self.message}


@dataclass
class Problems:
    """Collects problems in the order they are found; prints them sorted."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, ERROR, message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, WARNING, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.severity, p.message))

    def fails(self, strict: bool) -> bool:
        return bool(self.errors or (strict and self.warnings))


class BuildFailed(Exception):
    """Raised by the pipeline when content errors stop a build."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def shown(path: Path, site: Path) -> str:
    """How a problem names a file or folder: relative to the site folder when
    it is inside it (``public``), else as the command was given it."""
    try:
        return path.absolute().relative_to(site.absolute()).as_posix()
    except ValueError:
        return str(path)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``''``."""
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
