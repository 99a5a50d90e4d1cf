"""Our overhead on top of the Pulumi SDK: `plan --stack dev` against a flat program that registers the same
resources directly under plain mocks.

Each run is a fresh child process (imports included, as a user pays them); the two kinds alternate, in
alternating order, so that machine noise hits both alike. Prints the median times and the median of the
per-round ratios. Target: ratio <= 1.3.

    venv/bin/python bench/plan_overhead.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3


def child(kind: str) -> None:
    sys.path.insert(0, str(ROOT))
    if kind == "plan":
        from vnet2vnet.cli import main

        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["plan", "--stack", "dev", "--project-dir", str(ROOT)])
        assert code == 0, "plan failed"
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from flat import FlatVnet, run_flat

        run_flat(
            [
                FlatVnet("east", "eastus", "10.10.0.0/16", "10.10.255.0/27"),
                FlatVnet("west", "westus2", "10.20.0.0/16", "10.20.255.0/27"),
            ],
            [(0, 1)],
        )
    print(json.dumps({"seconds": time.perf_counter() - STARTED}))


def timed(kind: str) -> float:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True, cwd=ROOT
    )
    seconds: float = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--child", choices=("plan", "flat"))
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    timed("plan")  # warm the OS file cache for both
    timed("flat")
    plans, flats, ratios = [], [], []
    for round_number in range(args.rounds):
        order = ("plan", "flat") if round_number % 2 == 0 else ("flat", "plan")
        seconds = {kind: timed(kind) for kind in order}
        plans.append(seconds["plan"])
        flats.append(seconds["flat"])
        ratios.append(seconds["plan"] / seconds["flat"])
        print(f"round {round_number + 1}: plan {seconds['plan']:.3f}s flat {seconds['flat']:.3f}s", file=sys.stderr)
    ratio = statistics.median(ratios)
    print(f"plan --stack dev: median {statistics.median(plans):.3f}s")
    print(f"flat program:     median {statistics.median(flats):.3f}s")
    verdict = "OK" if ratio <= TARGET else "OVER"
    print(f"ratio (median of {args.rounds} rounds): {ratio:.2f} (target <= {TARGET}) {verdict}")


if __name__ == "__main__":
    main()
