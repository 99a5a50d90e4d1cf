"""The offline engine answers like Azure and records what the program would send."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import GATEWAY, PUBLIC_IP, RESOURCE_GROUP, SUBNET, VNET, plan_components, plan_stack
from vnet2vnet.engine import OPAQUE_SECRET, ConfigFileError, ProgramError, deterministic_password, load_stack_config

ARM_ID_SHAPES = {
    RESOURCE_GROUP: r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+$",
    VNET: r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$",
    SUBNET: r"/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$",
    PUBLIC_IP: r"/providers/Microsoft\.Network/publicIPAddresses/[^/]+$",
    GATEWAY: r"/providers/Microsoft\.Network/virtualNetworkGateways/[^/]+$",
}


@pytest.mark.parametrize(("type_token", "pattern"), sorted(ARM_ID_SHAPES.items()))
def test_mock_ids_have_the_arm_shape(type_token: str, pattern: str) -> None:
    plan = plan_stack("dev")
    resources = plan.of_type(type_token)
    assert resources
    for resource in resources:
        assert re.search(pattern, resource.id), f"{resource.id} is not an ARM {type_token} ID"


@given(
    length=st.integers(min_value=4, max_value=128),
    version=st.integers(min_value=0, max_value=10),
)
def test_mock_password_has_the_asked_length_charset_and_follows_keepers(length: int, version: int) -> None:
    inputs = {
        "length": length,
        "special": True,
        "overrideSpecial": "!#",
        "minUpper": 1,
        "minLower": 1,
        "minNumeric": 1,
        "minSpecial": 1,
        "keepers": {"version": str(version)},
    }
    password = deterministic_password(inputs)
    assert len(password) == length
    assert set(password) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#")
    assert any(c in "!#" for c in password) and any(c.isdigit() for c in password)
    assert deterministic_password(inputs) == password, "a function of its inputs"
    changed = {**inputs, "keepers": {"version": str(version + 1)}}
    assert deterministic_password(changed) != password, "a changed keeper gives a changed key"


def test_secure_stack_values_become_opaque_secrets(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n  size:\n    type: integer\n    default: 3\n"
    )
    (tmp_path / "Pulumi.x.yaml").write_text("config:\n  demo:key:\n    secure: v1:abc\n  demo:list: [1, 2]\n")
    project, config = load_stack_config(tmp_path, "x")
    assert project == "demo"
    assert config.values == {"demo:size": "3", "demo:key": OPAQUE_SECRET, "demo:list": "[1, 2]"}
    assert config.secret_keys == ["demo:key"] and config.opaque_keys == ["demo:key"]


@pytest.mark.parametrize("bad", ["config:\n  - vnet2vnet:vnets\n", "config: just text\n"])
def test_a_config_section_that_is_not_a_mapping_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.x.yaml").write_text(bad)
    with pytest.raises(ConfigFileError, match=r"Pulumi\.x\.yaml: `config:` must be a mapping"):
        load_stack_config(tmp_path, "x")


def test_program_failure_surfaces_as_its_own_message() -> None:
    def program() -> None:
        raise ValueError("vnet2vnet:vnets[0].location: is required")

    with pytest.raises(ProgramError, match=r"^vnet2vnet:vnets\[0\]\.location: is required$"):
        plan_components(program)


def test_failure_inside_an_apply_surfaces_too() -> None:
    def program() -> None:
        def fail(_: object) -> None:
            raise ValueError("bad value from an output")

        pulumi.Output.from_input("x").apply(fail)

    with pytest.raises(ProgramError, match="bad value from an output"):
        plan_components(program)


def test_the_mocks_take_registrations_from_many_threads_at_once() -> None:
    # The SDK registers from its thread pool: a 100-VNet hub-and-spoke plan failed with "dictionary changed size
    # during iteration" when a rule walked the emulated Azure while another thread added to it.
    from concurrent.futures import ThreadPoolExecutor

    from pulumi.runtime.mocks import MockResourceArgs

    from vnet2vnet.engine import AzureMocks

    mocks = AzureMocks()
    mocks.new_resource(MockResourceArgs(RESOURCE_GROUP, "rg", {"resourceGroupName": "rg", "location": "westeurope"},
                                        None, "", True))  # fmt: skip

    def register(index: int) -> str | None:
        """One side: VNet, GatewaySubnet, public IP and gateway (whose rules walk every gateway in Azure)."""
        group = {"resourceGroupName": "rg", "location": "westeurope"}
        mocks.new_resource(MockResourceArgs(VNET, f"vnet{index}", {
            **group, "virtualNetworkName": f"vnet{index}", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}
        }, None, "", True))  # fmt: skip
        subnet, _ = mocks.new_resource(MockResourceArgs(SUBNET, f"subnet{index}", {
            "resourceGroupName": "rg", "virtualNetworkName": f"vnet{index}", "subnetName": "GatewaySubnet",
            "addressPrefix": "10.0.255.0/27",
        }, None, "", True))  # fmt: skip
        ip, _ = mocks.new_resource(MockResourceArgs(PUBLIC_IP, f"ip{index}", {
            **group, "publicIpAddressName": f"ip{index}", "sku": {"name": "Standard", "tier": "Regional"},
            "publicIPAllocationMethod": "Static",
        }, None, "", True))  # fmt: skip
        return mocks.new_resource(MockResourceArgs(GATEWAY, f"gw{index}", {
            **group, "virtualNetworkGatewayName": f"gw{index}", "gatewayType": "Vpn", "vpnType": "RouteBased",
            "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}, "vpnGatewayGeneration": "Generation1",
            "ipConfigurations": [{"name": "ipconfig1", "subnet": {"id": subnet}, "publicIPAddress": {"id": ip}}],
        }, None, "", True))[0]  # fmt: skip

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(register, range(400)))
    assert len(set(ids)) == 400, "every registration answered, each with its own ID"
    assert not [r for r in mocks.refusals if r["type"] == GATEWAY], f"every side is valid: {mocks.refusals[:2]}"
