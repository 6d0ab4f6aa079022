"""SiteWriter: the output folder is replaced whole, or not at all; unchanged
files keep their inode and mtime; two producers of one path are an error."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from careerpress.render.types import RenderedFile
from careerpress.cache import stat_tree
from careerpress.write import LOCK, BaseUnusable, Copy, OutputCollision, SiteWriter


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


def test_the_replaced_output_is_kept_and_made_into_the_one_after(tmp_path):
    out, trash = tmp_path / "public", tmp_path / ".careerpress-cache" / "trash"
    first = write(out, ("index.html", b"one"), ("a/index.html", b"a"), ("b/index.html", b"b"))
    second = next_output(out, trash, first, None, ("index.html", b"two"), ("a/index.html", b"a"),
                         ("b/index.html", b"b"))
    assert second.kept_base is not None
    assert [p.name for p in trash.iterdir() if p.name != LOCK] == [second.kept_base.name], \
        "the replaced output was not kept"
    a_before = os.stat(out / "a" / "index.html")
    (out / "stray.txt").write_text("added by hand")
    third = next_output(out, trash, second, second.kept_base, ("index.html", b"three"), ("a/index.html", b"a"),
                        ("c/d/index.html", b"d"))
    assert os.stat(out).st_ino == second.kept_base.stamp[0], "the kept tree was not reused"
    assert tree(out) == {"index.html": b"three", "a/index.html": b"a", "c/d/index.html": b"d"}
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()) == ["a", "c", "c/d"]
    a_after = os.stat(out / "a" / "index.html")
    assert (a_after.st_ino, a_after.st_mtime_ns) == (a_before.st_ino, a_before.st_mtime_ns)
    assert third.changed == {"index.html", "c/d/index.html"}
    assert third.out_stats == stat_tree(out, folders=True), "the recorded stats are not what a walk gives"
    # The stray file went with the replaced output into the kept tree; the build after takes it out.
    fourth = next_output(out, trash, third, third.kept_base, ("index.html", b"three"), ("a/index.html", b"a"))
    assert tree(out) == {"index.html": b"three", "a/index.html": b"a"}
    assert fourth.out_stats == stat_tree(out, folders=True)


def test_a_first_output_is_copied_in_the_background_for_the_next_build(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash, copy_first=True) as first:
        first.write(RenderedFile("index.html", b"one", frozenset()))
        first.write(RenderedFile("a/index.html", b"a", frozenset()))
        first.commit()
    assert first.kept_base is not None and first.kept_base.stamp is None
    (out / "stray.txt").write_text("added by hand")      # the copy may or may not take it in
    second = next_output(out, trash, first, first.kept_base, ("index.html", b"two"), ("a/index.html", b"a"))
    assert tree(out) == {"index.html": b"two", "a/index.html": b"a"}
    assert second.changed == {"index.html"}
    assert not (trash / first.kept_base.name).exists(), "the copy was not made into the output"
    assert second.out_stats == stat_tree(out, folders=True)


def test_a_one_off_build_leaves_no_copy_behind(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash) as first:
        first.write(RenderedFile("index.html", b"one", frozenset()))
        first.commit()
    assert first.kept_base is None
    assert not trash.exists() or not any(trash.iterdir()), "a copy was started after a one-off build"


def test_a_kept_tree_that_differs_in_most_files_is_not_used(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    first = write(out, ("index.html", b"one"), ("a/index.html", b"a"), ("b/index.html", b"b"))
    second = next_output(out, trash, first, None, ("index.html", b"two"), ("a/index.html", b"a2"),
                         ("b/index.html", b"b"))
    assert len(second.kept_base.differs) == 2
    third = next_output(out, trash, second, second.kept_base, ("index.html", b"three"), ("a/index.html", b"a2"),
                        ("b/index.html", b"b"))
    assert os.stat(out).st_ino != second.kept_base.stamp[0], "a mostly different tree was reused"
    assert tree(out) == {"index.html": b"three", "a/index.html": b"a2", "b/index.html": b"b"}
    assert third.changed == {"index.html"}


def test_a_kept_tree_that_is_not_the_recorded_one_is_not_used(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    first = write(out, ("index.html", b"one"))
    second = next_output(out, trash, first, None, ("index.html", b"two"))
    kept = trash / second.kept_base.name
    shutil.rmtree(kept)
    (kept / "x").mkdir(parents=True)      # another folder under the same name
    third = next_output(out, trash, second, second.kept_base, ("index.html", b"three"))
    assert not (out / "x").exists(), "a folder that is not the kept tree was made into the output"
    assert tree(out) == {"index.html": b"three"}
    assert third.changed == {"index.html"}


def test_a_folder_where_a_file_now_goes_gives_up_the_kept_tree(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    same = [(f"{name}/index.html", name.encode()) for name in "abcd"]   # most files stay: the tree is used
    first = write(out, ("guide/index.html", b"g"), *same)
    second = next_output(out, trash, first, None, ("index.html", b"i"), *same)
    with pytest.raises(BaseUnusable):
        next_output(out, trash, second, second.kept_base, ("guide", b"now a file"), *same)
    assert tree(out) == {"index.html": b"i", **dict(same)}, "a failed build touched the output"


def next_output(out: Path, trash: Path, last: SiteWriter, base, *pairs) -> SiteWriter:
    """A build after ``last``, as the pipeline runs it."""
    with SiteWriter(out, previous=dict(last.digests), trash=trash, base=base,
                    current=stat_tree(out, folders=True), recorded=frozenset(last.digests)) as w:
        for p, c in pairs:
            w.write(RenderedFile(p, c, frozenset()))
        w.commit()
    return w


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_removal_cut_short_is_finished_by_the_next_build(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    (trash / ".public.old-x" / "a").mkdir(parents=True)
    write(out, ("index.html", b"one"))
    with SiteWriter(out, trash=trash) as w:
        w.write(RenderedFile("index.html", b"two", frozenset()))
        w.commit()
    deadline = time.monotonic() + 10
    while (trash / ".public.old-x").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.name for p in trash.iterdir() if p.name != LOCK] == [w.kept_base.name], \
        "only the output just replaced stays"


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
