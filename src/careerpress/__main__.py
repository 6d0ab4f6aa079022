import os
import sys

from .cli import main

code = main()
# Everything the command made is written and closed by now. Leave without the
# interpreter's teardown, which frees every module and object one at a time
# (~0.08 s after a build at 10,000 articles, a tenth of a one-article rebuild).
try:
    sys.stdout.flush()
    sys.stderr.flush()
except OSError:   # the reader went away (`careerpress check | head`)
    code = code or 1
os._exit(code)
