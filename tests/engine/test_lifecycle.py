"""What only the real engine can prove: replacements, refresh, option inheritance, duplicate URNs, config
loading, upgrades from the last release, and the emulator's own ability to fail."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from vnet2vnet.rehearse import change_counts

from .conftest import BEFORE_RESTRUCTURE, PROJECT_DIR, EngineStack, last_release, replace_program, write_project

MakeStack = Callable[..., EngineStack]
GATEWAY = "VirtualNetworkGateway"


def no_rebuild(changes: dict[str, int], what: str) -> None:
    assert changes["replace"] == 0 and changes["delete"] == 0, f"{what} must rebuild nothing: {changes}"


class TestReplacements:
    def test_replacing_a_gateway_replaces_its_connections_without_conflicts(self, engine_stack: MakeStack) -> None:
        stack = engine_stack("dev")
        stack.ok("up")
        deployment = stack.run("select")["deployment"]
        for resource in stack.state_on_disk()["resources"]:
            if resource["type"].endswith("VirtualNetworkGatewayConnection"):
                trigger = resource.get("replacementTrigger")
                assert isinstance(trigger, dict) and "ciphertext" in trigger, f"the trigger is a secret: {trigger}"
        gateway = stack.urn_of(deployment, f"network:{GATEWAY}", "vnet2vnet-east-gw")
        before = {c["name"] for c in stack.connections()}
        changes = stack.ok("up", "replace", replace=[gateway])
        # The gateway and, through replace_with, both connections (a connection never outlives its gateway).
        assert changes["replace"] == 3, f"expected the gateway and both connections replaced: {changes}"
        after = {c["name"] for c in stack.connections()}
        assert not before & after, f"both connections are new Azure resources: {before} -> {after}"
        assert stack.conflicts() == [], stack.conflicts()
        assert set(stack.statuses().values()) == {"Connected"}, stack.statuses()

    def test_the_default_protocol_written_explicitly_rebuilds_nothing(self, engine_stack: MakeStack) -> None:
        stack = engine_stack("dev")
        stack.ok("up")
        stack.edit_config(lambda config: config["vnet2vnet:connection"].update(connectionProtocol="IKEv2"))
        no_rebuild(stack.ok("preview", "explicit"), "IKEv2 written out (the default)")

    def test_a_tag_change_updates_in_place_in_preview_and_up(self, engine_stack: MakeStack) -> None:
        stack = engine_stack("dev")
        built = stack.ok("up")
        stack.edit_config(lambda config: config["vnet2vnet:tags"].update(costCentre="net-42"))
        previewed = stack.ok("preview", "tagged")
        no_rebuild(previewed, "a tag change (preview: dependents must see the group's name, not an unknown)")
        tagged = [r for r in stack.azure()["resources"].values() if "tags" in r["inputs"]]
        assert previewed["update"] == len(tagged), f"every tagged resource takes the tag in place: {previewed}"
        applied = stack.ok("up", "tagged")
        assert applied == previewed, f"up does what preview said: {applied} vs {previewed}"
        assert applied["update"] + applied["same"] == built["create"], applied

    def test_ikev1_replaces_both_connections(self, engine_stack: MakeStack) -> None:
        stack = engine_stack("dev")
        stack.ok("up")
        stack.edit_config(lambda config: config["vnet2vnet:connection"].update(connectionProtocol="IKEv1"))
        changes = stack.ok("up", "ikev1")
        assert changes["replace"] == 2 and changes["delete"] == 0, f"both directions change protocol: {changes}"
        assert set(stack.statuses().values()) == {"Connected"}, "both sides agree on IKEv1"


class TestRefreshVariants:
    """Azure's GET answers that are not known for sure: the program must be safe under each."""

    @pytest.mark.parametrize("variant", [{"sharedKeyOnRead": "omitted"}, {"generationOnRead": "Generation2"}], ids=str)
    def test_refresh_then_up_keeps_the_key_and_rebuilds_nothing(
        self, variant: dict[str, str], engine_stack: MakeStack, tmp_path: Path
    ) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_text(yaml.safe_dump({"variants": variant}))
        stack = engine_stack("dev", seed=seed)
        stack.ok("up")
        keys = {c["inputs"]["sharedKey"] for c in stack.connections()}
        stack.ok("refresh")
        refreshed = stack.state_on_disk()["resources"]
        if variant.get("sharedKeyOnRead") == "omitted":
            connections = [r for r in refreshed if r["type"].endswith(":VirtualNetworkGatewayConnection")]
            assert connections and not any("sharedKey" in r["outputs"] for r in connections), (
                "the variant is in effect: no key in the refreshed connections' outputs"
            )
        else:
            gateways = [r for r in refreshed if r["type"].endswith(":VirtualNetworkGateway")]
            assert gateways and {r["outputs"].get("vpnGatewayGeneration") for r in gateways} == {"Generation2"}, (
                "the variant is in effect: every gateway reads back as Generation2"
            )
        no_rebuild(stack.ok("preview", "after-refresh"), f"a preview after refresh under {variant}")
        no_rebuild(stack.ok("up", "after-refresh-up"), f"an up after refresh under {variant}")
        assert {c["inputs"]["sharedKey"] for c in stack.connections()} == keys, "the key is the one generated"
        assert set(stack.statuses().values()) == {"Connected"}, stack.statuses()


PAIR_ARGS = """
{
    "vnets": [
        {"name": "hq", "location": "westeurope", "address_spaces": ["10.1.0.0/16"],
         "gateway_subnet_prefix": "10.1.255.0/27"},
        {"name": "branch", "location": "northeurope", "address_spaces": ["10.2.0.0/16"],
         "gateway_subnet_prefix": "10.2.255.0/27"},
    ],
}
"""
SECOND_PROGRAM = f"""
import pulumi
from vnet2vnet import VnetToVnetPair

pair = VnetToVnetPair("corp", {PAIR_ARGS}, opts=pulumi.ResourceOptions(protect=True))
pulumi.export("gateways", pair.gateway_ids)
"""
TWO_PAIRS_NAMED_ALIKE = f"""
from vnet2vnet import VnetToVnetPair

VnetToVnetPair("corp", {PAIR_ARGS})
VnetToVnetPair("corp", {PAIR_ARGS})
"""


class TestComponentInAnotherProgram:
    def test_a_pair_from_component_args_protects_every_child(self, engine_stack: MakeStack, tmp_path: Path) -> None:
        project = write_project(tmp_path / "second", SECOND_PROGRAM, "dev", {})
        stack = engine_stack("dev", project_dir=project)
        stack.ok("up")
        deployment = stack.run("select")["deployment"]
        children = [r for r in deployment["resources"] if r.get("custom") and "VnetToVnetPair" in r["urn"]]
        assert len(children) == 13, f"a pair has 13 resources: {len(children)}"
        unprotected = [r["urn"] for r in children if not r.get("protect")]
        assert unprotected == [], f"protect=True on the component reaches every child: {unprotected}"
        assert set(stack.statuses().values()) == {"Connected"}, stack.statuses()

    def test_a_second_component_with_the_same_name_is_refused_with_the_finding(
        self, engine_stack: MakeStack, tmp_path: Path
    ) -> None:
        project = write_project(tmp_path / "twice", TWO_PAIRS_NAMED_ALIKE, "dev", {})
        stack = engine_stack("dev", project_dir=project)
        result = stack.run("up")
        assert "error" in result, "a duplicate component name must fail the update"
        assert "duplicate resource names" in result["error"], result["error"][-2000:]
        assert "Traceback" not in result["error"], result["error"][-2000:]
        # The engine still builds what the first pair registered before the program failed: one pair's 12.
        assert len(stack.azure()["resources"]) == 12, "the second pair registered nothing"


class TestStackConfig:
    def test_a_bad_stack_config_stops_pulumi_up_with_the_findings_and_no_traceback(
        self, engine_stack: MakeStack
    ) -> None:
        stack = engine_stack("dev")

        def overlap(config: dict[str, Any]) -> None:
            config["vnet2vnet:vnets"][1]["addressSpaces"] = ["10.10.128.0/17"]

        stack.edit_config(overlap)
        result = stack.run("up")
        assert "error" in result, "overlapping address spaces must stop the update"
        message = result["error"]
        assert "vnet2vnet:vnets" in message and "overlap" in message, message[-2000:]
        assert "Traceback" not in message, message[-2000:]
        assert stack.azure()["resources"] == {}, "nothing reached Azure"


MESH_OF_EIGHT = [
    {"name": f"v{i}", "location": location, "addressSpaces": [f"10.{40 + i}.0.0/16"],
     "gatewaySubnetPrefix": f"10.{40 + i}.255.0/27"}
    for i, location in enumerate(
        ["eastus", "westus2", "northeurope", "westeurope", "swedencentral", "japaneast", "australiaeast", "uksouth"]
    )
]  # fmt: skip


class TestParallelism:
    def test_a_mesh_of_eight_has_no_conflicts_under_the_engines_default_parallelism(
        self, engine_stack: MakeStack
    ) -> None:
        stack = engine_stack("mesh")
        stack.edit_config(lambda config: config.update({"vnet2vnet:vnets": MESH_OF_EIGHT}))
        changes = stack.ok("up")
        assert len(stack.connections()) == 56, f"28 links, two connections each: {len(stack.connections())}"
        assert changes["create"] > 56 and stack.conflicts() == [], stack.conflicts()[:3]
        assert set(stack.statuses().values()) == {"Connected"}

    def test_connections_without_our_rounds_hit_409_in_the_emulator(
        self, engine_stack: MakeStack, tmp_path: Path
    ) -> None:
        program = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(PROJECT_DIR)!r})
            from bench.flat import FlatVnet, register

            vnets = [FlatVnet(f"f{{i}}", "eastus", f"10.{{60 + i}}.0.0/16", f"10.{{60 + i}}.255.0/27") for i in range(4)]
            register(vnets, [(a, b) for a in range(4) for b in range(a + 1, 4)])
            """
        )
        project = write_project(tmp_path / "flat", program, "dev", {}, name="flat")
        stack = engine_stack("dev", project_dir=project)
        result = stack.run("up")
        assert "error" in result and "AnotherOperationInProgress" in result["error"], result.get("error", "")[-1500:]
        assert stack.conflicts(), "the emulator refuses a second write on a busy gateway"


class TestUpgrade:
    @pytest.mark.parametrize("name", ["dev", "prod", "mesh"])
    def test_a_stack_built_by_the_last_release_upgrades_without_rebuilds(
        self, name: str, engine_stack: MakeStack, tmp_path: Path
    ) -> None:
        old = last_release(tmp_path / "release")
        stack = engine_stack(name, project_dir=old, inline=True)  # to see which vnet2vnet the program imported
        built = stack.run("up", "old-up")
        assert "error" not in built, built.get("error", "")[-2000:]
        imported = Path(built["vnet2vnet_imported_from"])
        assert imported.is_relative_to(stack.work_dir), f"the release's own vnet2vnet ran, not HEAD's: {imported}"
        old_ids = {c["id"] for c in stack.connections()}
        replace_program(stack.work_dir, PROJECT_DIR, name)
        stack.rehearsal._write_stack_file(stack.rehearsal.document)
        no_rebuild(stack.ok("preview", "new-preview"), f"HEAD's preview of a {name} stack built by the last release")
        no_rebuild(stack.ok("up", "new-up"), f"HEAD's up of a {name} stack built by the last release")
        assert {c["id"] for c in stack.connections()} == old_ids, "the connections are the same Azure resources"
        assert stack.conflicts() == []

    @pytest.mark.parametrize("name", ["dev", "prod", "mesh"])
    def test_the_restructured_option_model_plans_exactly_what_it_planned_before(
        self, name: str, engine_stack: MakeStack, tmp_path: Path
    ) -> None:
        stack = engine_stack(name, project_dir=last_release(tmp_path / "before", BEFORE_RESTRUCTURE), inline=True)
        up = stack.run("up", "before-up")
        assert "error" not in up, up.get("error", "")[-2000:]
        imported = Path(up["vnet2vnet_imported_from"])
        assert imported.is_relative_to(stack.work_dir), f"the old commit's own vnet2vnet ran, not HEAD's: {imported}"
        built = change_counts(up["changes"])
        replace_program(stack.work_dir, PROJECT_DIR, name)
        stack.rehearsal._write_stack_file(stack.rehearsal.document)
        changes = stack.ok("preview", "after-preview")
        assert changes["same"] == built["create"], f"every resource of the {name} stack stays as it is: {changes}"
        assert sum(changes.values()) == changes["same"], f"HEAD plans no change to a {name} stack: {changes}"
