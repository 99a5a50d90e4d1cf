"""How `plan` scales with the mesh: meshes of 4, 8, 12, 16 and 20 VNets (a 20-VNet mesh is 20 gateways and 380
connections), each planned end to end (`plan --stack meshN`: config, validation, engine, schedule, rendering)
and timed against a flat program registering the same resources under plain mocks (bench/flat.py). Each run is
a fresh child process; plan and flat alternate. Prints time, peak memory, the ratio (target <= 1.3), and the
schedule's critical path against the round bound.

    venv/bin/python bench/mesh_scale.py [--sizes 4 8 12 16 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["eastus", "westus2", "northeurope", "swedencentral", "japaneast", "uksouth", "francecentral"]
TARGET = 1.3


def vnet(index: int) -> dict[str, object]:
    return {
        "name": f"v{index}",
        "location": REGIONS[index % len(REGIONS)],
        "addressSpaces": [f"10.{index}.0.0/16"],
        "gatewaySubnetPrefix": f"10.{index}.255.0/27",
    }


def write_project(directory: Path, sizes: list[int]) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, directory / name)
    # The stack program's own helpers (not part of the installed package).
    shutil.copytree(
        ROOT / "components", directory / "components", ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
    )
    for size in sizes:
        config = {
            "config": {
                "vnet2vnet:topology": "mesh",
                "vnet2vnet:vnets": [vnet(i) for i in range(size)],
                "vnet2vnet:gateway": {"sku": "VpnGw1AZ", "generation": "Generation1"},
            }
        }
        (directory / f"Pulumi.mesh{size}.yaml").write_text(json.dumps(config))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, size: int, project: Path) -> None:
    sys.path.insert(0, str(ROOT))
    report: dict[str, float] = {}
    if kind == "plan":
        from vnet2vnet.engine import run_stack
        from vnet2vnet.render import render_text
        from vnet2vnet.report import connection_rounds_of, plan_schedule
        from vnet2vnet.topology import round_bound

        with contextlib.redirect_stdout(io.StringIO()):
            from vnet2vnet.cli import main

            assert main(["plan", "--stack", f"mesh{size}", "--project-dir", str(project)]) == 0
        report["seconds"] = time.perf_counter() - STARTED
        plan = run_stack(project, f"mesh{size}")  # once more, untimed, for the schedule figures
        schedule = plan_schedule(plan)
        render_text(plan)
        report |= {
            "critical_path": schedule.critical_path_minutes,
            "rounds": len(connection_rounds_of(plan)),
            "bound": round_bound(size, "mesh"),
            "resources": len(plan.custom_resources),
        }
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from flat import FlatVnet, run_flat

        vnets = [
            FlatVnet(f"v{i}", REGIONS[i % len(REGIONS)], f"10.{i}.0.0/16", f"10.{i}.255.0/27") for i in range(size)
        ]
        run_flat(vnets, [(a, b) for a in range(size) for b in range(a + 1, size)])
        report["seconds"] = time.perf_counter() - STARTED
    report["peak_mb"] = peak_mb()
    print(json.dumps(report))


def timed(kind: str, size: int, project: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--size", str(size), "--project", str(project)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    report: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 12, 16, 20])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", choices=("plan", "flat"))
    parser.add_argument("--size", type=int)
    parser.add_argument("--project", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.size, args.project)
        return
    with tempfile.TemporaryDirectory() as temp:
        project = Path(temp)
        write_project(project, args.sizes)
        print("| VNets | resources | plan s | flat s | ratio | plan peak MB | critical path min | rounds | bound |")
        print("|---|---|---|---|---|---|---|---|---|")
        for size in args.sizes:
            plans, flats, ratios = [], [], []
            for round_number in range(args.rounds):
                order = ("plan", "flat") if round_number % 2 == 0 else ("flat", "plan")
                runs = {kind: timed(kind, size, project) for kind in order}
                plans.append(runs["plan"])
                flats.append(runs["flat"])
                ratios.append(runs["plan"]["seconds"] / runs["flat"]["seconds"])
            last = plans[-1]
            ratio = statistics.median(ratios)
            verdict = "" if ratio <= TARGET else " OVER"
            plan_s = statistics.median(p["seconds"] for p in plans)
            flat_s = statistics.median(f["seconds"] for f in flats)
            print(
                f"| {size} | {int(last['resources'])} | {plan_s:.2f} | {flat_s:.2f} | {ratio:.2f}{verdict} "
                f"| {last['peak_mb']:.0f} | {last['critical_path']:g} | {int(last['rounds'])} | {int(last['bound'])} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
