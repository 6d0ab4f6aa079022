#!/usr/bin/env bash
# Install the peer generators that bench/run.py compares careerpress with, into the
# git-ignored folder bench/.peers/ (and Hugo + GNU time from Debian, system-wide):
#
#   bench/.peers/venv/        Pelican 4.12.0 (+ Markdown) and MkDocs 1.6.1
#   bench/.peers/eleventy/    @11ty/eleventy 3.1.8 (node_modules/.bin/eleventy)
#   /usr/bin/hugo             Debian's hugo (0.111.3 on bookworm)
#   /usr/bin/time             GNU time, for the peak memory of each build
#
# The versions are the ones in ../shared/bench/RESULTS.md. Python-Markdown, Jinja2 and
# PyYAML are held to constraints.txt, the versions careerpress itself is built with, so
# Pelican and MkDocs do the same Markdown work. Pygments is not: Pelican 4.12.0 requires
# pygments<2.20, so the venv gets 2.19.x while careerpress uses constraints.txt's pin.
# Safe to run again: it only adds what is missing. Needs root for apt-get (or `sudo`).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PEERS="$HERE/.peers"
PYTHON="${PYTHON:-python3}"
mkdir -p "$PEERS"

say() { printf '\n== %s\n' "$*"; }

# --- Debian: hugo and GNU time --------------------------------------------------------
need_apt=()
command -v hugo >/dev/null 2>&1 || need_apt+=(hugo)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "apt-get install ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# --- Python peers: Pelican and MkDocs in their own venv -----------------------------
VENV="$PEERS/venv"
if [ ! -x "$VENV/bin/python" ]; then
    say "venv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import pelican, mkdocs' >/dev/null 2>&1; then
    say "pip install pelican[markdown]==4.12.0 mkdocs==1.6.1"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # Same Markdown, Jinja2 and PyYAML as careerpress (constraints.txt; Pygments left out,
    # see above); if a pin cannot be met, fall back to what the peers' own requirements pick.
    grep -E '^(Markdown|Jinja2|MarkupSafe|PyYAML)==' "$REPO/constraints.txt" > "$PEERS/constraints.txt" || true
    "$VENV/bin/python" -m pip install -q -c "$PEERS/constraints.txt" \
        'pelican[markdown]==4.12.0' 'mkdocs==1.6.1' \
      || { echo "setup.sh: constraints.txt pins conflict with the peers; installing unpinned" >&2
           "$VENV/bin/python" -m pip install -q 'pelican[markdown]==4.12.0' 'mkdocs==1.6.1'; }
fi

# --- Eleventy from npm ---------------------------------------------------------------
ELEVENTY="$PEERS/eleventy"
if [ ! -x "$ELEVENTY/node_modules/.bin/eleventy" ]; then
    command -v npm >/dev/null 2>&1 || { echo "setup.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
    say "npm install @11ty/eleventy@3.1.8"
    mkdir -p "$ELEVENTY"
    npm install --silent --no-audit --no-fund --prefix "$ELEVENTY" @11ty/eleventy@3.1.8
fi

# --- report ----------------------------------------------------------------------------
say "installed"
echo "pelican  $("$VENV/bin/pelican" --version 2>&1 | tail -n1)"
echo "mkdocs   $("$VENV/bin/mkdocs" --version 2>&1 | awk '{print $3}')"
echo "markdown $("$VENV/bin/python" -c 'import markdown, pygments; print(markdown.__version__, "/ pygments", pygments.__version__)')"
echo "hugo     $(hugo version 2>&1 | head -n1)"
echo "eleventy $("$ELEVENTY/node_modules/.bin/eleventy" --version 2>&1)"
echo "node     $(node --version)"
echo "time     $(/usr/bin/time --version 2>&1 | head -n1)"
