"""SiteWriter: the output folder is replaced whole, or not at all; unchanged
files keep their inode and mtime; two producers of one path are an error."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from careerpress.render.types import RenderedFile
from careerpress.cache import KEPT_RECORD, OutCheck, read_kept_record, record_tree, stat_tree, unchanged
from careerpress import write as write_module
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
    assert [p.name for p in trash.iterdir() if p.name not in (LOCK, KEPT_RECORD)] == [second.kept_base.name], \
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


def test_a_first_output_is_copied_for_the_next_build_before_the_writer_is_done(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash) as first:
        first.write(RenderedFile("index.html", b"one", frozenset()))
        first.write(RenderedFile("a/index.html", b"a", frozenset()))
        first.commit()
    copy = trash / first.kept_base.name
    assert tree(copy) == tree(out), "the copy is not complete when the build ends"
    assert os.stat(copy / "a" / "index.html").st_ino == os.stat(out / "a" / "index.html").st_ino
    assert [p.name for p in trash.iterdir() if p.name.endswith(".part")] == []
    assert read_kept_record(trash, first.kept_base.name) is not None, "a checked copy needs no walk"
    _assert_lock_free(trash)   # nothing of the build outlives it
    copy_inode = os.stat(copy).st_ino
    (out / "stray.txt").write_text("added by hand")
    second = next_output(out, trash, first, first.kept_base, ("index.html", b"two"), ("a/index.html", b"a"))
    assert os.stat(out).st_ino == copy_inode, "the copy was not made into the output"
    assert tree(out) == {"index.html": b"two", "a/index.html": b"a"}
    assert second.changed == {"index.html"}
    assert second.out_stats == stat_tree(out, folders=True)


def test_a_copy_left_to_the_background_is_there_for_the_next_build(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash, copy_in_background=True) as first:
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


def test_a_copy_of_an_output_changed_meanwhile_is_walked_before_it_is_reused(tmp_path):
    """A file added to the output while it is copied may or may not be in the
    copy, whose folder keeps the mtime read before: no record is written, and
    the next build compares the copy with the output file by file."""
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash) as first:
        first.write(RenderedFile("index.html", b"one", frozenset()))
        first.write(RenderedFile("a/index.html", b"a", frozenset()))
        first.commit()
        (out / "a" / "stray.html").write_text("added while the copy is made")
    assert read_kept_record(trash, first.kept_base.name) is None
    (trash / first.kept_base.name / "a" / "stray.html").write_text("in the copy")
    (out / "a" / "stray.html").unlink()
    second = next_output(out, trash, first, first.kept_base, ("index.html", b"two"), ("a/index.html", b"a"))
    assert tree(out) == {"index.html": b"two", "a/index.html": b"a"}
    assert second.out_stats == stat_tree(out, folders=True)


def test_no_copy_is_tried_across_file_systems(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs a second file system: /dev/shm")
    trash = Path(tempfile.mkdtemp(dir=shm))
    try:
        with SiteWriter(tmp_path / "public", trash=trash) as first:
            first.write(RenderedFile("a/index.html", b"a", frozenset()))
            first.commit()
        assert first.kept_base is None, "a copy was tried where no hard link can go"
    finally:
        shutil.rmtree(trash)


def test_a_failed_build_stops_its_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(write_module, "COPY_SCRIPT", "sleep 60; " + write_module.COPY_SCRIPT)   # still copying
    out, trash = tmp_path / "public", tmp_path / "trash"
    with pytest.raises(RuntimeError):
        with SiteWriter(out, trash=trash) as first:
            first.write(RenderedFile("index.html", b"one", frozenset()))
            first.commit()
            raise RuntimeError("the state could not be saved")
    _assert_lock_free(trash)
    assert [p.name for p in trash.iterdir() if ".copy-" in p.name] == []
    assert tree(out) == {"index.html": b"one"}


def _assert_lock_free(trash: Path) -> None:
    import fcntl
    with open(trash / LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)   # BlockingIOError while a copy runs


def test_a_kept_tree_that_differs_in_most_files_gives_way_to_a_copy(tmp_path):
    out, trash = tmp_path / "public", tmp_path / "trash"
    first = write(out, ("index.html", b"one"), ("a/index.html", b"a"), ("b/index.html", b"b"))
    second = next_output(out, trash, first, None, ("index.html", b"two"), ("a/index.html", b"a2"),
                         ("b/index.html", b"b"))
    assert second.kept_base.stamp is None and second.kept_base.differs == frozenset(), \
        "the replaced output, mostly different, was kept instead of a copy of the new one"
    copy_inode = os.stat(trash / second.kept_base.name).st_ino
    third = next_output(out, trash, second, second.kept_base, ("index.html", b"three"), ("a/index.html", b"a2"),
                        ("b/index.html", b"b"))
    assert os.stat(out).st_ino == copy_inode, "the copy was not made into the output"
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
    assert [p.name for p in trash.iterdir() if p.name not in (LOCK, KEPT_RECORD)] == [w.kept_base.name], \
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


# ---------------------------------------------------------------- put(): a worker process writes
def test_a_file_put_by_a_worker_is_in_the_output_and_taken_in(tmp_path):
    out = tmp_path / "public"
    first = write(out, ("same.html", b"same"), ("a/index.html", b"v1"))
    same_inode = os.stat(out / "same.html").st_ino
    with SiteWriter(out, previous=dict(first.digests)) as w:
        sent = [w.put(RenderedFile(p, c, frozenset(), f"content/{p}.md"))
                for p, c in (("a/index.html", b"v2"), ("b/c/index.html", b"new"), ("same.html", b"same"))]
        assert [f.content for f in sent] == [b"", b"", b"same"], "a worker sent bytes it had written"
        assert (w.tmp / "b" / "c" / "index.html").read_bytes() == b"new"
        for f in sent:
            w.write(f)
        w.commit()
    assert tree(out) == {"same.html": b"same", "a/index.html": b"v2", "b/c/index.html": b"new"}
    assert w.changed == {"a/index.html", "b/c/index.html"}
    assert os.stat(out / "same.html").st_ino == same_inode, "an unchanged file was written again"
    assert w.out_stats == stat_tree(out, folders=True)


def test_a_worker_hashes_once_and_an_empty_or_vanished_file_still_comes_out(tmp_path, monkeypatch):
    # put() sends its digest with every file, so write() hashes nothing again;
    # it must not take an unchanged file's digest for "written" (an empty page
    # has no bytes to tell them apart), and must write it after all when the
    # current file is gone
    out = tmp_path / "public"
    first = write(out, ("gone.html", b"same"), ("empty.html", b""))
    with SiteWriter(out, previous=dict(first.digests)) as w:
        sent = [w.put(RenderedFile(p, c, frozenset(), f"content/{p}.md"))
                for p, c in (("gone.html", b"same"), ("empty.html", b""), ("new-empty.html", b""))]
        assert [f.written for f in sent] == [False, False, True]
        assert all(f.digest for f in sent)
        (out / "gone.html").unlink()    # the current output lost it under the build
        monkeypatch.setattr(write_module, "digest", lambda data: pytest.fail("write() hashed a page again"))
        for f in sent:
            w.write(f)
        w.commit()
    assert tree(out) == {"gone.html": b"same", "empty.html": b"", "new-empty.html": b""}


def test_a_worker_never_writes_through_a_file_another_source_placed(tmp_path):
    # a kept page's file is a hard link to the current output's: a second
    # source of its path, rendered by a worker, must not write into it
    out = tmp_path / "public"
    first = write(out, ("a/index.html", b"current"))
    with pytest.raises(OutputCollision) as info:
        with SiteWriter(out, previous=dict(first.digests)) as w:
            assert w.keep("a/index.html", "content/articles/a.md")
            w.write(w.put(RenderedFile("a/index.html", b"other", frozenset(), "content/articles/b.md")))
    assert (info.value.first, info.value.second) == ("content/articles/a.md", "content/articles/b.md")
    assert tree(out) == {"a/index.html": b"current"}


def age(root: Path, top: bool = True) -> None:
    """Every folder under ``root`` (and it, with ``top``) as if made an hour
    ago: a change made now shows in its mtime."""
    old = time.time_ns() - 3600 * 10**9
    for folder in [*[root] * top, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, ns=(old, old))


def test_a_reused_tree_records_its_folders_as_a_walk_would(tmp_path):
    """The folders of a reused tree keep the mtimes read when it was examined,
    but those the build changed: what is recorded must be what a walk gives."""
    out, trash = tmp_path / "public", tmp_path / "trash"
    pages = [("index.html", b"1"), ("a/index.html", b"a"), ("b/index.html", b"b"), ("c/x/index.html", b"x")]
    first = write(out, *pages)
    second = next_output(out, trash, first, None, ("index.html", b"2"), *pages[1:])
    age(trash / second.kept_base.name, top=False)   # (its ctime is how the writer knows the tree is its own)
    # the record of its folders is an hour newer: all are looked at, none trusted
    with SiteWriter(out, previous=dict(second.digests), trash=trash, base=second.kept_base,
                    current=stat_tree(out, folders=True), recorded=frozenset(second.digests)) as third:
        assert third.keep_all(["index.html", "a/index.html"]) == []
        third.write(RenderedFile("b/index.html", b"b2", frozenset()))     # changed in place
        third.write(RenderedFile("d/e/index.html", b"e", frozenset()))    # new folders; c/x/ goes
        third.commit()
    assert os.stat(out).st_ino == second.kept_base.stamp[0], "the kept tree was not reused"
    assert tree(out) == {"index.html": b"2", "a/index.html": b"a", "b/index.html": b"b2", "d/e/index.html": b"e"}
    assert third.out_stats == stat_tree(out, folders=True), "the recorded stats are not what a walk gives"
    assert unchanged(str(out), third.out_stats, third.out_check)
    fourth = next_output(out, trash, third, third.kept_base, ("index.html", b"2"), ("a/index.html", b"a"))
    assert fourth.out_stats == stat_tree(out, folders=True)


@pytest.mark.parametrize("stray", ["a/stray.html", "a/new/stray.html", "c/x/stray.html"])
def test_what_was_added_to_the_output_while_it_was_replaced_does_not_come_back(tmp_path, stray):
    """A file added to the output after the build that replaces it checked it
    (Finder's .DS_Store, an editor's swap file) goes with it into the kept
    tree; the build that reuses that tree must not carry it over."""
    out, trash = tmp_path / "public", tmp_path / "trash"
    pages = [("index.html", b"1"), ("a/index.html", b"a"), ("c/x/index.html", b"x")]
    first = write(out, *pages)
    second = next_output(out, trash, first, None, ("index.html", b"2"), *pages[1:])
    time.sleep(0.06)   # past the window in which a folder's mtime is not trusted
    kept = trash / second.kept_base.name
    (kept / stray).parent.mkdir(parents=True, exist_ok=True)
    (kept / stray).write_text("added by hand")
    third = next_output(out, trash, second, second.kept_base, ("index.html", b"3"), *pages[1:])
    assert os.stat(out).st_ino == second.kept_base.stamp[0], "the kept tree was not reused"
    assert tree(out) == {"index.html": b"3", "a/index.html": b"a", "c/x/index.html": b"x"}
    assert third.out_stats == stat_tree(out, folders=True)


def test_a_copy_of_the_output_is_compared_with_it_before_it_is_reused(tmp_path):
    """A copy made in the background has no record of its folders: it is
    walked, and what the output does not have is taken out."""
    out, trash = tmp_path / "public", tmp_path / "trash"
    with SiteWriter(out, trash=trash, copy_in_background=True) as first:
        first.write(RenderedFile("index.html", b"one", frozenset()))
        first.write(RenderedFile("a/index.html", b"a", frozenset()))
        first.commit()
    _wait_for_copy_done(trash)
    (trash / first.kept_base.name / "a" / "stray.html").write_text("taken in by the copy")
    second = next_output(out, trash, first, first.kept_base, ("index.html", b"two"), ("a/index.html", b"a"))
    assert tree(out) == {"index.html": b"two", "a/index.html": b"a"}
    assert second.out_stats == stat_tree(out, folders=True)


def _wait_for_copy_done(trash: Path) -> None:
    import fcntl
    with open(trash / LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)


def fixture_tree(root: Path) -> tuple[dict, OutCheck]:
    for path, text in {"index.html": "home", "a/index.html": "a", "b/c/index.html": "c"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    age(root)
    old = time.time_ns() - 3600 * 10**9   # the files too: an edit made now changes the mtime
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    stats = stat_tree(root, folders=True)
    return record_tree(str(root), {p: s for p, s in stats.items() if not p.endswith("/")},
                       [p for p in stats if p.endswith("/")])


HAND_CHANGES = {
    "a file added": lambda root: (root / "a" / "extra.html").write_text("x"),
    "a file added at the top": lambda root: (root / "extra.html").write_text("x"),
    "a file removed": lambda root: (root / "b" / "c" / "index.html").unlink(),
    "a file edited, same size": lambda root: (root / "a" / "index.html").write_text("b"),
    "an empty folder added": lambda root: (root / "b" / "new").mkdir(),
    "a file made a folder": lambda root: ((root / "a" / "index.html").unlink(), (root / "a" / "index.html").mkdir()),
    "a folder renamed": lambda root: (root / "b" / "c").rename(root / "b" / "d"),
}


@pytest.mark.parametrize("change", HAND_CHANGES)
def test_a_hand_change_to_the_output_is_seen_without_a_walk(tmp_path, change):
    root = tmp_path / "public"
    stats, check = fixture_tree(root)
    assert check.racy == {}, "folders an hour old are not racy"
    assert unchanged(str(root), stats, check)
    assert unchanged(str(root), stats, check, 0, 2) and unchanged(str(root), stats, check, 2)
    HAND_CHANGES[change](root)
    assert not (unchanged(str(root), stats, check, 0, 2) and unchanged(str(root), stats, check, 2))
    assert not unchanged(str(root), stats, check)


def test_a_folder_changed_within_the_clocks_granularity_is_listed(tmp_path):
    """A folder whose mtime was read just after it changed may change again
    and keep that mtime (a coarse clock): such a folder is listed, not trusted."""
    root = tmp_path / "public"
    fixture_tree(root)
    (root / "a" / "new.html").write_text("n")
    (root / "a" / "new.html").unlink()
    now = time.time_ns()
    os.utime(root / "a", ns=(now, now))   # changed just now: only "a/" (the rest is an hour old)
    stats = stat_tree(root, folders=True)
    recorded, check = record_tree(str(root), {p: s for p, s in stats.items() if not p.endswith("/")},
                                  [p for p in stats if p.endswith("/")])
    assert recorded == stats
    assert set(check.racy) == {"a/"}
    assert unchanged(str(root), recorded, check)
    before = os.stat(root / "a").st_mtime_ns
    (root / "a" / "extra.html").write_text("x")
    os.utime(root / "a", ns=(before, before))     # as if within the same tick
    assert not unchanged(str(root), recorded, check)
