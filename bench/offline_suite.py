"""How long the offline suite (lint, types, tests; no real engine) takes warm, against its target.

    venv/bin/python bench/offline_suite.py [--rounds N]

Runs `make lint typecheck unit` N times (the first warms the caches and is reported apart) and prints the median
of the warm runs and its ratio to the target: 75 s on a 2-core machine (issue 13). Timing lives here, never in a
test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 75.0


def timed_run() -> float:
    started = time.perf_counter()
    subprocess.run(
        ["make", "--no-print-directory", "lint", "typecheck", "unit"],
        cwd=PROJECT_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs in all, the first one a warm-up (default 3)")
    rounds = max(2, parser.parse_args().rounds)
    warm_up = timed_run()
    warm = [timed_run() for _ in range(rounds - 1)]
    median = statistics.median(warm)
    print(f"cores: {os.cpu_count()}; warm-up run: {warm_up:.1f} s")
    print(f"warm runs: {', '.join(f'{t:.1f}' for t in warm)} s; median {median:.1f} s")
    print(f"offline suite / target ({TARGET_SECONDS:.0f} s): {median / TARGET_SECONDS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
