"""Problem lines and did-you-mean."""
from careerpress.errors import Problem, Problems, did_you_mean


def test_problem_line_format():
    assert str(Problem("content/a.md", 7, "error", "unknown platform 'mercr'")) == \
        "content/a.md:7: error: unknown platform 'mercr'"
    assert str(Problem("content/a.md", 0, "warning", "x")) == "content/a.md: warning: x"
    assert Problem("p", 3, "error", "m").as_dict() == {"path": "p", "line": 3, "severity": "error", "message": "m"}


def test_did_you_mean():
    assert did_you_mean("mercr", ["mercor", "micro1", "outlier"]) == " (did you mean 'mercor'?)"
    assert did_you_mean("zzz", ["mercor"]) == ""
    assert did_you_mean("x", []) == ""


def test_problems_sorted_dedupes_and_orders_by_place():
    p = Problems()
    p.error("b.md", 2, "two")
    p.warning("a.md", 9, "nine")
    p.error("a.md", 10, "ten")
    p.error("b.md", 2, "two")
    assert [str(x) for x in p.sorted()] == ["a.md:9: warning: nine", "a.md:10: error: ten", "b.md:2: error: two"]
    assert p.fails(strict=False)
    w = Problems()
    w.warning("a.md", 1, "w")
    assert not w.fails(strict=False) and w.fails(strict=True)
