"""Building the command line's parser (every command module imported, as ``openfield --help`` and every command
do) imports none of the commands' work: the statistics, the plots, the pipeline, the learners (issue 27's
start-up; the rule that allows these imports inside the commands is in docs/gen_import_graph.py)."""

import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[3] / "src")
HEAVY = ["scipy.stats", "scipy.signal", "statsmodels", "matplotlib", "sklearn", "skops", "dask", "torch",
         "transformers", "deeplabcut", "openfield.study.stats", "openfield.pipeline.run", "openfield.tracking"]


def test_building_the_parser_imports_no_commands_work():
    code = ("import sys, openfield.cli as c; c.build_parser(); "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
