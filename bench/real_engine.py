"""Real-engine figures, as ratios measured side by side in one run:

1. `up` makespan / planned critical path, for dev, prod and the 5-VNet mesh: the emulated minutes of the real
   engine's `up` against the emulator, over the offline plan's critical path (goal <= 1.10). Also the engine's
   turn-around between dependent operations, against the shortest operation at this clock scale.
2. Real-engine `preview` of a new dev stack: our program / a flat program registering the same resources with the
   SDK classes directly (bench/flat.py), alternating, median of the per-round ratios (goal <= 1.3).

    venv/bin/python bench/real_engine.py [--rounds 5] [--clock-scale 0.00833]   (or `make bench-engine`)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vnet2vnet.azure_facts import TYPICAL_DURATIONS  # noqa: E402
from vnet2vnet.emulator.store import DEFAULT_CLOCK_SCALE  # noqa: E402
from vnet2vnet.pulumi_cli import find_cli  # noqa: E402
from vnet2vnet.rehearse import Rehearsal, engine_overhead, makespan  # noqa: E402

MAKESPAN_GOAL = 1.10
PREVIEW_GOAL = 1.3
FLAT_PROGRAM = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from bench.flat import FlatVnet, register

register(
    [FlatVnet("east", "eastus", "10.10.0.0/16", "10.10.255.0/27"),
     FlatVnet("west", "westus2", "10.20.0.0/16", "10.20.255.0/27")],
    [(0, 1)],
)
"""


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def makespan_ratio(stack: str, scale: float, scratch: Path) -> dict[str, float]:
    say(f"up of {stack} ...")
    rehearsal = Rehearsal(ROOT, stack, find_cli(build=True), scratch / f"makespan-{stack}", scale, say=say)
    rehearsal.prepare()
    result = rehearsal.operation("up", "up")
    if "error" in result:
        raise SystemExit(f"up of {stack} failed: {result['error'][-2000:]}")
    operations = rehearsal.store.read()["operations"]
    emulated = makespan(operations, "up")
    planned = rehearsal.planned_critical_path()
    return {
        "emulated": emulated,
        "planned": planned,
        "ratio": emulated / planned,
        "overhead_seconds": engine_overhead(operations, "up", scale),
    }


def preview_seconds(rehearsal: Rehearsal, phase: str) -> float:
    started = time.perf_counter()
    result = rehearsal.operation("preview", phase)
    if "error" in result:
        raise SystemExit(f"preview failed: {result['error'][-2000:]}")
    return time.perf_counter() - started


def flat_project(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text("name: flat\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config: {}\n")
    (directory / "__main__.py").write_text(FLAT_PROGRAM)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clock-scale", type=float, default=DEFAULT_CLOCK_SCALE)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="vnet2vnet-bench-"))
    try:
        cli = find_cli(build=True)
        ours = Rehearsal(ROOT, "dev", cli, scratch / "preview-ours", args.clock_scale, say=say)
        flat_dir = flat_project(scratch / "flat")
        flat = Rehearsal(flat_dir, "dev", cli, scratch / "preview-flat", args.clock_scale, say=say)
        ours.prepare()
        flat.prepare()
        preview_seconds(ours, "warm")
        preview_seconds(flat, "warm")
        ratios, our_times, flat_times = [], [], []
        for round_number in range(args.rounds):
            order = (ours, flat) if round_number % 2 == 0 else (flat, ours)
            seconds = {id(r): preview_seconds(r, f"round{round_number}") for r in order}
            our_times.append(seconds[id(ours)])
            flat_times.append(seconds[id(flat)])
            ratios.append(seconds[id(ours)] / seconds[id(flat)])
            say(f"preview round {round_number + 1}: ours {our_times[-1]:.2f}s flat {flat_times[-1]:.2f}s")

        spans = {stack: makespan_ratio(stack, args.clock_scale, scratch) for stack in ("dev", "prod", "mesh")}
        shortest = min(d.minutes for d in TYPICAL_DURATIONS.values()) * 60 * args.clock_scale

        print(f"Pulumi CLI: {cli.path} ({cli.source}); clock scale {args.clock_scale:.5g} real s per emulated s")
        for stack, span in spans.items():
            verdict = "OK" if span["ratio"] <= MAKESPAN_GOAL else "OVER"
            print(
                f"up makespan {stack:<5} {span['emulated']:7.2f} emulated min / planned critical path "
                f"{span['planned']:6.2f} = {span['ratio']:.3f} (goal <= {MAKESPAN_GOAL}) {verdict}"
            )
        overhead = statistics.median(span["overhead_seconds"] for span in spans.values())
        print(
            f"engine turn-around between dependent operations: median {overhead * 1000:.0f} ms real = "
            f"{overhead / shortest:.1%} of the shortest operation ({shortest:.2f} s real at this scale); "
            f"under 1% would need a clock scale of at least {overhead * 100 / (shortest / args.clock_scale):.4f}"
        )
        ratio = statistics.median(ratios)
        verdict = "OK" if ratio <= PREVIEW_GOAL else "OVER"
        print(
            f"real-engine preview of dev: ours median {statistics.median(our_times):.2f}s, flat program median "
            f"{statistics.median(flat_times):.2f}s, ratio (median of {args.rounds} rounds) {ratio:.2f} "
            f"(goal <= {PREVIEW_GOAL}) {verdict}"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
