"""Scale on the real engine: `up` of a 1-hub, 99-spoke hub-and-spoke (hub VpnGw5AZ: 99 of its 100 tunnels) and of a
30-VNet full mesh (435 links, 870 connections, 29 per VpnGw1AZ gateway of its 30 tunnels), each through the real
CLI and our Python language host against the emulator. Prints per topology: wall time, peak memory of the whole
process tree (CLI, language host, program, emulator plugins; sampled from /proc), the makespan ratio (emulated
minutes of up over the plan's critical path), the 409s (goal 0), the engine's own turn-around between dependent
operations, and per kind of process (engine, program, emulator plugins) its CPU seconds and peak memory;
--profile adds where the program's and the plugins' Python time went, --compare-checkpoints the same run with
PULUMI_SKIP_CHECKPOINTS=true side by side.

    venv/bin/python bench/engine_scale.py [--only hub|mesh] [--vnets N] [--clock-scale 0.00833] [--profile]
        [--compare-checkpoints]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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


# VNets per topology: the hub's VpnGw5AZ has 100 tunnels (99 spokes), a VpnGw1AZ 30 (a 31-VNet mesh at most).
SIZES = {"hub": 100, "mesh": 30}


def topology(name: str, vnets: int) -> dict[str, Any]:
    if name == "hub":
        hub = vnet(0, gateway={"sku": "VpnGw5AZ", "generation": "Generation2"})
        spokes = [vnet(i) for i in range(1, vnets)]
        return {"topology": "hub-and-spoke", "hub": "v0", "vnets": [hub, *spokes], "gateway": {"sku": "VpnGw1AZ"}}
    return {"topology": "mesh", "vnets": [vnet(i) for i in range(vnets)], "gateway": {"sku": "VpnGw1AZ"}}


ENGINE_KIND = "engine (pulumi CLI)"
# Who each process of an `up` is, by its command line: the engine, or our code (the emulator's plugins; our program
# inside Pulumi's SDK, run by the language host as `pulumi up` runs it, or inline in the rehearsal's driver).
PROCESS_KINDS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("emulator plugins", lambda exe, line: "vnet2vnet.emulator.provider" in line or exe.startswith("pulumi-resource-")),
    ("program (Pulumi SDK + our components)", lambda exe, line: "pulumi-language-python-exec" in line),
    ("Automation API driver (the program too, if inline)", lambda exe, line: "program_host.py" in line),
    ("language host", lambda exe, line: exe.startswith("pulumi-language-")),
    (ENGINE_KIND, lambda exe, line: exe == "pulumi"),
)


PROFILER = "profiler (py-spy, left out)"
# sdk/go/common/env/env.go (v3.274.1): "Skip saving state checkpoints and only save the final deployment."
SKIP_CHECKPOINTS = "PULUMI_SKIP_CHECKPOINTS"
PROFILED_KINDS = {"program (Pulumi SDK + our components)": "program", "emulator plugins": "plugins"}
# Where a profiled sample is, by the frames of its stack (the first that matches): Pulumi's SDK waiting for every
# pending output after each one resolves (sdk/python/lib/pulumi/runtime/stack.py `wait_for_rpcs`, which asyncio.wait
# s on all of them again each time: quadratic in the outputs pending), our components, the emulator's state file.
WHERE = (
    ("Pulumi SDK: wait_for_rpcs over pending outputs", "wait_for_rpcs (pulumi/runtime/stack.py"),
    ("our components (and the SDK calls they make)", "components/"),
    ("emulator: state file JSON", "vnet2vnet/emulator/store.py"),
    ("emulator: Azure's rules", "vnet2vnet/emulator/"),
    ("Pulumi SDK: outputs and registration", "pulumi/"),
)


def process_kind(command_line: str) -> str:
    executable = command_line.split(" ", 1)[0].rsplit("/", 1)[-1]
    if executable == "py-spy":
        return PROFILER
    return next((kind for kind, matches in PROCESS_KINDS if matches(executable, command_line)), "other")


class ProcessTree:
    """This process's descendants, sampled every `every` seconds from /proc: the peak of their summed resident
    memory, and per kind (PROCESS_KINDS) the CPU seconds each process had used when last seen and its peak memory."""

    def __init__(self, profiler: Profiler | None = None, every: float = 0.5) -> None:
        self.peak_kib = 0
        self.profiler = profiler
        self._seen: dict[int, tuple[str, float, int]] = {}  # pid -> (kind, CPU seconds, peak KiB)
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def __enter__(self) -> ProcessTree:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def by_kind(self) -> dict[str, dict[str, float]]:
        kinds: dict[str, dict[str, float]] = {}
        for kind, cpu, peak in self._seen.values():
            figures = kinds.setdefault(kind, {"cpu_seconds": 0.0, "peak_memory_mib": 0.0})
            figures["cpu_seconds"] = round(figures["cpu_seconds"] + cpu, 1)
            figures["peak_memory_mib"] = max(figures["peak_memory_mib"], round(peak / 1024))
        return dict(sorted(kinds.items(), key=lambda item: -item[1]["cpu_seconds"]))

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak_kib = max(self.peak_kib, self._sample(os.getpid()))

    def _sample(self, root: int) -> int:
        children: dict[int, list[int]] = {}
        found: dict[int, tuple[str, float, int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            pid = int(entry.name)
            children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
            rss = int(fields["VmRSS"].split()[0]) if "VmRSS" in fields else 0
            cpu = (int(stat[11]) + int(stat[12])) / self._ticks  # utime + stime
            found[pid] = (process_kind(command_line), cpu, rss)
        total, stack = 0, list(children.get(root, []))
        while stack:
            pid = stack.pop()
            kind, cpu, rss = found[pid]
            kind = self._seen[pid][0] if pid in self._seen else kind  # an ended process has no command line
            if kind == PROFILER:
                continue
            if self.profiler is not None and pid not in self._seen and kind in PROFILED_KINDS:
                self.profiler.attach(pid, kind)
            total += rss
            self._seen[pid] = (kind, cpu, max(rss, self._seen.get(pid, ("", 0.0, 0))[2]))
            stack += children.get(pid, [])
        return total


class Profiler:
    """py-spy attached to each program and plugin process as it starts: `--gil` samples only while Python runs, so
    a share of samples is a share of that process's Python CPU time."""

    def __init__(self, directory: Path) -> None:
        found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(found).is_file():
            raise SystemExit("--profile needs py-spy: venv/bin/python -m pip install -r requirements-dev.txt")
        self.executable = found
        self.directory = directory
        self.recorders: list[subprocess.Popen[bytes]] = []

    def attach(self, pid: int, kind: str) -> None:
        output = self.directory / f"{PROFILED_KINDS[kind]}-{pid}.txt"
        command = [self.executable, "record", "--pid", str(pid), "--gil", "--rate", "50", "--format", "raw"]
        self.recorders.append(
            subprocess.Popen([*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )

    def summary(self) -> dict[str, list[tuple[str, float]]]:
        """Per profiled kind: the share of samples in each of WHERE (a sample counts for the first that matches)."""
        for recorder in self.recorders:  # each ends with its process, the end of `up`
            recorder.wait(timeout=60)
        shares: dict[str, list[tuple[str, float]]] = {}
        for kind, prefix in PROFILED_KINDS.items():
            counts: dict[str, int] = {}
            for profile in self.directory.glob(f"{prefix}-*.txt"):
                for line in profile.read_text().splitlines():
                    stack, _, samples = line.rpartition(" ")
                    where = next((name for name, marker in WHERE if marker in stack), "elsewhere")
                    counts[where] = counts.get(where, 0) + int(samples)
            total = sum(counts.values()) or 1
            ranked = sorted(counts.items(), key=lambda item: -item[1])
            shares[kind] = [(where, round(100 * count / total, 1)) for where, count in ranked]
        return shares


def run(
    name: str,
    vnets: int,
    scale: float,
    scratch: Path,
    *,
    profiler: Profiler | None = None,
    engine_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    project = program_copy(ROOT, scratch / f"{name}-project")
    document = {"config": {f"vnet2vnet:{key}": value for key, value in topology(name, vnets).items()}}
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    rehearsal = Rehearsal(project, name, find_cli(build=True), scratch / f"{name}-sandbox", scale, say=say)
    rehearsal.prepare()
    rehearsal.env.update(engine_env or {})
    started = time.monotonic()
    with ProcessTree(profiler) as processes:
        result = rehearsal.operation("up", "up")
    wall = time.monotonic() - started
    if "error" in result:
        raise SystemExit(f"up of {name} failed: {str(result['error'])[-3000:]}")
    state = rehearsal.store.read()
    emulated = makespan(state["operations"], "up")
    planned = rehearsal.planned_critical_path()
    return {
        "program_run": "language host" if rehearsal.through_host else "inline (set VNET2VNET_PYTHON_HOST)",
        "resources": sum((result.get("changes") or {}).values()),
        "wall_seconds": round(wall, 1),
        "peak_memory_mib": round(processes.peak_kib / 1024),
        "emulated_minutes": round(emulated, 1),
        "planned_minutes": round(planned, 1),
        "makespan_ratio": round(emulated / planned, 3),
        "conflicts": len(state["conflicts"]),
        "emulated_wall_seconds": round(emulated * 60 * scale, 1),
        "engine_overhead_seconds": round(engine_overhead(state["operations"], "up", scale), 1),
        "by_process": processes.by_kind(),
        "profile": profiler.summary() if profiler is not None else {},
    }


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def vnet_count(text: str) -> int:
    """--vnets: a hub's VpnGw5AZ takes 99 spokes; a larger mesh than 31 exceeds VpnGw1AZ's tunnels (the program
    refuses it, by name)."""
    if not text.isdigit() or not 2 <= int(text) <= SIZES["hub"]:
        raise argparse.ArgumentTypeError(f"{text!r} is not a VNet count from 2 to {SIZES['hub']}")
    return int(text)


def engine_use(figures: dict[str, Any], measure: str) -> float:
    """The engine's CPU seconds or peak MiB (at least 1: a ratio's divisor)."""
    return float(figures["by_process"].get(ENGINE_KIND, {}).get(measure) or 1.0)


def report(name: str, figures: dict[str, Any]) -> None:
    shown = {key: value for key, value in figures.items() if key not in ("by_process", "profile")}
    print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in shown.items()), flush=True)
    for kind, usage in figures["by_process"].items():
        print(f"  {kind}: {usage['cpu_seconds']} CPU s, peak {usage['peak_memory_mib']} MiB", flush=True)
        if kind in figures["profile"]:
            print("    " + ", ".join(f"{where} {share}%" for where, share in figures["profile"][kind]), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(SIZES))
    parser.add_argument("--vnets", type=vnet_count, help="VNets in the topology, 2 to 100 (default: hub 100, mesh 30)")
    parser.add_argument("--clock-scale", type=float, default=DEFAULT_CLOCK_SCALE)
    parser.add_argument("--profile", action="store_true", help="also sample the program and plugins with py-spy")
    parser.add_argument(
        "--compare-checkpoints",
        action="store_true",
        help="run each topology again with PULUMI_SKIP_CHECKPOINTS=true (the engine saves only the final state) and "
        "print the ratios: how much of the engine's time is saving the whole state after every step",
    )
    arguments = parser.parse_args()
    names = [arguments.only] if arguments.only else list(SIZES)
    failed = False
    with tempfile.TemporaryDirectory(prefix="vnet2vnet-engine-scale-") as scratch:
        for name in names:
            vnets = arguments.vnets or SIZES[name]
            profiler = Profiler(Path(tempfile.mkdtemp(dir=scratch))) if arguments.profile else None
            figures = run(name, vnets, arguments.clock_scale, Path(scratch) / "checkpoints", profiler=profiler)
            report(name, figures)
            failed |= figures["conflicts"] > 0
            if arguments.compare_checkpoints:
                skipped = run(
                    name, vnets, arguments.clock_scale, Path(scratch) / "skip", engine_env={SKIP_CHECKPOINTS: "true"}
                )
                report(f"{name} ({SKIP_CHECKPOINTS}=true)", skipped)
                ratios = {
                    "wall time": figures["wall_seconds"] / skipped["wall_seconds"],
                    "engine CPU": engine_use(figures, "cpu_seconds") / engine_use(skipped, "cpu_seconds"),
                    "engine peak memory": engine_use(figures, "peak_memory_mib")
                    / engine_use(skipped, "peak_memory_mib"),
                }
                print(f"{name}: with checkpoints / without: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
