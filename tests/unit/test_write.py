"""SiteWriter: the output folder is replaced whole, or not at all; unchanged
files keep their inode and mtime; two producers of one path are an error."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from careerpress.render.types import RenderedFile
from careerpress.write import Copy, OutputCollision, SiteWriter


def write(out: Path, *pairs, previous=None) -> SiteWriter:
    with SiteWriter(out, previous=dict(previous or {})) as w:
        for p, c in pairs:
            w.write(RenderedFile(p, c, frozenset()))
        w.commit()
    return w


def test_the_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "public"
    write(out, ("index.html", b"one"), ("a/index.html", b"a"))
    write(out, ("index.html", b"two"))
    assert (out / "index.html").read_bytes() == b"two"
    assert not (out / "a").exists(), "a file the build did not produce survived"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"], "temporary folders left behind"


def test_the_replaced_output_goes_to_the_trash_and_is_removed_there(tmp_path):
    out, trash = tmp_path / "public", tmp_path / ".careerpress-cache" / "trash"
    write(out, ("index.html", b"one"), ("a/index.html", b"a"))
    with SiteWriter(out, trash=trash) as w:
        w.write(RenderedFile("index.html", b"two", frozenset()))
        w.commit()
    assert (out / "index.html").read_bytes() == b"two" and not (out / "a").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".careerpress-cache", "public"]
    deadline = time.monotonic() + 10
    while any(trash.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(trash.iterdir()), "the old output was not removed"


def test_a_removal_cut_short_is_finished_by_the_next_build(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    (trash / ".public.old-x" / "a").mkdir(parents=True)
    write(out, ("index.html", b"one"))
    with SiteWriter(out, trash=trash) as w:
        w.write(RenderedFile("index.html", b"two", frozenset()))
        w.commit()
    deadline = time.monotonic() + 10
    while any(trash.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(trash.iterdir())


def test_a_failure_leaves_the_previous_output_and_no_temporary_folder(tmp_path):
    out = tmp_path / "public"
    write(out, ("index.html", b"old"))
    with pytest.raises(OSError):
        with SiteWriter(out) as w:
            w.write(RenderedFile("index.html", b"new", frozenset()))
            w.copy(Copy(tmp_path / "missing.css", "css/x.css", "static/x.css"), b"x")
            w.commit()
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"], "temporary folders left behind"


def test_unchanged_bytes_keep_the_old_file(tmp_path):
    out = tmp_path / "public"
    first = write(out, ("same.html", b"same"), ("other.html", b"v1"))
    before = os.stat(out / "same.html")
    os.utime(out / "same.html", ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))
    old_mtime = os.stat(out / "same.html").st_mtime_ns
    second = write(out, ("same.html", b"same"), ("other.html", b"v2"), previous=first.digests)
    assert os.stat(out / "same.html").st_mtime_ns == old_mtime
    assert second.changed == {"other.html"}


def test_two_producers_of_one_path_collide(tmp_path):
    with pytest.raises(OutputCollision) as info:
        with SiteWriter(tmp_path / "public") as w:
            w.write(RenderedFile("css/site.css", b"x", frozenset(), "content/css/site.css.md"))
            w.copy(Copy(Path("s"), "css/site.css", "static/css/site.css"), b"y")
    assert info.value.out_path == "css/site.css"
    assert info.value.first == "content/css/site.css.md"
    assert info.value.second == "static/css/site.css"
    assert not any(p.name.startswith(".public") for p in tmp_path.iterdir())
