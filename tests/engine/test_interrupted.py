"""When `up` is interrupted (issue 24), on the real engine against the emulator: Ctrl-C once lets what is in flight
finish, twice stops at once; `up` killed at several points (each kill triggered by the emulator's state, never by
a sleep) leaves a lock or pending operations, which `vnet2vnet recover` resolves from what the emulated Azure holds;
then `up` completes the stack exactly as an uninterrupted `up` builds it, with nothing orphaned or built twice."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vnet2vnet.emulator import azure
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR, EngineStack

GATEWAY, CONNECTION = (
    "azure-native:network:VirtualNetworkGateway",
    "azure-native:network:VirtualNetworkGatewayConnection",
)
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


# ------------------------------------------------------------------------------------------------ helpers


def sandbox(tmp_path: Path, pulumi_cli: PulumiCli, name: str) -> EngineStack:
    return EngineStack(Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / name, say=lambda _: None))


def wait_for(stack: EngineStack, reached: Callable[[dict[str, Any]], bool], what: str, timeout: float = 300) -> None:
    """Poll the emulated Azure until `reached` holds (the point to act at), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not reached(stack.azure()):
        assert time.monotonic() < deadline, f"the emulator never reached: {what}"
        time.sleep(0.05)


def in_flight(state: dict[str, Any], type_token: str, verb: str | None = None) -> list[dict[str, Any]]:
    return [
        op for op in state.get("inflight", {}).values()
        if op["log"]["type"] == type_token and (verb is None or op["verb"] == verb)
    ]  # fmt: skip


@pytest.fixture(autouse=True, scope="module")
def ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """The commands start with Ctrl-C at its default, as a terminal's foreground job does, even when this test run
    was started in the background: a shell's `cmd &` (so `make test &`) ignores SIGINT, and every child inherits
    an ignored signal. (A handler of ours is not inherited: the children get the default.)"""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def vnet2vnet(stack: EngineStack, pulumi_cli: PulumiCli, *args: str) -> subprocess.Popen[str]:
    """`vnet2vnet <args> --stack dev` on the sandbox, in a session of its own (a terminal's process group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "vnet2vnet", *args, "--stack", "dev", "--project-dir", str(stack.work_dir)],
        env={**stack.rehearsal.process_env, "VNET2VNET_PULUMI": stack.rehearsal.run_cli.path},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_DIR, start_new_session=True,
    )  # fmt: skip


def finished(process: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def recover(stack: EngineStack, pulumi_cli: PulumiCli, *extra: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = finished(vnet2vnet(stack, pulumi_cli, "recover", "--json", *extra))
    assert "Traceback" not in err, err
    return code, json.loads(out), err


def recover_until_settled(stack: EngineStack, pulumi_cli: PulumiCli) -> list[dict[str, Any]]:
    """`recover` until it exits 0, waiting between runs for what it says Azure is still building."""
    reports = []
    for _ in range(5):
        code, report, err = recover(stack, pulumi_cli)
        reports.append(report)
        if code == 0:
            return reports
        assert code == 1, f"recover: exit {code}\n{err}"
        building = [r for r in report["resources"] if r["action"] == "building"]
        assert building and all(r["waitMinutes"] for r in building), f"exit 1 says what to wait for: {report}"
        wait_for(stack, lambda state: not state.get("inflight"), "Azure finished what it was building")
    raise AssertionError(f"recover never settled: {reports}")


def locks(stack: EngineStack) -> list[Path]:
    return sorted((stack.rehearsal.sandbox.backend / ".pulumi" / "locks").rglob("*.json"))


def checkpoint(stack: EngineStack) -> dict[str, Any]:
    (path,) = stack.rehearsal.sandbox.backend.glob(".pulumi/stacks/*/dev.json")
    return dict(json.loads(path.read_text())["checkpoint"]["latest"])


def processes_of(stack: EngineStack) -> list[str]:
    """Processes still running with this sandbox's Pulumi home: the CLI, our program, the emulator's plugins."""
    marker = f"PULUMI_HOME={stack.rehearsal.env['PULUMI_HOME']}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return found


def nothing_left_running(stack: EngineStack, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while (left := processes_of(stack)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert left == [], f"no process of ours or the engine's is left behind: {left}"


def normalized(deployment: dict[str, Any]) -> dict[str, Any]:
    """URN -> (type, parent, inputs), generated values aside: azure-native's auto-name suffixes (8 hex characters
    after a logical name) and secrets (encrypted differently on every write)."""
    names = {
        str(value)
        for r in deployment["resources"]
        for key, value in (r.get("inputs") or {}).items()
        if key.endswith("Name") and isinstance(value, str) and re.search(r"[0-9a-f]{8}$", value)
    }

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return "<secret>" if SECRET_SIGNATURE in value else {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for name in names:
                value = value.replace(name, name[:-8] + "<suffix>")
        return value

    return {
        r["urn"]: (r["type"], r.get("parent"), plain({k: v for k, v in (r.get("inputs") or {}).items()}))
        for r in deployment["resources"]
        if not r.get("delete") and not str(r["type"]).startswith("pulumi:providers:")
    }


def bump_key_version(stack: EngineStack) -> None:
    def edit(config: dict[str, Any]) -> None:
        connection = dict(config.get("vnet2vnet:connection") or {})
        connection["sharedKeyVersion"] = int(connection.get("sharedKeyVersion") or 1) + 1
        config["vnet2vnet:connection"] = connection

    stack.edit_config(edit)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, pulumi_cli: PulumiCli) -> Iterator[dict[str, Any]]:
    """What an uninterrupted `up` builds, and the same after a key rotation (normalized)."""
    stack = sandbox(tmp_path_factory.mktemp("reference"), pulumi_cli, "reference")
    first = normalized(stack.run("up", "reference")["deployment"])
    bump_key_version(stack)
    rotated = normalized(stack.run("up", "reference-rotation")["deployment"])
    yield {"up": first, "rotate": rotated}


def kill_up_when(stack: EngineStack, reached: Callable[[dict[str, Any]], bool], what: str, phase: str) -> None:
    """Run `up` and kill it (its CLI and program, SIGKILL: a CI timeout, a dead laptop) when the emulator reaches
    the point; the emulator's plugins are left to themselves, as after a real kill."""
    results: list[dict[str, Any]] = []
    running = threading.Thread(target=lambda: results.append(stack.run("up", phase)))
    running.start()
    try:
        wait_for(stack, reached, what)
    finally:
        host = stack.rehearsal.host
        assert host is not None
        os.killpg(host.pid, signal.SIGKILL)
        running.join(timeout=120)


def settled_like_an_uninterrupted_up(stack: EngineStack, expected: dict[str, Any]) -> None:
    deployment = stack.run("select", "check")["deployment"]
    assert normalized(deployment) == expected, "the same URNs, types, parents and inputs as an uninterrupted up"
    assert set(stack.statuses().values()) == {"Connected"}, f"every connection is Connected: {stack.statuses()}"
    state_ids = {azure.key(r["id"]) for r in deployment["resources"] if r.get("custom") and r.get("id")}
    held = {key for key, record in stack.azure()["resources"].items() if not record.get("seeded")}
    assert held <= state_ids, f"nothing orphaned in Azure: {sorted(held - state_ids)}"
    per_vnet = [r["inputs"]["ipConfigurations"][0]["subnet"]["id"] for r in azure.of_type(stack.azure(), azure.GATEWAY)]
    assert len(per_vnet) == len(set(per_vnet)) == 2, "one gateway per VNet: nothing built twice"


# ------------------------------------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_once_lets_what_is_in_flight_finish_and_leaves_nothing_pending(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    stack = sandbox(tmp_path, pulumi_cli, "once")
    up = vnet2vnet(stack, pulumi_cli, "up")
    wait_for(stack, lambda state: len(in_flight(state, GATEWAY)) == 2, "both gateways being built")
    os.killpg(up.pid, signal.SIGINT)  # what a terminal sends its foreground process group
    code, out, err = finished(up)
    assert code == 130, f"exit 130: {code}\n{err}"
    assert "waiting for 2 gateways, up to 45 min; Ctrl-C again stops now" in err, err
    assert "Traceback" not in err + out, err
    assert locks(stack) == [] and not checkpoint(stack).get("pending_operations"), "the CLI cancelled cleanly"
    assert {r["provisioningState"] for r in azure.of_type(stack.azure(), azure.GATEWAY)} == {"Succeeded"}
    nothing_left_running(stack)


def test_ctrl_c_twice_stops_at_once_then_recover_and_up_complete(
    tmp_path: Path, pulumi_cli: PulumiCli, uninterrupted: dict[str, Any]
) -> None:
    stack = sandbox(tmp_path, pulumi_cli, "twice")
    up = vnet2vnet(stack, pulumi_cli, "up")
    wait_for(stack, lambda state: len(in_flight(state, GATEWAY)) == 2, "both gateways being built")
    os.killpg(up.pid, signal.SIGINT)
    time.sleep(1)  # a person pressing twice
    os.killpg(up.pid, signal.SIGINT)
    code, out, err = finished(up)
    assert code == 130 and "run `vnet2vnet recover --stack dev`" in err, f"{code}\n{err}"
    assert "Traceback" not in err + out, err
    nothing_left_running(stack)
    pending = checkpoint(stack).get("pending_operations") or []
    assert pending or locks(stack), "stopped at once: the gateways in flight are left pending"
    recover_until_settled(stack, pulumi_cli)
    assert stack.ok("up", "after-recover")["create"] > 0, "up goes on from there"
    settled_like_an_uninterrupted_up(stack, uninterrupted["up"])


# ------------------------------------------------------------------------------------------------ kills


KILL_POINTS = {
    "during-gateways": (lambda state: len(in_flight(state, GATEWAY)) == 2, "both gateways being built"),
    "between-connection-rounds": (
        lambda state: len(list(azure.of_type(state, azure.CONNECTION))) == 2 and len(in_flight(state, CONNECTION)) == 1,
        "the first connection built and the second begun",
    ),
}


@pytest.mark.parametrize("point", [*KILL_POINTS, "during-rotation"])
def test_recover_after_up_was_killed_then_up_completes_the_stack(
    tmp_path: Path, pulumi_cli: PulumiCli, uninterrupted: dict[str, Any], point: str
) -> None:
    stack = sandbox(tmp_path, pulumi_cli, point)
    expected = uninterrupted["up"]
    if point == "during-rotation":
        stack.ok("up", "before-rotation")
        bump_key_version(stack)
        expected = uninterrupted["rotate"]
        kill_up_when(stack, lambda state: len(in_flight(state, CONNECTION, "create")) >= 1, "a new connection", point)
    else:
        reached, what = KILL_POINTS[point]
        kill_up_when(stack, reached, what, point)
    pending = checkpoint(stack).get("pending_operations") or []
    assert locks(stack), f"a killed up leaves its lock: {point}"
    assert pending, f"and what it had begun is pending: {point}"
    nothing_left_running(stack)

    reports = recover_until_settled(stack, pulumi_cli)
    actions = {r["action"] for report in reports for r in report["resources"]}
    assert "imported" in actions or "building" in actions, f"what Azure has is taken in at its URN: {reports}"
    assert reports[0]["locks"] and reports[0]["locks"][0]["stale"], f"the dead process's lock was stale: {reports[0]}"
    assert locks(stack) == [] and not checkpoint(stack).get("pending_operations")

    taken_in = {r["urn"]: r["id"] for r in reports[-1]["resources"] if r["id"]}
    up = stack.ok("up", "after-recover")
    assert up["delete"] == 0 and (point == "during-rotation" or up["replace"] == 0), f"nothing built goes: {up}"
    deployment = stack.run("select", "built")["deployment"]
    kept = {r["urn"]: r["id"] for r in deployment["resources"] if r["urn"] in taken_in and not r.get("delete")}
    assert kept == taken_in, "what recover took in is what the stack has: not rebuilt, not duplicated"
    settled_like_an_uninterrupted_up(stack, expected)

    before = stack.run("select", "again")["deployment"]
    code, report, _ = recover(stack, pulumi_cli)
    assert code == 0 and report["resources"] == [] and report["locks"] == [], f"a healthy stack: {report}"
    assert stack.run("select", "after")["deployment"]["resources"] == before["resources"], "and nothing changed"


def test_recover_refuses_a_lock_held_by_a_live_process_without_yes(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    stack = sandbox(tmp_path, pulumi_cli, "live")
    up = vnet2vnet(stack, pulumi_cli, "up")
    try:
        wait_for(stack, lambda state: bool(locks(stack)) and bool(in_flight(state, GATEWAY)), "up holding its lock")
        code, report, err = recover(stack, pulumi_cli)
        assert code == 1 and report["locked"], f"a live update's lock stays without --yes: {report}\n{err}"
        assert [lock["action"] for lock in report["locks"]] == ["kept"] and locks(stack), report
        assert "--yes" in err, f"it says how to remove it anyway: {err}"
    finally:
        code, _, err = finished(up)
    assert code == 0, f"the live update was not disturbed: {err[-2000:]}"


def test_recover_removes_another_machines_lock_only_when_told(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    """A lock from another machine may be a live update there: kept without --yes (exit 1), removed with it."""
    stack = sandbox(tmp_path, pulumi_cli, "elsewhere")
    stack.run("select", "created")
    folder = stack.rehearsal.sandbox.backend / ".pulumi" / "locks" / "organization" / "vnet2vnet" / "dev"
    folder.mkdir(parents=True, exist_ok=True)  # the CLI makes the locks folder of a stack it selects
    planted = folder / "6f1c0c5e-2b51-4c2a-9d7e-000000000001.json"
    planted.write_text('{"pid":4242,"username":"ops","hostname":"build-agent-7","timestamp":"2026-12-06T02:00:00Z"}')

    code, report, err = recover(stack, pulumi_cli)
    assert code == 1 and report["locked"] and planted.exists(), f"another machine's lock stays: {report}\n{err}"
    assert [(lock["hostname"], lock["stale"], lock["action"]) for lock in report["locks"]] == [
        ("build-agent-7", False, "kept")
    ], report

    code, report, err = recover(stack, pulumi_cli, "--yes")
    assert code == 0 and not report["locked"], f"--yes removes it: {report}\n{err}"
    assert [lock["action"] for lock in report["locks"]] == ["removed"] and locks(stack) == [], report
