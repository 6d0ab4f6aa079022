#!/usr/bin/env python3
"""`python build.py [options]` is `careerpress build [options]`."""
import sys
from pathlib import Path

try:
    from careerpress.cli import main
except ImportError:  # not installed: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    from careerpress.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
