"""`plan`: the schedule, the capacity summary, `--json` (also when nothing is planned), `--format mermaid` and
progress."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import CONNECTION, GATEWAY, PROJECT_DIR, gateway_then_connections_minutes, plain, plan_stack
from tests.test_cli import broken_dev_config, dev_config, project_copy, run_cli, write_stack
from vnet2vnet import cli
from vnet2vnet.diagram import render_mermaid
from vnet2vnet.plan_model import Plan
from vnet2vnet.report import plan_schedule
from vnet2vnet.schedule import CycleError, Node, compute_schedule


def node(urn: str, *deps: str, parent: str | None = None, schedulable: bool = True, kind: str = "t") -> Node:
    return Node(urn=urn, type=kind, parent=parent, dependencies=deps, schedulable=schedulable)


class TestScheduleOnHandMadeGraphs:
    def test_parallel_branches_share_waves_and_the_longer_branch_is_critical(self) -> None:
        nodes = [node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")]
        minutes = {"a": 1, "b": 10, "c": 2, "d": 1}
        schedule = compute_schedule(nodes, lambda n: minutes[n.urn])
        assert schedule.waves == [["a"], ["b", "c"], ["d"]]
        assert schedule.critical_path == ["a", "b", "d"]
        assert schedule.critical_path_minutes == 12

    def test_a_chain_is_one_resource_per_wave(self) -> None:
        nodes = [node("a"), node("b", "a"), node("c", "b")]
        schedule = compute_schedule(nodes, lambda n: 2)
        assert schedule.waves == [["a"], ["b"], ["c"]]
        assert schedule.critical_path == ["a", "b", "c"] and schedule.critical_path_minutes == 6

    def test_a_dependency_on_a_component_waits_for_all_its_descendants(self) -> None:
        nodes = [
            node("comp", schedulable=False),
            node("inner1", parent="comp"),
            node("nested", parent="comp", schedulable=False),
            node("inner2", parent="nested"),
            node("slow"),
            node("inner3", "slow", parent="nested"),
            node("after", "comp"),
        ]
        minutes = {"inner1": 1, "inner2": 1, "slow": 30, "inner3": 1, "after": 1}
        schedule = compute_schedule(nodes, lambda n: minutes.get(n.urn, 0))
        assert "comp" not in {u for wave in schedule.waves for u in wave}, "components are containers, not work"
        assert schedule.wave_of("after") > schedule.wave_of("inner3") > schedule.wave_of("slow")
        assert schedule.critical_path == ["slow", "inner3", "after"]
        assert schedule.critical_path_minutes == 32

    def test_independent_resources_all_start_at_zero(self) -> None:
        schedule = compute_schedule([node("x"), node("y"), node("z")], lambda n: 5)
        assert schedule.waves == [["x", "y", "z"]]
        assert schedule.critical_path_minutes == 5
        assert set(schedule.start_minutes.values()) == {0.0}

    def test_a_cycle_is_reported(self) -> None:
        with pytest.raises(CycleError, match="a, b"):
            compute_schedule([node("a", "b"), node("b", "a")], lambda n: 1)


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return plan_stack("dev")


class TestDevSchedule:
    def test_both_gateways_build_in_the_same_wave(self, dev_plan: Plan) -> None:
        schedule = plan_schedule(dev_plan)
        waves = {schedule.wave_of(g.urn) for g in dev_plan.of_type(GATEWAY)}
        assert len(waves) == 1, "the two gateways must build in parallel"

    def test_critical_path_is_one_gateway_plus_connections(self, dev_plan: Plan) -> None:
        schedule = plan_schedule(dev_plan)
        assert schedule.critical_path_minutes == gateway_then_connections_minutes(2), "one gateway, two connections"
        by_urn = dev_plan.by_urn()
        types = [by_urn[u].type for u in schedule.critical_path]
        assert types.count(GATEWAY) == 1 and types.count(CONNECTION) == 2, types


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    result = run_cli("plan", "--stack", "dev", "--json")
    assert result.returncode == 0, result.stderr
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


class TestJson:
    def test_top_level_fields(self, document: dict[str, object]) -> None:
        assert {"stack", "resources", "outputs", "findings", "schedule"} <= set(document)
        assert document["stack"] == "dev" and document["findings"] == []
        schedule = document["schedule"]
        assert isinstance(schedule, dict)
        assert set(schedule) >= {"critical_path_minutes", "critical_path", "waves"}
        assert schedule["critical_path_minutes"] == gateway_then_connections_minutes(2), "one gateway, two connections"

    def test_resources_carry_dependencies_options_and_masked_inputs(self, document: dict[str, object]) -> None:
        resources = document["resources"]
        assert isinstance(resources, list)
        by_name = {r["name"]: r for r in resources}
        second = by_name["vnet2vnet-west-to-east"]
        assert by_name["vnet2vnet-east-to-west"]["urn"] in second["dependencies"]
        assert second["inputs"]["sharedKey"] == "[secret]"
        assert second["options"]["additionalSecretOutputs"] == ["sharedKey"]
        gateway = by_name["vnet2vnet-east-gw"]
        assert set(gateway["options"]["customTimeouts"]) == {"create", "update", "delete"}
        assert second["options"]["replacementTrigger"] == "[secret]", "the trigger holds a digest of the key"
        for resource in resources:
            assert {"urn", "type", "name", "parent", "dependencies", "provider", "inputs", "options"} <= set(resource)

    def test_outputs_are_masked(self, document: dict[str, object]) -> None:
        outputs = document["outputs"]
        assert isinstance(outputs, dict) and outputs["sharedKey"] == "[secret]"


def unplanned(result: Any, plan_document: dict[str, object]) -> dict[str, Any]:
    """The document `plan --json` printed when nothing could be planned, checked against a real plan's: the same
    keys and types, everything but `stack`, `project` and `findings` empty."""
    assert "Traceback" not in result.stderr, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)  # stdout is JSON and nothing else
    assert set(document) == set(plan_document), "the same keys as a planned stack's document"
    for key, value in plan_document.items():
        assert type(document[key]) is type(value), f"{key}: {type(document[key]).__name__}, not {type(value)}"
    schedule = plan_document["schedule"]
    assert isinstance(schedule, dict) and set(document["schedule"]) == set(schedule)
    assert document["resources"] == [] and document["outputs"] == {} and document["capacity"] == []
    assert document["schedule"]["waves"] == [] and document["spec_check"]["checked"] == 0
    assert document["findings"], "the findings say why nothing was planned"
    for finding in document["findings"]:
        assert set(finding) == {"severity", "path", "message", "fix"}, finding
    return document


class TestJsonWhenNothingIsPlanned:
    def test_config_errors_print_the_findings_and_exit_1(self, tmp_path: Path, document: dict[str, object]) -> None:
        project = project_copy(tmp_path)
        write_stack(project, "broken", broken_dev_config())
        result = run_cli("plan", "--stack", "broken", "--json", "--project-dir", str(project))
        assert result.returncode == 1, result.stderr
        failed = unplanned(result, document)
        assert failed["stack"] == "broken" and failed["project"] == "vnet2vnet"
        paths = {(f["severity"], f["path"]) for f in failed["findings"]}
        assert ("error", "vnet2vnet:vnets[1].gatewaySubnetPrefix") in paths, failed["findings"]
        assert "vnet2vnet:vnets[1].gatewaySubnetPrefix" in result.stderr, "stderr still tells a human"

    def test_a_missing_stack_file_is_a_finding_on_the_file_and_exit_2(self, document: dict[str, object]) -> None:
        result = run_cli("plan", "--stack", "nosuch", "--json")
        assert result.returncode == 2, result.stderr
        (finding,) = unplanned(result, document)["findings"]
        assert finding["severity"] == "error" and finding["path"] == str(PROJECT_DIR / "Pulumi.nosuch.yaml"), finding
        assert "dev" in finding["message"], "the message lists the stacks that exist"

    def test_a_malformed_stack_file_is_a_finding_on_the_file_and_exit_2(
        self, tmp_path: Path, document: dict[str, object]
    ) -> None:
        project = project_copy(tmp_path)
        (project / "Pulumi.bad.yaml").write_text("config: [\n")
        result = run_cli("plan", "--stack", "bad", "--json", "--project-dir", str(project))
        assert result.returncode == 2, result.stderr
        (finding,) = unplanned(result, document)["findings"]
        assert finding["severity"] == "error" and finding["path"] == str(project / "Pulumi.bad.yaml"), finding

    def test_outside_a_project_is_a_finding_on_pulumi_yaml_and_exit_2(
        self, tmp_path: Path, document: dict[str, object]
    ) -> None:
        result = run_cli("plan", "--json", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        (finding,) = unplanned(result, document)["findings"]
        assert finding["path"] == str(tmp_path / "Pulumi.yaml") and "not a vnet2vnet project" in finding["message"]


def test_the_generated_key_never_appears_in_any_output(dev_plan: Plan) -> None:
    key = plain(dev_plan.outputs["sharedKey"])
    assert len(key) == 64
    for args in (("plan",), ("plan", "--json"), ("plan", "--format", "mermaid")):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert key not in result.stdout and key not in result.stderr, f"key leaked by {' '.join(args)}"


class TestMermaid:
    def test_names_both_vnets_gateways_and_the_link(self, dev_plan: Plan) -> None:
        diagram = render_mermaid(dev_plan)
        assert diagram.startswith("flowchart")
        for expected in ("VNet east", "eastus", "10.10.0.0/16", "VNet west", "westus2", "VpnGw1AZ", "20."):
            assert expected in diagram, f"{expected!r} missing:\n{diagram}"
        assert len(re.findall(r"_gw\[", diagram)) == 2, "one gateway box per VNet"
        assert len(re.findall(r"<-->", diagram)) == 1, "one encrypted link for the pair"

    def test_the_plan_page_embeds_the_dev_diagram_as_printed(self) -> None:
        result = run_cli("plan", "--stack", "dev", "--format", "mermaid")
        page = (PROJECT_DIR / "docs" / "plan.md").read_text()
        match = re.search(r"<!-- dev-diagram -->\n```mermaid\n(.*?)```", page, re.S)
        assert match, "docs/plan.md must embed the dev diagram after <!-- dev-diagram -->"
        assert match.group(1) == result.stdout, "docs/plan.md's diagram is stale: paste `make diagram` output"

    def test_warnings_go_to_stderr_and_only_the_diagram_to_stdout(self, tmp_path: Path) -> None:
        project = project_copy(tmp_path)
        write_stack(project, "warned", {**dev_config(), "vnet2vnet:hub": "east"})  # hub means nothing to a pair
        result = run_cli("plan", "--stack", "warned", "--format", "mermaid", "--project-dir", str(project))
        assert result.returncode == 0, "warnings alone do not fail"
        assert result.stdout.startswith("flowchart") and "warning" not in result.stdout, result.stdout
        assert "warning: vnet2vnet:hub: hub is used only by hub-and-spoke" in result.stderr, result.stderr
        assert result.stderr.count("vnet2vnet:hub:") == 1, f"the warning is shown once:\n{result.stderr}"

    def test_errors_go_to_stderr_with_exit_1_and_nothing_on_stdout(self, tmp_path: Path) -> None:
        project = project_copy(tmp_path)
        write_stack(project, "broken", broken_dev_config())
        result = run_cli("plan", "--stack", "broken", "--format", "mermaid", "--project-dir", str(project))
        assert (result.returncode, result.stdout) == (1, ""), result
        assert "error: vnet2vnet:vnets[1].gatewaySubnetPrefix" in result.stderr, result.stderr


def test_text_plan_shows_schedule_and_capacity() -> None:
    result = run_cli("plan", "--stack", "prod")
    assert result.returncode == 0, result.stderr
    for expected in (
        "Deployment schedule",
        "wave 1:",
        f"critical path: {plan_schedule(plan_stack('prod')).critical_path_minutes:g} min",
        "Gateway capacity:",
        "tunnels 1/30",
        "1250 Mbps",
        "zone-redundant",
    ):
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout}"


def test_progress_goes_to_stderr_only(capsys: pytest.CaptureFixture[str], dev_plan: Plan) -> None:
    progress = cli.Progress(after=0, every=0)
    for resource in dev_plan.resources:
        progress(resource)
    progress.done()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"plan: {len(dev_plan.resources)} resource(s) registered" in captured.err


def test_progress_stays_quiet_on_short_plans(capsys: pytest.CaptureFixture[str], dev_plan: Plan) -> None:
    progress = cli.Progress(after=3600)
    for resource in dev_plan.resources:
        progress(resource)
    progress.done()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("stack", ["dev", "prod", "mesh"])
def test_the_progress_estimate_knows_how_many_resources_a_plan_registers(stack: str) -> None:
    from tests.support import plan_stack

    project, topology, _ = cli.stack_config_findings(PROJECT_DIR, stack)
    assert topology is not None
    registered = len(plan_stack(stack).resources)
    expected = cli.expected_resources(project, topology)
    assert expected == registered, f"{stack}: estimated {expected}, registered {registered}"


def test_progress_shows_how_far_and_the_time_left(capsys: pytest.CaptureFixture[str], dev_plan: Plan) -> None:
    progress = cli.Progress(after=0, every=0, expected=2 * len(dev_plan.resources))
    for resource in dev_plan.resources:
        progress(resource)
    err = capsys.readouterr().err
    assert f"{len(dev_plan.resources)} of about {2 * len(dev_plan.resources)} resources registered (50%" in err, err
    assert "s left)" in err, err


def test_the_renderers_read_the_plan_model_without_any_pulumi_runtime() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, vnet2vnet.render, vnet2vnet.report, vnet2vnet.diagram, vnet2vnet.spec_check;"
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith(('pulumi.', 'vnet2vnet.engine'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"the plan's readers must not load the mock engine or the SDK: {loaded}"
