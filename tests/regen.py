"""Regenerate the golden output of every fixture site:

    python tests/regen.py            # all cases
    python tests/regen.py basic      # one case

Builds tests/sites/<case>/ as test_golden.py does and replaces its expected/
folder with what the build generated (copies of static/ are left out); review the change with `git diff tests/sites`.
"""
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import SITES, copy_site, generated, run  # noqa: E402


def regen(case: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = copy_site(SITES / case, Path(tmp) / "site")
        result = run(["build", "--jobs", "1"], cwd=site)
        if result.returncode != 0:
            sys.exit(f"{case}: build failed\n{result.stderr}")
        expected = SITES / case / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        files = generated(site)
        for name, data in files.items():
            (expected / name).parent.mkdir(parents=True, exist_ok=True)
            (expected / name).write_bytes(data)
        print(f"{case}: {len(files)} files")


if __name__ == "__main__":
    cases = sys.argv[1:] or sorted(p.name for p in SITES.iterdir() if (p / "content").is_dir())
    for case in cases:
        regen(case)
