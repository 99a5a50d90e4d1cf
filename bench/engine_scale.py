"""Scale on the real engine: `up` of a 1-hub, 99-spoke hub-and-spoke (hub VpnGw5AZ: 99 of its 100 tunnels) and of a
30-VNet full mesh (435 links, 870 connections, 29 per VpnGw1AZ gateway of its 30 tunnels), each through the real
CLI and our Python language host against the emulator. Prints per topology: wall time, peak memory of the whole
process tree (CLI, language host, program, emulator plugins; sampled from /proc), the makespan ratio (emulated
minutes of up over the plan's critical path), the 409s (goal 0), and where the wall time went (the engine's own
turn-around between dependent operations, the time the emulated Azure held operations, the program's
registration).

    venv/bin/python bench/engine_scale.py [--only hub|mesh] [--clock-scale 0.00833]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vnet2vnet.differential import program_copy  # noqa: E402
from vnet2vnet.emulator.store import DEFAULT_CLOCK_SCALE  # noqa: E402
from vnet2vnet.pulumi_cli import find_cli  # noqa: E402
from vnet2vnet.rehearse import Rehearsal, engine_overhead, makespan  # noqa: E402

REGIONS = ("westeurope", "northeurope", "swedencentral", "uksouth", "francecentral", "germanywestcentral")


def vnet(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"v{index}",
        "location": REGIONS[index % len(REGIONS)],
        "addressSpaces": [f"10.{index}.0.0/16"],
        "gatewaySubnetPrefix": f"10.{index}.255.0/27",
        **extra,
    }


TOPOLOGIES: dict[str, dict[str, Any]] = {
    "hub": {
        "topology": "hub-and-spoke",
        "hub": "v0",
        "vnets": [vnet(0, gateway={"sku": "VpnGw5AZ", "generation": "Generation2"})] + [vnet(i) for i in range(1, 100)],
        "gateway": {"sku": "VpnGw1AZ"},
    },
    "mesh": {"topology": "mesh", "vnets": [vnet(i) for i in range(30)], "gateway": {"sku": "VpnGw1AZ"}},
}


class PeakMemory:
    """The largest sum of resident memory of this process's descendants, sampled every `every` seconds."""

    def __init__(self, every: float = 0.5) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(os.getpid()))


def _tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def run(name: str, scale: float, scratch: Path) -> dict[str, Any]:
    project = program_copy(ROOT, scratch / f"{name}-project")
    document = {"config": {f"vnet2vnet:{key}": value for key, value in TOPOLOGIES[name].items()}}
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    rehearsal = Rehearsal(project, name, find_cli(build=True), scratch / f"{name}-sandbox", scale, say=say)
    rehearsal.prepare()
    started = time.monotonic()
    with PeakMemory() as memory:
        result = rehearsal.operation("up", "up")
    wall = time.monotonic() - started
    if "error" in result:
        raise SystemExit(f"up of {name} failed: {str(result['error'])[-3000:]}")
    state = rehearsal.store.read()
    emulated = makespan(state["operations"], "up")
    planned = rehearsal.planned_critical_path()
    return {
        "resources": sum((result.get("changes") or {}).values()),
        "wall_seconds": round(wall, 1),
        "peak_memory_mib": round(memory.peak_kib / 1024),
        "emulated_minutes": round(emulated, 1),
        "planned_minutes": round(planned, 1),
        "makespan_ratio": round(emulated / planned, 3),
        "conflicts": len(state["conflicts"]),
        "emulated_wall_seconds": round(emulated * 60 * scale, 1),
        "engine_overhead_seconds": round(engine_overhead(state["operations"], "up", scale), 1),
    }


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(TOPOLOGIES))
    parser.add_argument("--clock-scale", type=float, default=DEFAULT_CLOCK_SCALE)
    arguments = parser.parse_args()
    names = [arguments.only] if arguments.only else list(TOPOLOGIES)
    failed = False
    with tempfile.TemporaryDirectory(prefix="vnet2vnet-engine-scale-") as scratch:
        for name in names:
            figures = run(name, arguments.clock_scale, Path(scratch))
            print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in figures.items()), flush=True)
            failed |= figures["conflicts"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
