"""careerpress build | check | new | serve — arguments in, exit codes out.

Exit codes: 0 built, 1 content errors (warnings too under --strict), 2 wrong usage.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

from . import __version__
from .config import BuildOptions, build_date
from .errors import Problem
from .schema import _base_url

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs takes a number of 1 or more")
    return n


def _base(value: str) -> str:
    try:
        return _base_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--base-url {exc}") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="careerpress", description="Build a career-guide publication from Markdown.")
    p.add_argument("--version", action="version", version=f"careerpress {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{build,serve,check,new}")
    sub.required = True

    b = sub.add_parser("build", help="build the site into the output folder")
    _site_arg(b)
    b.add_argument("--out", default="public", help="output folder, relative to the working directory (default: public)")
    b.add_argument("--base-url", type=_base, help="override base_url from site.yaml")
    b.add_argument("--drafts", action="store_true", help="include drafts and pages dated in the future")
    b.add_argument("--strict", action="store_true", help="fail on warnings too (for CI)")
    b.add_argument("--jobs", type=_jobs, default=0, help="processes to use (default: every core)")
    b.add_argument("--clean", action="store_true", help="ignore the incremental cache and build from scratch")
    b.add_argument("--no-search", dest="search", action="store_false",
                   help="skip the Pagefind search index (faster local builds)")

    c = sub.add_parser("check", help="report every problem in the content; write nothing")
    _site_arg(c)
    c.add_argument("--format", choices=("text", "json", "github"), default="text")
    c.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    c.add_argument("--drafts", action="store_true", help=argparse.SUPPRESS)

    n = sub.add_parser("new", help="start a new page: content/<section>/<slug>.md")
    _site_arg(n)
    n.add_argument("section", help="e.g. articles, guides")
    n.add_argument("title", help="the page title, quoted")

    s = sub.add_parser("serve", help="preview the site with drafts and live reload")
    _site_arg(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    s.add_argument("--poll", action="store_true", help="poll for changes (network or container mounts)")
    return p


def _site_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", default=".", help="the site folder (default: the current folder)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        site = _site_dir(args.site)
        if args.command == "build":
            return cmd_build(args, site)
        if args.command == "check":
            return cmd_check(args, site)
        if args.command == "new":
            return cmd_new(args, site)
        if args.command == "serve":
            from .serve import serve
            return serve(site, host=args.host, port=args.port, poll=args.poll)
    except UsageError as exc:
        print(f"careerpress: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _site_dir(value: str) -> Path:
    site = Path(value).absolute()
    if not (site / "content").is_dir():
        raise UsageError(f"{value} is not a careerpress site: it has no content/ folder")
    return site


def _out_dir(value: str, site: Path) -> Path:
    out = Path(value).resolve()
    site = site.resolve()
    sources = [site / "content", site / "templates", site / "static"]
    if out == site or out in site.parents or any(out == s or s in out.parents or out in s.parents for s in sources):
        raise UsageError(f"--out {value} would overwrite or sit inside the site's own files; choose a separate folder")
    return out


def _quiet() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty()


def print_problems(problems: list[Problem], stream) -> None:
    for p in problems:
        print(p, file=stream)


def _summary(problems: list[Problem]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def cmd_build(args, site: Path) -> int:
    from .pipeline import build
    out = _out_dir(args.out, site)
    options = BuildOptions(site_dir=site, out_dir=out, base_url=args.base_url, drafts=args.drafts,
                           strict=args.strict, jobs=args.jobs, clean=args.clean, search=args.search)
    if not _quiet():
        print(f"Building {site.name or site} …", file=sys.stderr)
    result = build(options)
    print_problems(result.problems, sys.stderr)
    shown = args.out if not Path(args.out).is_absolute() else str(out)
    if not result.ok:
        print(f"Build failed ({_summary(result.problems)}"
              f"{', warnings are errors under --strict' if args.strict and result.problems else ''}); "
              f"{shown} was left as it was.", file=sys.stderr)
        return EXIT_CONTENT
    seconds = sum(result.timings.values())
    extra = f" ({_summary(result.problems)})" if result.problems else ""
    if result.files:
        print(f"Built {result.pages} pages into {shown}: {result.files} file{'s' * (result.files != 1)} "
              f"written in {seconds:.2f} s{extra}.")
    else:
        print(f"{shown} is up to date ({result.pages} pages, {seconds:.2f} s){extra}.")
    return EXIT_OK


def cmd_check(args, site: Path) -> int:
    from .pipeline import build
    options = BuildOptions(site_dir=site, out_dir=site / "public", strict=args.strict, drafts=args.drafts)
    result = build(options, write=False)
    problems = result.problems
    if args.format == "json":
        json.dump({"ok": result.ok, "errors": sum(p.severity == "error" for p in problems),
                   "warnings": sum(p.severity == "warning" for p in problems),
                   "problems": [p.as_dict() for p in problems]}, sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif args.format == "github":
        for p in problems:
            message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::{p.severity} file={p.path},line={p.line}::{message}")
    else:
        print_problems(problems, sys.stdout)
        print(f"{'OK' if result.ok else 'Problems found'}: {_summary(problems)}.", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_CONTENT


def slug_of(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def cmd_new(args, site: Path) -> int:
    section = args.section.strip("/")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*", section):
        raise UsageError(f"section {args.section!r} must be a folder name like 'articles' or 'guides'")
    slug = slug_of(args.title)
    if not slug:
        raise UsageError("the title needs at least one letter or digit")
    path = site / "content" / section / f"{slug}.md"
    if path.exists():
        raise UsageError(f"{path.relative_to(site).as_posix()} exists already")
    today: dt.date = build_date()
    title = json.dumps(args.title, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n"
        f"title: {title}\n"
        f"date: {today.isoformat()}\n"
        f"description: {title}\n"
        "tags: []\n"
        "---\n\n",
        encoding="utf-8",
    )
    print(path.relative_to(site).as_posix())
    return EXIT_OK
