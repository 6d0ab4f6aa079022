"""The Jinja environment, template errors as Problems, and template dependencies."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import pickle
import posixpath
import tempfile
from pathlib import Path

import jinja2
import jinja2.meta

from ..errors import ERROR, Problem


class TemplateProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


_DICT_ATTRIBUTES = frozenset(dir(dict))


# What the references memo depends on besides each template's source.
_MEMO_VERSION = f"jinja2 {jinja2.__version__}"


class _Environment(jinja2.Environment):
    """Jinja's, with ``page.title`` on a plain dict looked up as the key
    straight away. Jinja tries the attribute first and catches the
    AttributeError, for every lookup: 300,000 of them and a tenth of the
    rendering time at 1,000 articles. A dict has no attributes besides its
    methods, so the result is Jinja's own."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """``compiled_dir``: where compiled templates are kept between builds (Jinja
    checks each against its template's source, so an edited one is compiled again)."""
    cache = None
    if compiled_dir is not None:
        try:
            compiled_dir.mkdir(parents=True, exist_ok=True)
            cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
        except OSError:
            pass
    env = _Environment(
        bytecode_cache=cache,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,   # one environment per build: no need to stat every template on every include
        cache_size=-1,       # every template kept in a plain dict: the default LRU takes a lock on every include
    )
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = _longdate
    env.filters["monthyear"] = _monthyear
    env.filters["rfc3339"] = lambda d: f"{d.isoformat()}T00:00:00Z" if d else ""
    return env


def _longdate(d) -> str:
    return _formatted(d, "{d:%B} {d.day}, {d.year}") if d else ""


def _monthyear(d) -> str:
    return _formatted(d, "{d:%b} {d.year}") if d else ""


@functools.lru_cache(maxsize=4096)   # a listing shows the same dates again and again
def _formatted(d: dt.date, pattern: str) -> str:
    return pattern.format(d=d)


class Templates:
    """Renders templates by name; maps Jinja's errors to ``templates/x.html:LINE``."""

    def __init__(self, env: jinja2.Environment, templates_dir: Path, compiled_dir: Path | None = None):
        self.env, self.dir = env, templates_dir
        self._deps: dict[str, frozenset[str]] = {}
        self._refs: dict[str, list[str]] = {}
        # What each template names, by the digest of its source, kept beside the
        # compiled templates: a rebuild of one page does not parse twelve templates.
        self._memo_path = compiled_dir / "references.pickle" if compiled_dir is not None else None
        self._memo: dict[bytes, list[str]] | None = None

    def render(self, name: str, deps: set[str], **context) -> str:
        deps |= self.deps(name)
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(Problem(self._site_path(exc.filename or exc.name or name), exc.lineno or 1,
                                          ERROR, f"template syntax error: {exc.message}")) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(Problem(f"templates/{name}", 1, ERROR,
                                          f"missing template '{exc.name}'")) from None
        except jinja2.UndefinedError as exc:
            path, line = self._frame(exc, name)
            raise TemplateProblem(Problem(path, line, ERROR, f"template error: {exc.message}")) from None

    def deps(self, name: str) -> frozenset[str]:
        """The template and every template it extends, includes or imports."""
        if name not in self._deps:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                todo.extend(self._references(current))
            self._deps[name] = frozenset(f"templates/{t}" for t in seen)
        return self._deps[name]

    def _references(self, name: str) -> list[str]:
        """The templates ``name`` names itself, each template parsed once a build."""
        if name not in self._refs:
            try:
                source = self.env.loader.get_source(self.env, name)[0]
            except jinja2.TemplateNotFound:
                self._refs[name] = []  # reported when the template is rendered
                return []
            key = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            memo = self._load_memo()
            if key not in memo:
                if len(memo) > 1000:   # old versions of edited templates
                    memo.clear()
                try:
                    memo[key] = [t for t in jinja2.meta.find_referenced_templates(self.env.parse(source)) if t]
                except jinja2.TemplateSyntaxError:
                    self._refs[name] = []  # reported when the template is rendered
                    return []
                self._save_memo()
            self._refs[name] = memo[key]
        return self._refs[name]

    def _load_memo(self) -> dict[bytes, list[str]]:
        if self._memo is None:
            self._memo = {}
            if self._memo_path is not None:
                try:
                    with open(self._memo_path, "rb") as fh:
                        version, memo = pickle.load(fh)
                    if version == _MEMO_VERSION and isinstance(memo, dict) and all(
                            isinstance(refs, list) and all(isinstance(t, str) for t in refs)
                            for refs in memo.values()):
                        self._memo = memo
                except Exception:   # none yet, damaged, another Jinja's: parse again
                    pass
        return self._memo

    def _save_memo(self) -> None:
        if self._memo_path is None:
            return
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self._memo_path.parent, prefix=".references-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((_MEMO_VERSION, self._memo), fh, pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._memo_path)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def _site_path(self, filename: str) -> str:
        try:
            return "templates/" + Path(filename).resolve().relative_to(self.dir.resolve()).as_posix()
        except ValueError:
            return "templates/" + posixpath.basename(filename)

    def _frame(self, exc: BaseException, name: str) -> tuple[str, int]:
        """The innermost template frame of the traceback: where the error is."""
        tb, found = exc.__traceback__, (f"templates/{name}", 1)
        roots = (str(self.dir.resolve()), str(self.dir))
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(roots):
                found = (self._site_path(filename), tb.tb_lineno)
            tb = tb.tb_next
        return found
