#!/usr/bin/env python3
"""Benchmark careerpress against Pelican, MkDocs, Hugo and Eleventy on one corpus.

    python bench/run.py                       # 1,000 and 10,000 articles, 3 runs + 1 warm-up
    python bench/run.py --quick               # 200-article smoke run
    python bench/run.py --sizes 1000 --runs 1 --profile

For every size it generates the career-guide corpus with ../shared/bench/gen_corpus.py
(cached in bench/.corpora/), lays the careerpress part of it over a copy of this
repository's sample site, and times, whole process, as medians:

  careerpress  cold build (output folder and <site>/.careerpress-cache/ removed first),
               the same with --no-search (if the CLI has it: the peers build no index),
               a rebuild after appending a sentence to one article,
               a rebuild after changing the pitch of a platform 10 % of articles feature,
               (without the index) the same article edited again, which finds the
               output kept by the build before as every later edit does,
               a no-op rebuild;
  peers        a cold build of the same corpus by Pelican, MkDocs, Hugo and Eleventy
               (installed by bench/setup.sh into bench/.peers/).

careerpress is only ever run through its CLI (`python -m careerpress build`), so the
harness does not depend on its internals. Results: a table on stdout and bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = BENCH / ".corpora"
PEERS_DIR = BENCH / ".peers"
SEED = "20240601"
PLATFORM = "mercor"          # featured by every 10th article (gen_corpus --platforms mercor)
CALLOUT = "getting-started"  # a callout key the sample site defines
CACHE_DIR = ".careerpress-cache"
GNU_TIME = "/usr/bin/time"

# ------------------------------------------------------------------ measuring one command


@dataclass
class Sample:
    wall: float            # seconds, perf_counter around the whole process
    cpu: float             # user + system seconds of the command and its descendants
    maxrss_mib: float      # largest ru_maxrss of the command and its descendants (GNU time %M)
    tree_mib: float        # peak of the summed PSS of the whole process tree, sampled
    ok: bool
    log: Path


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak of the process tree's summed PSS (shared pages split between the processes
    that share them, so forked workers are not counted twice): every 0.1 s for the first
    two seconds, so short builds are seen too, then every `interval` s, to stay light."""

    def __init__(self, root: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        if not os.path.exists("/proc/self/smaps_rollup"):
            return
        t0 = time.monotonic()
        while not self._done.is_set():
            total = sum(_pss_kib(pid) for pid in _descendants(self.root))
            self.peak_kib = max(self.peak_kib, total)
            self._done.wait(0.1 if time.monotonic() - t0 < 2 else self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


# Used when GNU time is missing: a small Python process runs the command and reports the
# largest maxrss among its waited-for descendants (what GNU time's %M reports) and their
# user and system time, in GNU time's format below.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime:.2f} {u.ru_stime:.2f}\\n')\n"
    "sys.exit(rc)\n"
)


def measure(cmd: list[str], cwd: Path, log: Path, env: dict | None = None) -> Sample:
    """Run cmd once, whole process: wall time, peak memory, output into `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    if os.access(GNU_TIME, os.X_OK):
        full = [GNU_TIME, "-f", "%M %U %S", "-o", rss_file, *cmd]
    else:
        full = [sys.executable, "-c", _RSS_WRAPPER, rss_file, *cmd]
    with open(log, "wb") as out:
        out.write(("$ " + " ".join(cmd) + f"\n  (in {cwd})\n").encode())
        out.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop()
    maxrss_kib, cpu = 0, 0.0
    try:
        # GNU time puts "Command exited with non-zero status N" before the figures
        last = Path(rss_file).read_text().strip().splitlines()[-1].split()
        maxrss_kib, cpu = int(last[0]), float(last[1]) + float(last[2])
    except (OSError, ValueError, IndexError):
        pass
    finally:
        os.unlink(rss_file)
    return Sample(wall, cpu, maxrss_kib / 1024, sampler.peak_kib / 1024, rc == 0, log)


# ------------------------------------------------------------------ corpus and site


def gen_corpus(shared: Path, n: int) -> Path:
    """bench/.corpora/n<N>/corpus, generated once per (n, seed, gen_corpus.py)."""
    script = shared / "bench" / "gen_corpus.py"
    if not script.is_file():
        sys.exit(f"run.py: {script} not found (use --shared DIR)")
    node_modules = PEERS_DIR / "eleventy" / "node_modules"
    stamp = {"n": n, "seed": SEED, "platforms": PLATFORM, "callouts": CALLOUT,
             "node_modules": str(node_modules),
             "gen_corpus": hashlib.sha256(script.read_bytes()).hexdigest()}
    out = CORPORA / f"n{n}" / "corpus"
    stamp_file = out / "stamp.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        return out
    if out.exists():
        shutil.rmtree(out)
    progress(f"[{n}] generating the corpus into {out.relative_to(REPO)}")
    subprocess.run([sys.executable, str(script), "--n", str(n), "--out", str(out), "--seed", SEED,
                    "--platforms", PLATFORM, "--callouts", CALLOUT,
                    "--eleventy-node-modules", str(node_modules)],
                   check=True, stdout=subprocess.DEVNULL)
    stamp_file.write_text(json.dumps(stamp, indent=1))
    return out


def make_site(corpus: Path, n: int) -> Path:
    """A fresh careerpress site: this repository's sample site (templates/, static/ and all
    of content/, whose data and platform pages refer to its own guides, articles and
    authors) with the corpus's articles laid over it and its authors added to authors.yaml."""
    site = CORPORA / f"n{n}" / "site"
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    for part in ("templates", "static", "content"):
        if (REPO / part).exists():
            shutil.copytree(REPO / part, site / part)
    src = corpus / "careerpress" / "content"
    for path in sorted(src.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(src)
        dest = site / "content" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel.as_posix() == "_data/authors.yaml" and dest.exists():
            # both are mappings "key: {...}" with different keys: one file holds both
            dest.write_text(dest.read_text().rstrip("\n") + "\n" + path.read_text())
        else:
            shutil.copy2(path, dest)
    return site


def corpus_slugs(corpus: Path) -> list[str]:
    return sorted(p.stem for p in (corpus / "careerpress" / "content" / "articles").glob("*.md"))


# ------------------------------------------------------------------ peers


@dataclass
class Peer:
    name: str
    folder: str                 # gen_corpus's folder for it
    cmd: list[str]
    outputs: tuple[str, ...]    # removed before every (cold) build
    page: str                   # one article's output, relative to the folder: {slug}
    version_cmd: list[str]
    env: dict = field(default_factory=dict)


def peers() -> list[Peer]:
    venv = PEERS_DIR / "venv" / "bin"
    eleventy = PEERS_DIR / "eleventy" / "node_modules" / ".bin" / "eleventy"
    hugo = shutil.which("hugo") or "hugo"
    return [
        Peer("Pelican", "pelican", [str(venv / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
             ("output", "__pycache__"), "output/{slug}/index.html", [str(venv / "pelican"), "--version"]),
        Peer("MkDocs", "mkdocs", [str(venv / "mkdocs"), "build", "-q", "-d", "site"],
             ("site",), "site/articles/{slug}/index.html", [str(venv / "mkdocs"), "--version"]),
        Peer("Hugo", "hugo", [hugo, "--quiet", "-d", "public"],
             ("public", "resources", ".hugo_build.lock"), "public/posts/{slug}/index.html", [hugo, "version"]),
        Peer("Eleventy", "eleventy", [str(eleventy), "--quiet"],
             ("_site", ".cache"), "_site/posts/{slug}/index.html", [str(eleventy), "--version"]),
    ]


def version_of(cmd: list[str]) -> str | None:
    if not (os.access(cmd[0], os.X_OK) or shutil.which(cmd[0])):
        return None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    if not text:
        return None
    line = text[-1] if "pelican" in cmd[0] else text[0]
    m = re.search(r"v?(\d+\.\d+(?:\.\d+)?)", line)
    return m.group(1) if m else line


def remove(*paths: Path) -> None:
    for p in paths:
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.is_dir():
            shutil.rmtree(p)


# ------------------------------------------------------------------ the careerpress runs


def cp_cmd(site: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "careerpress", "build", "--site", str(site), "--out", str(out), *extra]


def cli_flags() -> set[str]:
    out = subprocess.run([sys.executable, "-m", "careerpress", "build", "--help"],
                         capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        sys.exit("run.py: `python -m careerpress build --help` failed:\n" + out.stderr)
    return set(re.findall(r"--[a-z][a-z-]*", out.stdout))


def article_marker(k: int) -> str:
    return f"Benchmark edit {k} appended this sentence."


def pitch_marker(k: int) -> str:
    return f"(benchmark edit {k})"


def edit_article(path: Path, pristine: str, k: int) -> None:
    path.write_text(pristine.rstrip("\n") + "\n\n" + article_marker(k) + "\n")


def edit_pitch(path: Path, pristine: str, k: int) -> None:
    import yaml   # careerpress's own dependency
    lines = pristine.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("pitch:"):
            old = yaml.safe_load(line)["pitch"]
            lines[i] = "pitch: " + json.dumps(f"{old} {pitch_marker(k)}", ensure_ascii=False) + "\n"
            break
    else:
        raise SystemExit(f"run.py: {path} has no pitch: line")
    path.write_text("".join(lines))


def featuring(site: Path, slugs: list[str]) -> list[str]:
    """Corpus articles that feature PLATFORM."""
    arts = site / "content" / "articles"
    return [s for s in slugs if re.search(rf"^platforms: \[{PLATFORM}\]$",
                                          (arts / f"{s}.md").read_text(), re.M)]


def page_html(out: Path, slug: str) -> str:
    try:
        return (out / "articles" / slug / "index.html").read_text(errors="replace")
    except OSError:
        return ""


def digest(out: Path) -> dict[str, str]:
    """Relative path -> content hash of every file under out."""
    result = {}
    for path in out.rglob("*"):
        if path.is_file():
            result[path.relative_to(out).as_posix()] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return result


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def changed_text(files: list[str], total: int) -> str:
    """"12 of 1,675 files changed (pagefind/ 10, articles/ 1, feed.xml 1)"."""
    if not files:
        return f"no file of {total:,} changed"
    groups: dict[str, int] = {}
    for f in files:
        top = f.split("/", 1)[0] + ("/" if "/" in f else "")
        groups[top] = groups.get(top, 0) + 1
    shown = ", ".join(f"{g} {c:,}" for g, c in sorted(groups.items(), key=lambda x: (-x[1], x[0])))
    return f"{len(files):,} of {total:,} files changed ({shown})"


# ------------------------------------------------------------------ one size


@dataclass
class Row:
    key: str
    label: str
    samples: list[Sample] = field(default_factory=list)
    check: str = ""
    skipped: str = ""

    @property
    def measured(self) -> list[Sample]:
        return [s for s in self.samples[1:]]      # the first one is the warm-up

    def median(self, attr: str) -> float | None:
        vals = [getattr(s, attr) for s in self.measured if s.ok]
        return statistics.median(vals) if vals else None

    def spread(self) -> tuple[float, float] | None:
        vals = [s.wall for s in self.measured if s.ok]
        return (min(vals), max(vals)) if vals else None

    @property
    def failed(self) -> bool:
        return any(not s.ok for s in self.samples)


def run_size(n: int, args, flags: set[str], peer_list: list[Peer]) -> dict[str, Row]:
    corpus = gen_corpus(args.shared, n)
    site = make_site(corpus, n)
    out = CORPORA / f"n{n}" / "careerpress-out"
    logs = CORPORA / f"n{n}" / "logs"
    remove(logs)
    slugs = corpus_slugs(corpus)
    if len(slugs) != n:
        sys.exit(f"run.py: the corpus has {len(slugs)} articles, expected {n}")
    # the middle article, gen_corpus's number n // 2 + 1: odd, so it features no platform
    edited = next((s for s in slugs if s.endswith(f"-{n // 2 + 1}")), slugs[len(slugs) // 2])
    art_path = site / "content" / "articles" / f"{edited}.md"
    plat_path = site / "content" / "platforms" / f"{PLATFORM}.md"
    if not plat_path.is_file():
        sys.exit(f"run.py: the sample site has no content/platforms/{PLATFORM}.md")
    art_pristine, plat_pristine = art_path.read_text(), plat_path.read_text()
    feat = featuring(site, slugs)

    rows: dict[str, Row] = {}

    def row(key: str, label: str) -> Row:
        return rows.setdefault(key, Row(key, label))

    search_flag = "--no-search" in flags
    for k in range(args.runs + 1):
        tag = "warm-up" if k == 0 else f"run {k}/{args.runs}"
        # every round starts from the same content, so every cold build builds the same site
        art_path.write_text(art_pristine)
        plat_path.write_text(plat_pristine)

        def cp(key: str, label: str, *extra: str) -> Row:
            r = row(key, label)
            s = measure(cp_cmd(site, out, *extra), REPO, logs / f"careerpress-{key}-{k}.log")
            r.samples.append(s)
            progress(f"[{n}] {tag:>9}  careerpress {label:<24} {fmt_s(s.wall):>8}  {s.maxrss_mib:6.0f} MiB"
                     + ("" if s.ok else f"  FAILED, see {s.log}"))
            return r

        if search_flag:
            # The same builds without the Pagefind index (the peers build none): a
            # rebuild then does only what the edit touched.
            remove(out, site / CACHE_DIR)
            r = cp("cold-nosearch", "cold, no search", "--no-search")
            if k == 0 and not r.failed:
                r.check = check_pages(out, slugs)
            before = digest(out)
            edit_article(art_path, art_pristine, k)
            r = cp("edit-article-nosearch", "edit one article, no search", "--no-search")
            after = digest(out)
            r.check = merge_check(r.check, ("STALE: the edit is missing from the page"
                                            if article_marker(k) not in page_html(out, edited) else "edit shown")
                                  + "; " + changed_text(changed(before, after), len(after)))
            before = after
            edit_pitch(plat_path, plat_pristine, k)
            r = cp("edit-platform-nosearch", f"edit platform, no search", "--no-search")
            after = digest(out)
            missing = sum(pitch_marker(k) not in page_html(out, s) for s in feat)
            r.check = merge_check(r.check, (f"STALE: {missing} of {len(feat)} featuring pages lack the new pitch"
                                            if missing else f"new pitch on all {len(feat)} featuring pages")
                                  + "; " + changed_text(changed(before, after), len(after)))
            # The same article again, after a build that wrote a thousand pages: the
            # first rebuild starts from the copy the cold build made, this one from the
            # output the build before replaced, as every later edit does.
            before = after
            edit_article(art_path, art_pristine, k + 100)
            r = cp("edit-article-again-nosearch", "edit it again, no search", "--no-search")
            after = digest(out)
            r.check = merge_check(r.check, ("STALE: the edit is missing from the page"
                                            if article_marker(k + 100) not in page_html(out, edited) else "edit shown")
                                  + "; " + changed_text(changed(before, after), len(after)))
            r = cp("noop-nosearch", "no-op rebuild, no search", "--no-search")
            art_path.write_text(art_pristine)
            plat_path.write_text(plat_pristine)
        remove(out, site / CACHE_DIR)
        r = cp("cold", "cold")
        if k == 0 and not r.failed:
            r.check = check_pages(out, slugs)
        before = digest(out)

        # each rebuild's check says whether the change shows where it should, and how many
        # output files differ from the build before it (what a rebuild had to rewrite)
        edit_article(art_path, art_pristine, k)
        r = cp("edit-article", "edit one article")
        after = digest(out)
        stale = article_marker(k) not in page_html(out, edited)
        r.check = merge_check(r.check, ("STALE: the edit is missing from the page" if stale else "edit shown")
                              + "; " + changed_text(changed(before, after), len(after)))
        before = after

        edit_pitch(plat_path, plat_pristine, k)
        r = cp("edit-platform", f"edit platform ({len(feat) * 100 // n} %)")
        after = digest(out)
        missing = sum(pitch_marker(k) not in page_html(out, s) for s in feat)
        r.check = merge_check(r.check, (f"STALE: {missing} of {len(feat)} featuring pages lack the new pitch"
                                        if missing else f"new pitch on all {len(feat)} featuring pages")
                              + "; " + changed_text(changed(before, after), len(after)))
        before = after

        r = cp("noop", "no-op rebuild")
        r.check = merge_check(r.check, changed_text(changed(before, digest(out)), len(before)))

        for peer in peer_list:
            r = row(peer.name, f"{peer.name} cold")
            folder = corpus / peer.folder
            remove(*(folder / o for o in peer.outputs))
            s = measure(peer.cmd, folder, logs / f"{peer.folder}-{k}.log", env={**os.environ, **peer.env})
            r.samples.append(s)
            progress(f"[{n}] {tag:>9}  {peer.name + ' cold':<36} {fmt_s(s.wall):>8}  {s.maxrss_mib:6.0f} MiB"
                     + ("" if s.ok else f"  FAILED, see {s.log}"))
            if k == 0 and s.ok:
                have = sum((folder / peer.page.format(slug=slug)).is_file() for slug in slugs)
                r.check = f"{have:,} of {n:,} article pages" if have != n else f"all {n:,} article pages"

    # leave the site as generated
    art_path.write_text(art_pristine)
    plat_path.write_text(plat_pristine)
    return rows


def check_pages(out: Path, slugs: list[str]) -> str:
    have = sum((out / "articles" / s / "index.html").is_file() for s in slugs)
    return f"all {len(slugs):,} article pages" if have == len(slugs) else f"{have:,} of {len(slugs):,} article pages"


def merge_check(old: str, new: str) -> str:
    """Keep a STALE from any round; otherwise the latest word."""
    if old.startswith("STALE"):
        return old
    return new


# ------------------------------------------------------------------ profiling

BUCKETS = ["Python-Markdown", "Pygments", "YAML", "Jinja", "I/O", "waiting on subprocesses (Pagefind)",
           "careerpress's own code", "other"]

_IO_FILES = ("/pathlib.py", "/shutil.py", "/os.py", "/genericpath.py", "/tempfile.py", "/glob.py",
             "/_pyio.py", "/codecs.py")
_WAIT = re.compile(r"waitpid|\bselect\b|\bpoll\b|epoll|fork_exec|_posixsubprocess|subprocess")


def direct_bucket(key: tuple) -> str | None:
    """The bucket a function's own time belongs to, by its module path; None for code that
    works for its caller (builtins, re, xml.etree, functools …)."""
    filename, _line, func = key
    f = filename.replace("\\", "/")
    if f == "~":
        if _WAIT.search(func):
            return BUCKETS[5]
        if "_yaml" in func:
            return "YAML"
        if "_io." in func or "posix." in func or "io.open" in func or "builtins.open" in func:
            return "I/O"
        return None
    if "/markdown/" in f:
        return "Python-Markdown"
    if "/pygments/" in f:
        return "Pygments"
    if "/yaml/" in f:
        return "YAML"
    if "/jinja2/" in f or "/markupsafe/" in f or f.endswith((".html", ".xml", ".j2", ".txt")):
        return "Jinja"                    # compiled templates carry the template's file name
    if f.endswith(("/subprocess.py", "/selectors.py")) or "/pagefind" in f:
        return BUCKETS[5]
    if f.endswith(_IO_FILES):
        return "I/O"
    if "/careerpress/" in f:
        return "careerpress's own code"
    return None


def bucket_times(stats: dict) -> dict[str, float]:
    """Self time per bucket. A function without a bucket of its own (a builtin, re, the
    standard library's XML) passes its self time on to its callers' buckets, in proportion
    to the time it spent for each caller."""
    memo: dict[tuple, dict[str, float]] = {}

    def resolve(key: tuple, depth: int = 0, seen: frozenset = frozenset()) -> dict[str, float]:
        if key in memo:
            return memo[key]
        b = direct_bucket(key)
        if b is not None:
            return {b: 1.0}
        if depth > 40 or key in seen or key not in stats:
            return {"other": 1.0}
        callers = stats[key][4]
        weights = {c: (v[2] if isinstance(v, tuple) else 0.0) for c, v in callers.items()}
        total = sum(weights.values())
        if not callers:
            dist = {"other": 1.0}
        else:
            if total <= 0:
                weights = {c: 1.0 for c in callers}
                total = float(len(callers))
            dist: dict[str, float] = {}
            for c, w in weights.items():
                for bb, frac in resolve(c, depth + 1, seen | {key}).items():
                    dist[bb] = dist.get(bb, 0.0) + frac * w / total
        if not seen:
            memo[key] = dist
        return dist

    out = {b: 0.0 for b in BUCKETS}
    for key, (_cc, _nc, tt, _ct, _callers) in stats.items():
        for b, frac in resolve(key).items():
            out[b] = out.get(b, 0.0) + tt * frac
    return out


def run_profile(n: int, args) -> dict:
    corpus = gen_corpus(args.shared, n)
    site = make_site(corpus, n)
    out = CORPORA / f"n{n}" / "careerpress-out"
    prof = CORPORA / f"n{n}" / "careerpress-cold.prof"
    remove(out, site / CACHE_DIR, prof)
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "careerpress", "build",
           "--site", str(site), "--out", str(out), "--jobs", "1"]
    progress(f"[{n}] profiling one cold build (--jobs 1, under cProfile)")
    s = measure(cmd[:1] + cmd[1:], REPO, CORPORA / f"n{n}" / "logs" / "profile.log")
    if not s.ok or not prof.is_file():
        sys.exit(f"run.py: the profiled build failed, see {s.log}")
    st = pstats.Stats(str(prof))
    print(f"\n== cold build of {n:,} articles, one process, under cProfile: top 25 by cumulative time\n")
    st.sort_stats("cumulative").print_stats(25)
    print(f"== top 25 by own time (tottime)\n")
    st.sort_stats("tottime").print_stats(25)
    buckets = bucket_times(st.stats)
    total = sum(buckets.values())
    print("== where the time goes (own time, builtins charged to their callers)\n")
    for b in BUCKETS:
        print(f"  {b:<38} {buckets[b]:8.2f} s  {100 * buckets[b] / total:5.1f} %")
    print(f"  {'total (profiled)':<38} {total:8.2f} s   wall {s.wall:.1f} s with the profiler\n")
    return {"n": n, "wall": s.wall, "total": total, "buckets": buckets, "prof": str(prof.relative_to(REPO)),
            "when": f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", "version": careerpress_version()}


# ------------------------------------------------------------------ reporting


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def fmt_mib(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x / 1024:.2f} GiB" if x >= 1024 else f"{x:.0f} MiB"


def cell(r: Row | None) -> str:
    if r is None:
        return "—"
    if r.skipped:
        return r.skipped
    if r.median("wall") is None:
        return "failed"
    return f"{fmt_s(r.median('wall'))} / {fmt_mib(r.median('maxrss_mib'))}"


def ratio(peer: Row | None, cp: Row | None) -> float | None:
    """The peer's median wall time over careerpress's."""
    if peer is None or cp is None or peer.median("wall") is None or cp.median("wall") is None:
        return None
    return peer.median("wall") / cp.median("wall")


def faster(r: float) -> str:
    x = r if r >= 1 else 1 / r
    return (f"{x:.2f}×" if x < 1.1 else f"{x:.1f}×") + (" faster" if r >= 1 else " slower")


def ratios(rows: dict[str, Row], peer_names: list[str]) -> dict[str, tuple[float | None, float | None]]:
    """peer -> (against careerpress cold, against careerpress cold without search)."""
    out = {}
    for name in peer_names:
        p = rows.get(name)
        rc, rn = ratio(p, rows.get("cold")), ratio(p, rows.get("cold-nosearch"))
        if rc is not None or rn is not None:
            out[name] = (rc, rn)
    return out


def ratio_cell(pair: tuple[float | None, float | None] | None) -> str:
    if pair is None:
        return "—"
    rc, rn = pair
    text = faster(rc) if rc is not None else "—"
    return text + (f" ({faster(rn)} without search)" if rn is not None else "")


def md_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def text_table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(x) for x in col) for col in zip(header, *body)]
    fmt = lambda r: "  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in body])


def detail_rows(rows: dict[str, Row]) -> list[list[str]]:
    body = []
    for r in rows.values():
        if r.skipped:
            body.append([r.label, r.skipped, "", "", "", "", ""])
            continue
        sp = r.spread()
        body.append([
            r.label,
            fmt_s(r.median("wall")) if r.median("wall") is not None else "failed",
            f"{sp[0]:.2f}–{sp[1]:.2f}" if sp else "—",
            fmt_s(r.median("cpu")),
            fmt_mib(r.median("maxrss_mib")),
            fmt_mib(r.median("tree_mib")) if r.median("tree_mib") else "—",
            ("some runs FAILED; " if r.failed else "") + r.check,
        ])
    return body


DETAIL_HEADER = ["build", "wall (median)", "wall min–max", "CPU (user+sys)", "peak RSS, largest process",
                 "peak PSS, whole tree", "check"]


def machine_info() -> dict[str, str]:
    info = {"cores": str(os.cpu_count())}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", cpu, re.M)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
        mem = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"^MemTotal:\s*(\d+)", mem, re.M).group(1))
        info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
        info["load"] = Path("/proc/loadavg").read_text().split()[:3]
    except (OSError, AttributeError):
        info.setdefault("cpu", platform.processor() or "?")
    info["python"] = platform.python_version()
    info["os"] = platform.platform()
    return info


def careerpress_version() -> str:
    v = subprocess.run([sys.executable, "-m", "careerpress", "--version"], capture_output=True, text=True)
    text = (v.stdout or v.stderr).strip() or "careerpress ?"
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "templates"],
                               capture_output=True, text=True).stdout.strip()
        text += f" (commit {rev}{', with uncommitted changes in src/ or templates/' if dirty else ''})"
    except (OSError, subprocess.CalledProcessError):
        pass
    return text


def tree_fingerprint() -> str:
    """Changes whenever a file under src/ (what every build runs) changes: other work goes on
    in the same working tree, and a run that straddles a change measures two versions."""
    h = hashlib.sha256()
    for path in sorted((REPO / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            h.update(path.relative_to(REPO).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def lib_versions(python: str) -> str:
    code = ("import importlib.metadata as m\n"
            "print(', '.join(f'{p} {m.version(p)}' for p in ('Markdown', 'Pygments', 'Jinja2', 'PyYAML')))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "?"


PREVIOUS_PROFILE = re.compile(r"^## Where the time goes\n.*?(?=^## |\Z)", re.M | re.S)


def write_results(path: Path, results: dict[int, dict[str, Row]], args, flags, versions: dict,
                  machine: dict, started: dt.datetime, load_end: list[str], profile: dict | None) -> None:
    sizes = sorted(results)
    cp_keys = [k for k in ("cold", "cold-nosearch", "edit-article", "edit-platform", "noop", "edit-article-nosearch",
                           "edit-article-again-nosearch", "noop-nosearch")
               if any(k in results[n] for n in sizes)]
    peer_names = [p for p in ("Pelican", "MkDocs", "Hugo", "Eleventy") if any(p in results[n] for n in sizes)]
    def label(key):
        return next(results[n][key].label for n in sizes if key in results[n])
    lines = [
        "# careerpress against its peers",
        "",
        f"Written by `python bench/run.py {' '.join(sys.argv[1:])}`".rstrip() + f" on {started:%Y-%m-%d %H:%M} UTC. "
        "Regenerate it the same way; bench/README.md says how.",
        "",
        "## Machine",
        "",
        f"- {machine['cores']} cores, {machine.get('cpu', '?')}, {machine.get('memory', '?')} memory; {machine['os']}",
        f"- load average (1, 5, 15 min) at the start {', '.join(machine.get('load', ['?']))}, "
        f"at the end {', '.join(load_end)}: the machine is shared, so compare figures within one run only",
        f"- Python {machine['python']}; {versions['careerpress']}; {versions['libs']}",
    ]
    for name in ("Pelican", "MkDocs", "Hugo", "Eleventy"):
        if name in versions:
            lines.append(f"- {name} {versions[name] or 'not installed'}")
    if versions.get("peer-libs"):
        lines.append(f"- Pelican's and MkDocs's venv: {versions['peer-libs']}")
    if versions.get("node"):
        lines.append(f"- Node.js {versions['node']}")
    if versions.get("src-changed"):
        lines.append("- **src/ changed while this ran**: some builds measured a different careerpress "
                     "than others; run it again when the working tree is quiet")
    lines += ["", "## Results (median wall seconds / peak MiB of the largest process)", ""]
    header = ["build"] + [f"{n:,} articles" for n in sizes]
    body = [[label(k)] + [cell(results[n].get(k)) for n in sizes] for k in cp_keys]
    body += [[label(p)] + [cell(results[n].get(p)) for n in sizes] for p in peer_names]
    lines += [md_table(header, body), ""]
    lines += ["Cold build, careerpress against each peer (the peer's time over careerpress's):", ""]
    rat = {n: ratios(results[n], peer_names) for n in sizes}
    lines += [md_table(["peer"] + [f"{n:,} articles" for n in sizes],
                       [[p] + [ratio_cell(rat[n].get(p)) for n in sizes] for p in peer_names]), ""]
    for n in sizes:
        lines += [f"### {n:,} articles, in detail", "", md_table(DETAIL_HEADER, detail_rows(results[n])), ""]
    lines += ["## How measured", "", how_measured(args, flags), ""]
    if profile:
        lines += [profile_section(profile)]
    elif path.is_file():
        m = PREVIOUS_PROFILE.search(path.read_text())
        if m:
            lines += [m.group(0).rstrip() + "\n"]
    path.write_text("\n".join(lines).rstrip() + "\n")


def how_measured(args, flags) -> str:
    mem = ("GNU time's `%M`" if os.access(GNU_TIME, os.X_OK)
           else "`getrusage(RUSAGE_CHILDREN).ru_maxrss` from a small Python wrapper process")
    search = ("careerpress builds its Pagefind search index in every build except \"cold, no search\" "
              "(`--no-search`); the peers build none. " if "--no-search" in flags else
              "careerpress builds its Pagefind search index in every build (this CLI has no `--no-search`); "
              "the peers build none. ")
    return (
        f"Each figure is the median of {args.runs} run{'s' * (args.runs != 1)} after one warm-up round; "
        "a round runs every build once, in the order of the tables, so noise on this shared machine "
        "spreads over all of them. Wall time is `time.perf_counter()` around the whole process "
        "(interpreter or runtime start-up included); CPU is the user plus system time of the process and "
        "everything it waited for, steadier than wall time when other work shares the cores, and above the "
        "wall time when a build uses more than one. Peak memory: \"largest process\" is "
        f"{mem}, the largest peak resident set of the command or any one process it waited for "
        "(comparable with ../shared/bench/RESULTS.md); \"whole tree\" is the peak of the summed "
        "proportional set size of the command's whole process tree, sampled from /proc (every 0.1 s for the first two seconds, then every 0.5 s), "
        "which counts careerpress's worker processes and the Pagefind binary together (PSS splits shared "
        "libraries between the processes using them, so for one process it is below its RSS). "
        "careerpress runs as `python -m careerpress build --site SITE --out OUT` with the default "
        "`--jobs` (every core), its modules compiled to bytecode once before the first round (as "
        "Python does on a first run where `PYTHONDONTWRITEBYTECODE` is not set; the peers' packages "
        "come compiled by pip). Cold builds remove the output folder (and `<site>/.careerpress-cache/`) first; "
        "\"edit one article\" appends a sentence to one article's body and builds over the previous output "
        f"and cache; \"edit platform\" changes the `pitch:` of content/platforms/{PLATFORM}.md, which every 10th "
        "article features; \"edit it again\" (without the index) edits the same article once more, after "
        "the platform edit: the first rebuild starts from the copy of the output the cold build made, this "
        "one from the output the build before replaced, as every later edit does; "
        "\"no-op rebuild\" builds again with nothing changed. The check column says whether "
        "every article page was written, whether each edit shows on every page it should, and how many "
        "output files a rebuild changed (by content) against the build before it. "
        + search +
        "The corpus comes from ../shared/bench/gen_corpus.py "
        f"(`--seed {SEED} --platforms {PLATFORM} --callouts {CALLOUT}`), about 1,300 words an article; "
        "careerpress's copy is laid over this repository's sample site (its templates, static files and "
        "content, whose platform pages and callouts refer to its own guides and authors), so careerpress "
        "builds the corpus plus the sample site's few pages. Peers: Pelican "
        "`pelican content -s pelicanconf.py -o output -q`, MkDocs `mkdocs build -q -d site`, Hugo "
        "`hugo --quiet -d public`, Eleventy `node_modules/.bin/eleventy --quiet`, each in its folder of the "
        "corpus with its output folder removed first. Eleventy highlights no code (no plugin), Hugo uses "
        "Chroma, Pelican and MkDocs Pygments through Python-Markdown's codehilite."
    )


def profile_section(p: dict) -> str:
    total = p["total"]
    rows = [[b, f"{p['buckets'][b]:.2f} s", f"{100 * p['buckets'][b] / total:.1f} %"] for b in BUCKETS
            if p["buckets"].get(b, 0) > 0.0005]
    rows.append(["total", f"{total:.2f} s", "100 %"])
    return "\n".join([
        "## Where the time goes",
        "",
        f"Profiled {p['when']}, {p['version']}: "
        f"one cold build of {p['n']:,} articles in one process (`--jobs 1`, so all the work is in the "
        f"profiled process) under `python -m cProfile` ({p['wall']:.1f} s wall with the profiler, which "
        "inflates Python-heavy code the most). Each function's own time is put in the bucket of its "
        "module; builtins and standard-library helpers (re, xml.etree, str methods) are charged to the "
        "buckets of the code that called them. The profile is kept in "
        f"`{p['prof']}` (git-ignored).",
        "",
        md_table(["bucket", "own time", "share"], rows),
        "",
    ])


def print_summary(results: dict[int, dict[str, Row]]) -> None:
    for n, rows in sorted(results.items()):
        print(f"\n{n:,} articles (medians; MiB = peak RSS of the largest process / peak PSS of the whole tree)\n")
        print(text_table(DETAIL_HEADER, detail_rows(rows)))
        rat = ratios(rows, [p for p in ("Pelican", "MkDocs", "Hugo", "Eleventy") if p in rows])
        if rat:
            print("\ncareerpress cold build against each peer (peer time / careerpress time):")
            for name, (rc, rn) in rat.items():
                line = f"  {faster(rc)} than {name}" if rc is not None else f"  {name}: —"
                if rn is not None:
                    line += f" ({faster(rn)} without search)"
                print(line)


# ------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="article counts, comma-separated (default 1000,10000)")
    ap.add_argument("--runs", type=int, default=None, help="measured runs per build after one warm-up (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 articles, 1 run, results into bench/.corpora/")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                    help="the shared/ folder holding bench/gen_corpus.py (default: beside the repository)")
    ap.add_argument("--peers", default="pelican,mkdocs,hugo,eleventy",
                    help="peers to build, comma-separated, or 'none' (default: all four)")
    ap.add_argument("--profile", action="store_true",
                    help="also profile one cold careerpress build of the largest size (--jobs 1, cProfile)")
    ap.add_argument("--results", type=Path, default=None,
                    help="where to write the Markdown results (default bench/RESULTS.md; "
                         "bench/.corpora/RESULTS-quick.md with --quick)")
    args = ap.parse_args()
    if args.quick:
        args.sizes = "200"
    try:
        sizes = sorted({int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()})
    except ValueError:
        ap.error(f"--sizes takes whole numbers, not {args.sizes!r}")
    if not sizes or min(sizes) < 10:
        ap.error("--sizes: at least one size of 10 or more")
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.runs < 1:
        ap.error("--runs takes 1 or more")
    results_path = args.results or (CORPORA / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    args.shared = args.shared.resolve()

    started = dt.datetime.now(dt.timezone.utc)
    src_before = tree_fingerprint()
    # Python writes the bytecode of what it imports on the first run, and every later run
    # reads it; where PYTHONDONTWRITEBYTECODE is set (as on this machine) it compiles
    # careerpress's sources again on every run, while the peers' pip-installed packages
    # come compiled. Compile ours once, as the first run anywhere else would.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=False)
    machine = machine_info()
    CORPORA.mkdir(exist_ok=True)
    flags = cli_flags()
    versions = {"careerpress": careerpress_version(), "libs": lib_versions(sys.executable)}
    wanted = {x.strip().lower() for x in args.peers.split(",")} - {"none", ""}
    peer_list = []
    for peer in peers():
        if peer.name.lower() not in wanted:
            continue
        v = version_of(peer.version_cmd)
        versions[peer.name] = v
        if v is None:
            progress(f"{peer.name} is not installed: run bench/setup.sh (skipping it)")
        else:
            peer_list.append(peer)
    if any(p.folder in ("pelican", "mkdocs") for p in peer_list):
        versions["peer-libs"] = lib_versions(str(PEERS_DIR / "venv" / "bin" / "python"))
    if any(p.name == "Eleventy" for p in peer_list):
        versions["node"] = (version_of(["node", "--version"]) or "?")
    progress(f"careerpress: {versions['careerpress']}; build flags: {' '.join(sorted(flags))}")
    if "--no-search" not in flags:
        progress("this careerpress has no --no-search: only cold builds with the search index")

    results: dict[int, dict[str, Row]] = {}
    for n in sizes:
        rows = run_size(n, args, flags, peer_list)
        for name in wanted:
            pretty = {"pelican": "Pelican", "mkdocs": "MkDocs", "hugo": "Hugo", "eleventy": "Eleventy"}.get(name)
            if pretty and pretty not in rows:
                rows[pretty] = Row(pretty, f"{pretty} cold", skipped="not installed (bench/setup.sh)")
        results[n] = rows
        dump_raw(n, rows)

    profile = run_profile(max(sizes), args) if args.profile else None
    if tree_fingerprint() != src_before:
        versions["src-changed"] = True
        progress("warning: src/ changed while the benchmark ran; the figures mix two versions of careerpress")
    load_end = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print_summary(results)
    write_results(results_path, results, args, flags, versions, machine, started, load_end, profile)
    print(f"\nwrote {results_path.relative_to(REPO) if results_path.is_relative_to(REPO) else results_path}")
    failed = [f"{n}: {r.label}" for n, rows in results.items() for r in rows.values() if r.failed]
    stale = [f"{n}: {r.label}" for n, rows in results.items() for r in rows.values() if r.check.startswith("STALE")]
    if failed:
        print("failed builds (logs in bench/.corpora/n<N>/logs/): " + "; ".join(failed), file=sys.stderr)
    if stale:
        print("stale rebuilds: " + "; ".join(stale), file=sys.stderr)
    return 1 if failed or stale else 0


def dump_raw(n: int, rows: dict[str, Row]) -> None:
    """Every sample, warm-up included, for a closer look at the noise."""
    raw = {r.label: [{"wall": s.wall, "cpu": s.cpu, "maxrss_mib": s.maxrss_mib, "tree_mib": s.tree_mib, "ok": s.ok,
                      "warmup": i == 0} for i, s in enumerate(r.samples)] for r in rows.values()}
    (CORPORA / f"n{n}" / "samples.json").write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    sys.exit(main())
