"""The emulator is a judge of its own (issue 25): a plain azure-native program, with no vnet2vnet in it and so none
of our validation, makes every mistake the audit found the emulator accepting, and the emulator alone refuses each
with Azure's error code (or, for BGP and keys, never reports the link Connected). Run through the real engine as
`vnet2vnet rehearse --project-dir` runs a project that is not ours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR, EngineStack, write_project

# One program, two phases (config `phase`): what a create gets wrong, then what an update gets wrong. Every
# resource stands on its own, so the engine (with --continue-on-error) sends each request whatever the others get.
PROGRAM = """
import pulumi
from pulumi_azure_native import network, resources

config = pulumi.Config()
phase = config.get_int("phase") or 1
rg = resources.ResourceGroup("rg", resource_group_name="plain-rg", location="eastus")


def vnet(name, space, location="eastus", subnets=(), gateway_prefix=None):
    made = network.VirtualNetwork(name, virtual_network_name=name, resource_group_name=rg.name, location=location,
                                  address_space=network.AddressSpaceArgs(address_prefixes=[space]))
    previous = []
    for sub_name, prefix in subnets:  # one after the other: the second of two overlapping subnets is refused
        previous = [network.Subnet(f"{name}-{sub_name}", subnet_name=sub_name, resource_group_name=rg.name,
                                   virtual_network_name=made.name, address_prefix=prefix,
                                   opts=pulumi.ResourceOptions(depends_on=previous))]
    if gateway_prefix is None:
        return made, None
    subnet = network.Subnet(f"{name}-gws", subnet_name="GatewaySubnet", resource_group_name=rg.name,
                            virtual_network_name=made.name, address_prefix=gateway_prefix)
    return made, subnet


def ip(name, zones=("1", "2", "3"), location="eastus"):
    return network.PublicIPAddress(name, public_ip_address_name=name, resource_group_name=rg.name, location=location,
                                   sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                                   public_ip_allocation_method="Static", zones=list(zones))


def gateway(name, subnet, ips, sku="VpnGw1AZ", generation="Generation1", location="eastus", bgp_asn=None,
            active_active=False, vpn_type="RouteBased"):
    return network.VirtualNetworkGateway(
        name, virtual_network_gateway_name=name, resource_group_name=rg.name, location=location,
        gateway_type="Vpn", vpn_type=vpn_type, vpn_gateway_generation=generation, active_active=active_active,
        sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=sku),
        enable_bgp=bgp_asn is not None,
        bgp_settings=network.BgpSettingsArgs(asn=bgp_asn) if bgp_asn is not None else None,
        ip_configurations=[network.VirtualNetworkGatewayIPConfigurationArgs(
            name=f"ipconfig{index}", subnet=network.SubResourceArgs(id=subnet.id),
            public_ip_address=network.SubResourceArgs(id=address.id)) for index, address in enumerate(ips)])


def connection(name, local, remote, key=None, bgp=False, opts=None):
    return network.VirtualNetworkGatewayConnection(
        name, virtual_network_gateway_connection_name=name, resource_group_name=rg.name, location="eastus",
        connection_type="Vnet2Vnet", virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=local.id),
        virtual_network_gateway2=network.VirtualNetworkGatewayArgs(id=remote.id), shared_key=key, enable_bgp=bgp,
        opts=opts)


# Phase 1: creates that Azure refuses, each on its own.
vnet("in-mars", "10.90.0.0/16", location="mars")
vnet("multicast", "224.0.0.0/16")
vnet("overlapping", "10.91.0.0/16", subnets=[("a", "10.91.1.0/24"), ("b", "10.91.1.128/25")])
vnet("tiny", "10.92.0.0/16", subnets=[("slash30", "10.92.1.0/30")])
_, gen2_subnet = vnet("gen2", "10.93.0.0/16", gateway_prefix="10.93.255.0/27")
gateway("gw-gen2", gen2_subnet, [ip("ip-gen2")], generation="Generation2")
_, non_az_subnet = vnet("nonaz", "10.94.0.0/16", gateway_prefix="10.94.255.0/27")
gateway("gw-nonaz", non_az_subnet, [ip("ip-nonaz")], sku="VpnGw1")
_, basic_subnet = vnet("basic", "10.95.0.0/16", gateway_prefix="10.95.255.0/27")
basic_ip = ip("ip-basic")
gateway("gw-basic", basic_subnet, [basic_ip, basic_ip], sku="Basic", active_active=True)
_, asn_subnet = vnet("asn", "10.96.0.0/16", gateway_prefix="10.96.255.0/27")
gateway("gw-asn", asn_subnet, [ip("ip-asn")], bgp_asn=65517)
_, far_subnet = vnet("far", "10.97.0.0/16", gateway_prefix="10.97.255.0/27")
gateway("gw-far", far_subnet, [ip("ip-far", location="westus2")], location="westus2")

# Gateways that Azure builds, for the links and the updates.
_, a_subnet = vnet("va", "10.10.0.0/16", gateway_prefix="10.10.255.0/27")
_, b_subnet = vnet("vb", "10.20.0.0/16", gateway_prefix="10.20.255.0/27")
_, c_subnet = vnet("vc", "10.30.0.0/16", gateway_prefix="10.30.255.0/27")
_, d_subnet = vnet("vd", "10.40.0.0/16", gateway_prefix="10.40.255.0/27")
shrunk = "10.50.0.0/24" if phase == 2 else "10.50.0.0/16"
vnet("ve", shrunk, subnets=[("work", "10.50.8.0/24")])
ip_a = ip("ip-a", zones=("1",) if phase == 2 else ("1", "2", "3"))
gw_a = gateway("gw-a", a_subnet, [ip_a], bgp_asn=65010)
gw_b = gateway("gw-b", b_subnet, [ip("ip-b")], bgp_asn=65010)
gw_c = gateway("gw-c", c_subnet, [ip("ip-c")], vpn_type="PolicyBased" if phase == 2 else "RouteBased")
gw_d = gateway("gw-d", d_subnet, [ip("ip-d")], location="westus" if phase == 2 else "eastus")
first = connection("a-to-b", gw_a, gw_b, key="Same1Key", bgp=True)
connection("b-to-a", gw_b, gw_a, key="Same1Key", bgp=True, opts=pulumi.ResourceOptions(depends_on=[first]))
second = connection("c-to-d", gw_c, gw_d)
connection("d-to-c", gw_d, gw_c, opts=pulumi.ResourceOptions(depends_on=[second]))
connection("c" * 81, gw_c, gw_d, key="Any1Key", opts=pulumi.ResourceOptions(depends_on=[second]))
"""

# Each mistake: the resource (its Pulumi name) and the code Azure, as emulated, answers.
CREATE_REFUSALS = {
    "in-mars": "LocationNotAvailableForResourceType",
    "multicast": "EmulatorRuleReservedAddressSpace",
    "overlapping-b": "NetcfgSubnetRangesOverlap",
    "tiny-slash30": "EmulatorRuleSubnetTooSmall",
    "gw-gen2": "VirtualNetworkGatewaySkuCannotBeCreatedForSpecifiedVmGeneration",
    "gw-nonaz": "EmulatorRuleNonAzSkuCreation",
    "gw-basic": "EmulatorRuleBasicActiveActive",
    "gw-asn": "EmulatorRuleReservedAsn",
    "gw-far": "InvalidResourceReference",
    "c" * 81: "InvalidResourceName",
}
UPDATE_REFUSALS = {
    "ve": "EmulatorRuleAddressSpaceWithoutSubnet",
    "ip-a": "ResourceAvailabilityZonesCannotBeModified",
    "gw-c": "EmulatorRuleVpnTypeChange",
    "gw-d": "InvalidResourceLocation",
}


def refused(result: dict[str, Any], log: str) -> dict[str, str]:
    """Resource name -> Azure's error code, from the engine's diagnostics of one `up`."""
    from vnet2vnet.rehearse import azure_errors

    errors = azure_errors(result.get("diagnostics") or [])
    assert errors, f"the emulator refused nothing:\n{log[-3000:]}"
    return {error["resource"].rsplit("::", 1)[-1]: error["code"] for error in errors}


def test_the_emulator_alone_refuses_what_azure_refuses(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    project = write_project(tmp_path / "plain", PROGRAM, "dev", {"plain:phase": "1"}, name="plain")
    assert "vnet2vnet" not in (project / "__main__.py").read_text(), "no vnet2vnet: none of our validation"
    stack = EngineStack(Rehearsal(project, "dev", pulumi_cli, tmp_path / "sandbox", say=lambda _: None, ours=False))

    first = stack.run("up", "create", continue_on_error=True)
    assert "error" in first, "the mistakes fail the update"
    found = refused(first, Path(first["log"]).read_text())
    missing = {name: code for name, code in CREATE_REFUSALS.items() if found.get(name) != code}
    assert not missing, f"refused by the emulator alone, with Azure's code: {missing}; it refused {found}"
    assert set(found) <= set(CREATE_REFUSALS), f"and nothing valid: {set(found) - set(CREATE_REFUSALS)}"

    statuses = stack.statuses()
    assert statuses["a-to-b"] != "Connected" and statuses["b-to-a"] != "Connected", f"equal ASNs: {statuses}"
    assert statuses["c-to-d"] != "Connected" and statuses["d-to-c"] != "Connected", f"no key on either: {statuses}"
    state = stack.azure()
    rules = {r.get("rule") for r in state["refusals"]}
    assert {"gateway-reserved-asn", "gateway-sku-generation", "subnet-overlap"} <= rules, f"by rule: {rules}"

    stack.edit_config(lambda config: config.update({"plain:phase": "2"}))
    second = stack.run("up", "update", continue_on_error=True)
    found = refused(second, Path(second["log"]).read_text())
    missing = {name: code for name, code in UPDATE_REFUSALS.items() if found.get(name) != code}
    assert not missing, f"changes Azure refuses in place: {missing}; it refused {found}"


def test_rehearse_takes_a_project_that_is_not_ours(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    """`vnet2vnet rehearse --project-dir` on a plain azure-native project: the whole lifecycle but vnet2vnet's own
    steps, which are named in the notes."""
    program = (
        "import pulumi\nfrom pulumi_azure_native import network, resources\n"
        "rg = resources.ResourceGroup('rg', location='eastus')\n"
        "network.VirtualNetwork('vnet', resource_group_name=rg.name, location='eastus',\n"
        "    address_space=network.AddressSpaceArgs(address_prefixes=['10.1.0.0/16']))\n"
    )
    project = write_project(tmp_path / "other", program, "dev", {}, name="other")
    result = subprocess.run(
        [sys.executable, "-m", "vnet2vnet", "rehearse", "--stack", "dev", "--json", "--project-dir", str(project)],
        env={**os.environ, "VNET2VNET_PULUMI": pulumi_cli.path}, capture_output=True, text=True, cwd=PROJECT_DIR,
        timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(result.stdout)
    steps = [step["name"] for step in document["steps"]]
    assert steps == ["up", "preview", "refresh", "preview_after_refresh", "destroy"], steps
    assert document["built"] == {azure.RG: 1, azure.VNET: 1}, document["built"]
    assert any("no key rotation" in note for note in document["notes"]), document["notes"]
    assert any("critical path" in note for note in document["notes"]), document["notes"]


def test_a_type_the_emulator_does_not_serve_is_refused_at_preview_naming_it(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    program = (
        "import pulumi\nfrom pulumi_azure_native import network, resources\n"
        "rg = resources.ResourceGroup('rg', location='eastus')\n"
        "network.RouteTable('routes', resource_group_name=rg.name, location='eastus')\n"
    )
    project = write_project(tmp_path / "routes", program, "dev", {}, name="routes")
    stack = EngineStack(Rehearsal(project, "dev", pulumi_cli, tmp_path / "sandbox", say=lambda _: None, ours=False))
    result = stack.run("preview", "preview")
    assert "error" in result, "a preview fails on it"
    assert "does not emulate azure-native:network:RouteTable" in result["error"], result["error"][-2000:]
