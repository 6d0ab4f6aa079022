"""careerpress.serve.watch.relevant(path, site): which file events start a rebuild."""
from __future__ import annotations

from pathlib import Path

import pytest

from careerpress.serve.watch import relevant


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    for part in ("content/articles", "content/_data", "templates/partials", "static/css"):
        (site / part).mkdir(parents=True)
    return site


@pytest.mark.parametrize("rel", [
    "content/articles/x.md",
    "content/articles/bundle/index.md",
    "content/articles/bundle/shot.png",
    "content/index.md",
    "content/site.yaml",
    "content/_data/authors.yaml",
    "content/_data/callouts.yaml",
    "content/articles",                 # a folder event (a file added or removed in it)
    "templates/base.html",
    "templates/partials/page-card.html",
    "static/css/site.css",
    "static/img/logo.png",
    "static/robots-extra.txt",
])
def test_sources_of_the_build_are_relevant(site, rel):
    assert relevant(str(site / rel), site) is True
    assert relevant(site / rel, site) is True       # a Path works as well as a str


@pytest.mark.parametrize("rel", [
    "public/index.html",
    "public/articles/x/index.html",
    "public/css/site.css",
    ".careerpress-cache/serve/state.db",
    ".careerpress-cache/serve/docs/abc.pickle",
    "content/.careerpress-cache/x",
    ".git/index",
    ".git/refs/heads/main",
    "content/.git/HEAD",
    "static/.git/config",
    "src/careerpress/cli.py",
    "tests/test_serve.py",
    "content/__pycache__/x.pyc",
    "build.py",
    "README.md",
    "pyproject.toml",
])
def test_output_cache_git_and_other_folders_are_not(site, rel):
    assert relevant(str(site / rel), site) is False


@pytest.mark.parametrize("rel", [
    "content/articles/.x.md.swp",        # vim swap
    "content/articles/.x.md.swx",
    "content/articles/.x.md.swo",
    "content/articles/x.md~",            # emacs / vim backup
    "content/articles/.#x.md",           # emacs lock file
    "content/articles/4913",             # vim's write probe
    "templates/.base.html.swp",
    "templates/base.html~",
    "templates/partials/.#page-card.html",
    "templates/4913",
    "static/css/.site.css.swp",
    "static/css/site.css~",
    "static/css/.#site.css",
    "static/css/4913",
    "content/_data/.authors.yaml.swp",
    "content/_data/authors.yaml~",
])
def test_editor_temp_files_are_not(site, rel):
    assert relevant(str(site / rel), site) is False


def test_files_outside_the_site_are_not(site, tmp_path):
    outside = [
        tmp_path / "elsewhere" / "content" / "articles" / "x.md",
        tmp_path / "site2" / "content" / "articles" / "x.md",    # a sibling whose name starts alike
        tmp_path / "sitecontent" / "x.md",
        tmp_path / "x.md",
        site.parent,
        Path("/etc/passwd"),
        Path("/content/articles/x.md"),
    ]
    for path in outside:
        assert relevant(str(path), site) is False, path
    # .. leading out of the site is outside it, whatever it starts with
    assert relevant(str(site / "content" / ".." / ".." / "other" / "content" / "x.md"), site) is False
    assert relevant(str(site / "content" / ".." / "public" / "index.html"), site) is False
    assert relevant(str(site / "public" / ".." / "content" / "x.md"), site) is True


def test_the_site_folder_itself_and_its_top_folders_alone(site):
    assert relevant(str(site), site) is False
    assert relevant(str(site / "public"), site) is False
    assert relevant(str(site / ".git"), site) is False


def test_relative_paths_count_from_the_working_folder(site, monkeypatch):
    monkeypatch.chdir(site)
    assert relevant("content/articles/x.md", site) is True
    assert relevant("public/index.html", site) is False
    assert relevant("content/articles/.x.md.swp", site) is False
