"""write_site: the output folder is replaced whole, or not at all."""
from __future__ import annotations

from pathlib import Path

import pytest

from careerpress.render import RenderedFile
from careerpress.write import Copy, OutputCollision, check_collisions, write_site


def files(*pairs):
    return [RenderedFile(p, c, frozenset()) for p, c in pairs]


def test_write_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "public"
    write_site(files(("index.html", b"one"), ("a/index.html", b"a")), [], out)
    (out / "stray.txt").write_text("x")
    count = write_site(files(("index.html", b"two")), [], out)
    assert count == 1
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["index.html"]
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"], "temporary folders left behind"


def test_a_write_that_fails_midway_leaves_the_old_output(tmp_path):
    out = tmp_path / "public"
    write_site(files(("index.html", b"old")), [], out)
    with pytest.raises(OSError):
        write_site(files(("index.html", b"new")), [Copy(tmp_path / "missing.css", "css/x.css", "static/x.css")], out)
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"], "temporary folders left behind"


def test_collisions_are_reported_not_overwritten(tmp_path):
    with pytest.raises(OutputCollision) as info:
        check_collisions(files(("css/site.css", b"x")), [Copy(Path("s"), "css/site.css", "static/css/site.css")])
    assert info.value.out_path == "css/site.css"
    assert info.value.second == "static/css/site.css"
