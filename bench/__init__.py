"""Benchmarks for `make bench` (measurements, not tests).

Each benchmark is a module with a ``run(options) -> int`` function that prints
its figures and writes ``bench/results/<name>.json``; ``python -m bench`` runs
them all (or the ones named with ``--only``).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
# The interpreter running the benchmark is the project's venv (`make bench`), so its
# console scripts (flask, gunicorn) sit next to it.
BIN = Path(sys.executable).parent
