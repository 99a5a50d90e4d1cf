"""azure-native v3's planning as the emulator reproduces it (vnet2vnet.emulator.planning), one row per behaviour.

Each row's id names the azure-native source it follows (pulumi/pulumi-azure-native unless said otherwise; commits
as in /tmp/research/azure-native.md): diff.go [id 48296842760], diff_test.go@01a6d03d, provider.go@006a62af,
gen/replacement.go@1b7112af, gen/properties.go@000c5318, resources/resources.go [id 49992771763],
convert/responseToSdkInputs.go@604cfd52; the engine's ignoreChanges from pulumi/pulumi step_generator.go and
properties_path.go@1b594989. The network rows read Azure's REST spec (tests/conftest.py's `spec_dir`).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from pulumi.provider.experimental.provider import PropertyDiffKind

from vnet2vnet.emulator.planning import (
    CREATE_BEFORE_DELETE,
    FORCE_NEW,
    LOCATION_HINT,
    UNKNOWN,
    DiffKind,
    Failure,
    autoname,
    autoname_kind,
    check,
    diff,
    import_inputs,
    replace_keys,
    spec_create_only,
    spec_defaults,
    spec_model,
    validate,
)
from vnet2vnet.spec_check import SPEC_TARGETS
from vnet2vnet.tokens import (
    CONNECTION_TYPE,
    DIAGNOSTIC_SETTING_TYPE,
    GATEWAY_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

ADD, ADD_REPLACE, DELETE = DiffKind.ADD, DiffKind.ADD_REPLACE, DiffKind.DELETE
UPDATE, UPDATE_REPLACE = DiffKind.UPDATE, DiffKind.UPDATE_REPLACE

# The PUT path parameters (parents, then the name) of each type: the spec's for the network types (checked below
# against the spec), ARM's for a resource group.
PATH_PARAMETERS: dict[str, tuple[str, ...]] = {
    RESOURCE_GROUP_TYPE: ("resourceGroupName",),
    VNET_TYPE: ("resourceGroupName", "virtualNetworkName"),
    SUBNET_TYPE: ("resourceGroupName", "virtualNetworkName", "subnetName"),
    PUBLIC_IP_TYPE: ("resourceGroupName", "publicIpAddressName"),
    GATEWAY_TYPE: ("resourceGroupName", "virtualNetworkGatewayName"),
    CONNECTION_TYPE: ("resourceGroupName", "virtualNetworkGatewayConnectionName"),
}

RG_ID = "/subscriptions/6d6b3f6e-0000-4000-8000-00000e000001/resourceGroups/rg-hub"
NET = f"{RG_ID}/providers/Microsoft.Network"
SUBNET_ID = f"{NET}/virtualNetworks/vnet-hub/subnets/GatewaySubnet"
IP_ID = f"{NET}/publicIPAddresses/pip-hub"
GW_ID = f"{NET}/virtualNetworkGateways/gw-hub"
GW2_ID = f"{NET}/virtualNetworkGateways/gw-spoke"

BASES: dict[str, dict[str, Any]] = {
    RESOURCE_GROUP_TYPE: {"resourceGroupName": "rg-hub", "location": "eastus"},
    VNET_TYPE: {
        "resourceGroupName": "rg-hub",
        "virtualNetworkName": "vnet-hub",
        "location": "eastus",
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
    },
    SUBNET_TYPE: {
        "resourceGroupName": "rg-hub",
        "virtualNetworkName": "vnet-hub",
        "subnetName": "GatewaySubnet",
        "addressPrefix": "10.0.255.0/27",
        "serviceEndpoints": [{"service": "Microsoft.Storage"}],
    },
    PUBLIC_IP_TYPE: {
        "resourceGroupName": "rg-hub",
        "publicIpAddressName": "pip-hub",
        "location": "eastus",
        "sku": {"name": "Standard", "tier": "Regional"},
        "publicIPAllocationMethod": "Static",
        "publicIPAddressVersion": "IPv4",
        "zones": ["1", "2", "3"],
    },
    GATEWAY_TYPE: {
        "resourceGroupName": "rg-hub",
        "virtualNetworkGatewayName": "gw-hub",
        "location": "eastus",
        "gatewayType": "Vpn",
        "vpnType": "RouteBased",
        "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
        "ipConfigurations": [{"name": "default", "subnet": {"id": SUBNET_ID}, "publicIPAddress": {"id": IP_ID}}],
        "tags": {"owner": "net"},
    },
    CONNECTION_TYPE: {
        "resourceGroupName": "rg-hub",
        "virtualNetworkGatewayConnectionName": "hub-to-spoke",
        "location": "eastus",
        "connectionType": "Vnet2Vnet",
        "virtualNetworkGateway1": {"id": GW_ID},
        "virtualNetworkGateway2": {"id": GW2_ID},
        "sharedKey": "not-a-real-key",
    },
}

_DELETE = object()


def edit(type_token: str, changes: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of a type's base inputs with `changes` applied at "a.b" / "a[0].b" paths (_DELETE removes)."""
    result = copy.deepcopy(BASES[type_token] if base is None else base)
    for path, value in changes.items():
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
        node: Any = result
        for part in parts[:-1]:
            node = node[part]
        if value is _DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return result


# ================================================================================================= diff


class DiffCase(NamedTuple):
    type_token: str
    old: dict[str, Any]
    new: dict[str, Any]
    detailed: dict[str, DiffKind]
    replaces: list[str]
    changes: bool
    options: dict[str, Any] = {}  # noqa: RUF012 (a NamedTuple default, never mutated)
    with_spec: bool = False  # read defaults and create-only properties from the REST spec


def _row(
    type_token: str, changes: dict[str, Any], detailed: dict[str, DiffKind], replaces: list[str], **kw: Any
) -> DiffCase:
    """A row whose old inputs are the type's base and whose new inputs are the base with `changes`."""
    old = kw.pop("old", BASES[type_token])
    return DiffCase(
        type_token, old, edit(type_token, changes, old), detailed, replaces, kw.pop("changed", bool(detailed)), **kw
    )


DIFF_CASES = [
    # diff.go applyAzureSpecificDiff: "location" is case- and spaces-insensitive, so no replacement even where
    # location is ForceNew (VirtualNetwork, replacement.go).
    pytest.param(_row(VNET_TYPE, {"location": "East US"}, {}, []), id="location-case-and-spaces-no-diff-vnet[diff.go]"),
    pytest.param(_row(PUBLIC_IP_TYPE, {"location": "EastUS"}, {}, []), id="location-case-no-diff-public-ip[diff.go]"),
    # diff.go applyAzureSpecificDiff: "resourceGroupName" is case-insensitive (so its path-parameter replacement
    # does not fire for a change of case alone).
    pytest.param(_row(VNET_TYPE, {"resourceGroupName": "RG-Hub"}, {}, []), id="resource-group-case-no-diff[diff.go]"),
    pytest.param(
        _row(
            VNET_TYPE, {"resourceGroupName": "rg-other"}, {"resourceGroupName": UPDATE_REPLACE}, ["resourceGroupName"]
        ),
        id="resource-group-renamed-replaces[diff.go calculateDetailedDiff path parameter]",
    ),
    # replacement.go forceNewMap: VirtualNetwork {location}.
    pytest.param(
        _row(VNET_TYPE, {"location": "westus"}, {"location": UPDATE_REPLACE}, ["location"]),
        id="vnet-location-replaces[replacement.go]",
    ),
    # replacement.go has no VirtualNetworkGateway or VirtualNetworkGatewayConnection entry: location updates.
    pytest.param(
        _row(GATEWAY_TYPE, {"location": "westus"}, {"location": UPDATE}, []),
        id="gateway-location-updates[replacement.go]",
    ),
    pytest.param(
        _row(CONNECTION_TYPE, {"location": "westus"}, {"location": UPDATE}, []),
        id="connection-location-updates[replacement.go]",
    ),
    # replacement.go: PublicIPAddress {location, publicIPAddressVersion, publicIPPrefix, sku}; a child update of a
    # replacing object replaces (diff.go calculateValueDiff "If the parent property causes a replacement...").
    pytest.param(
        _row(PUBLIC_IP_TYPE, {"sku.name": "Basic"}, {"sku.name": UPDATE_REPLACE}, ["sku.name"]),
        id="public-ip-sku-replaces[replacement.go+diff.go]",
    ),
    pytest.param(
        _row(
            PUBLIC_IP_TYPE,
            {"publicIPAddressVersion": "IPv6"},
            {"publicIPAddressVersion": UPDATE_REPLACE},
            ["publicIPAddressVersion"],
        ),
        id="public-ip-version-replaces[replacement.go]",
    ),
    pytest.param(
        _row(PUBLIC_IP_TYPE, {"location": "westus"}, {"location": UPDATE_REPLACE}, ["location"]),
        id="public-ip-location-replaces[replacement.go]",
    ),
    pytest.param(
        _row(
            PUBLIC_IP_TYPE,
            {"publicIPPrefix": {"id": f"{NET}/publicIPPrefixes/a"}},
            {"publicIPPrefix": ADD_REPLACE},
            ["publicIPPrefix"],
        ),
        id="public-ip-prefix-added-replaces[replacement.go]",
    ),
    pytest.param(
        _row(
            PUBLIC_IP_TYPE,
            {"publicIPPrefix.id": f"{NET}/publicIPPrefixes/b"},
            {"publicIPPrefix.id": UPDATE_REPLACE},
            ["publicIPPrefix.id"],
            old=edit(PUBLIC_IP_TYPE, {"publicIPPrefix": {"id": f"{NET}/publicIPPrefixes/a"}}),
        ),
        id="public-ip-prefix-changed-replaces[replacement.go+diff.go]",
    ),
    # zones is not in forceNewMap and has no x-ms-mutability: azure-native plans an update (Azure refuses it).
    pytest.param(
        _row(PUBLIC_IP_TYPE, {"zones": ["1", "2"]}, {"zones[2]": DELETE}, []),
        id="public-ip-zones-removed-updates[replacement.go]",
    ),
    pytest.param(
        _row(PUBLIC_IP_TYPE, {"zones.0": "3", "zones.2": "1"}, {"zones[0]": UPDATE, "zones[2]": UPDATE}, []),
        id="public-ip-zones-reordered-updates[diff.go index by index]",
    ),
    # diff.go calculateDetailedDiff: "All the parameters that are part of the resource path cause a replacement."
    pytest.param(
        _row(
            VNET_TYPE,
            {"virtualNetworkName": "vnet-new"},
            {"virtualNetworkName": UPDATE_REPLACE},
            ["virtualNetworkName"],
        ),
        id="vnet-name-replaces[diff.go path parameter]",
    ),
    pytest.param(
        _row(
            SUBNET_TYPE,
            {"virtualNetworkName": "vnet-new"},
            {"virtualNetworkName": UPDATE_REPLACE},
            ["virtualNetworkName"],
        ),
        id="subnet-parent-replaces[diff.go path parameter]",
    ),
    pytest.param(
        _row(SUBNET_TYPE, {"subnetName": "gatewaysubnet"}, {"subnetName": UPDATE_REPLACE}, ["subnetName"]),
        id="subnet-name-case-replaces[diff.go only resourceGroupName is case-insensitive]",
    ),
    pytest.param(
        _row(
            CONNECTION_TYPE,
            {"virtualNetworkGatewayConnectionName": "x"},
            {"virtualNetworkGatewayConnectionName": UPDATE_REPLACE},
            ["virtualNetworkGatewayConnectionName"],
        ),
        id="connection-name-replaces[diff.go path parameter]",
    ),
    # replacement.go: "Subnet": no force-news; only its path parameters replace.
    pytest.param(
        _row(SUBNET_TYPE, {"addressPrefix": "10.0.254.0/27"}, {"addressPrefix": UPDATE}, []),
        id="subnet-prefix-updates[replacement.go]",
    ),
    # diff.go calculateObjectDiff/calculateValueDiff: "a.b" for objects, "a[0]" for arrays; diffs = first segment.
    pytest.param(
        _row(GATEWAY_TYPE, {"sku": {"name": "VpnGw2", "tier": "VpnGw2"}}, {"sku.name": UPDATE, "sku.tier": UPDATE}, []),
        id="gateway-sku-nested-paths-update[diff.go]",
    ),
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {"ipConfigurations.0.subnet.id": f"{NET}/virtualNetworks/v2/subnets/GatewaySubnet"},
            {"ipConfigurations[0].subnet.id": UPDATE},
            [],
        ),
        id="gateway-ip-configuration-subnet-path[diff.go]",
    ),
    pytest.param(
        _row(SUBNET_TYPE, {"serviceEndpoints": _DELETE}, {"serviceEndpoints": DELETE}, []),
        id="subnet-property-removed-deletes[diff.go objectDiff]",
    ),
    # diff.go calculateValueDiff: only child UPDATEs of a replacing object are promoted; a child added to it is a
    # plain ADD unless it is a replace key itself.
    pytest.param(
        _row(
            PUBLIC_IP_TYPE,
            {"sku.tier": "Regional"},
            {"sku.tier": ADD},
            [],
            old=edit(PUBLIC_IP_TYPE, {"sku": {"name": "Standard"}}),
        ),
        id="public-ip-sku-child-added-is-plain-add[diff.go calculateValueDiff]",
    ),
    # diff.go findForceNew(propName+"[].") and "Array element adds and deletes are always plain ADD/DELETE": an
    # item type's replace key, given here as azure-native spells it (no such key exists for the gateway).
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {"ipConfigurations.0.subnet.id": "other"},
            {"ipConfigurations[0].subnet.id": UPDATE_REPLACE},
            ["ipConfigurations[0].subnet.id"],
            options={"force_new": {"ipConfigurations[].subnet"}},
        ),
        id="array-item-force-new-replaces[diff.go prop[].]",
    ),
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {
                "ipConfigurations": [
                    *BASES[GATEWAY_TYPE]["ipConfigurations"],
                    {"name": "second", "subnet": {"id": SUBNET_ID}},
                ]
            },
            {"ipConfigurations[1]": ADD},
            [],
            options={"force_new": {"ipConfigurations[].subnet"}},
        ),
        id="array-element-added-is-plain-add[diff.go]",
    ),
    # diff.go ignoreKey: keys starting with "__" are not diffed, at any level.
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {CREATE_BEFORE_DELETE: False, "tags.__meta": "x"},
            {},
            [],
            old=edit(GATEWAY_TYPE, {CREATE_BEFORE_DELETE: True}),
        ),
        id="double-underscore-keys-ignored[diff.go ignoreKey]",
    ),
    # diff.go valueDiff: an unknown new value differs from every known one (and a path parameter's replaces).
    pytest.param(
        _row(VNET_TYPE, {"location": UNKNOWN}, {"location": UPDATE_REPLACE}, ["location"]),
        id="unknown-location-replaces-vnet[diff.go]",
    ),
    pytest.param(_row(GATEWAY_TYPE, {"sku": UNKNOWN}, {"sku": UPDATE}, []), id="unknown-gateway-sku-updates[diff.go]"),
    # diff.go calculateChangesAndReplacements: a new property at its spec default is no change (it stays in the
    # detailed diff); virtualNetwork.json: enableDdosProtection default false, Subnet privateEndpointNetworkPolicies
    # default "Disabled".
    pytest.param(
        _row(
            VNET_TYPE, {"enableDdosProtection": False}, {"enableDdosProtection": ADD}, [], changed=False, with_spec=True
        ),
        id="added-at-spec-default-no-change-vnet[diff.go TestChangesAndReplacements_AddedPropertyWithDefaultCausesNoDiff]",
    ),
    pytest.param(
        _row(VNET_TYPE, {"enableDdosProtection": True}, {"enableDdosProtection": ADD}, [], with_spec=True),
        id="added-not-at-default-changes[diff.go ...WithDefaultButDifferentValueCausesDiff]",
    ),
    pytest.param(
        _row(
            SUBNET_TYPE,
            {"privateEndpointNetworkPolicies": "Disabled"},
            {"privateEndpointNetworkPolicies": ADD},
            [],
            changed=False,
            with_spec=True,
        ),
        id="added-at-enum-default-no-change-subnet[diff.go+properties.go enum keeps Default]",
    ),
    pytest.param(
        _row(VNET_TYPE, {"enableDdosProtection": 0}, {"enableDdosProtection": ADD}, [], with_spec=True),
        id="added-number-is-not-the-bool-default[diff.go reflect.DeepEqual]",
    ),
    # diff.go calculateChangesAndReplacements: ADD_REPLACE is a plain ADD when the new input equals the old state's
    # value (workaround for pulumi-azure-nextgen#238).
    pytest.param(
        _row(
            VNET_TYPE,
            {"location": "eastus"},
            {"location": ADD},
            [],
            old=edit(VNET_TYPE, {"location": _DELETE}),
            options={"old_outputs": {"location": "eastus"}},
        ),
        id="add-replace-equal-to-state-is-add[diff.go nextgen#238]",
    ),
    pytest.param(
        _row(
            VNET_TYPE,
            {"location": "eastus"},
            {"location": ADD_REPLACE},
            ["location"],
            old=edit(VNET_TYPE, {"location": _DELETE}),
            options={"old_outputs": {"location": "westus"}},
        ),
        id="add-replace-different-from-state-replaces[diff.go nextgen#238]",
    ),
    # engine processIgnoreChanges/PropertyPath.Reset (azure-native's Diff never reads ignoreChanges itself).
    pytest.param(
        _row(GATEWAY_TYPE, {"tags": {"owner": "app"}}, {}, [], options={"ignore_changes": ["tags"]}),
        id="ignore-changes-top-level[step_generator.go]",
    ),
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {"sku.name": "VpnGw2", "sku.tier": "VpnGw2"},
            {"sku.tier": UPDATE},
            [],
            options={"ignore_changes": ["sku.name"]},
        ),
        id="ignore-changes-nested[properties_path.go Reset]",
    ),
    pytest.param(
        _row(
            GATEWAY_TYPE,
            {"ipConfigurations.0.subnet.id": "other"},
            {},
            [],
            options={"ignore_changes": ["ipConfigurations[*].subnet"]},
        ),
        id="ignore-changes-wildcard[properties_path.go Reset]",
    ),
    pytest.param(
        _row(VNET_TYPE, {"location": "westus"}, {}, [], options={"ignore_changes": ["location"]}),
        id="ignore-changes-stops-a-replacement[step_generator.go]",
    ),
    # diff.go sameManagedClusterSku (pulumi-azure-native#2600) applies to every type's top-level {name, tier} sku.
    pytest.param(
        _row(
            PUBLIC_IP_TYPE,
            {"sku": {"name": "Base", "tier": "Standard"}},
            {},
            [],
            old=edit(PUBLIC_IP_TYPE, {"sku": {"name": "Basic", "tier": "Paid"}}),
        ),
        id="aks-sku-equivalence-applies-to-any-sku[diff.go sameManagedClusterSku]",
    ),
    # replacement.go: ResourceGroup {location}; its name is its path parameter.
    pytest.param(
        _row(RESOURCE_GROUP_TYPE, {"location": "West Europe"}, {"location": UPDATE_REPLACE}, ["location"]),
        id="resource-group-location-replaces[replacement.go]",
    ),
    pytest.param(
        _row(RESOURCE_GROUP_TYPE, {"location": "East US", "resourceGroupName": "RG-HUB"}, {}, []),
        id="resource-group-name-and-location-case-no-diff[diff.go]",
    ),
]


@pytest.mark.parametrize("case", DIFF_CASES)
def test_diff(case: DiffCase, spec_dir: Path) -> None:
    options = dict(case.options)
    result = diff(
        case.type_token,
        case.old,
        case.new,
        options.pop("ignore_changes", ()),
        path_parameters=PATH_PARAMETERS[case.type_token],
        spec_dir=spec_dir if case.with_spec else None,
        **options,
    )
    assert result.detailed_diff == case.detailed, f"detailed diff of {case.old} -> {case.new}"
    assert result.replaces == case.replaces, f"replaces: {result.replaces}, expected {case.replaces}"
    assert result.changes is case.changes, f"changes: {result.changes} with detailed diff {result.detailed_diff}"
    expected_diffs = sorted({path.split(".")[0] for path in case.detailed}) if case.changes else []
    assert result.diffs == expected_diffs, f"diffs are the first path segments: {result.diffs}"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (old, new)
        for old in ("West US 2", "WestUS2", "west us 2", "westus2")
        for new in ("West US 2", "WestUS2", "west us 2", "westus2")
        if old != new
    ],
)
def test_location_forms_are_one_location(old: str, new: str) -> None:
    """diff_test.go@01a6d03d TestLocationDiffingIsInsensitiveToSpacesAndCasing, on a type whose location is
    ForceNew (PublicIPAddress, replacement.go)."""
    result = diff(
        PUBLIC_IP_TYPE,
        edit(PUBLIC_IP_TYPE, {"location": old}),
        edit(PUBLIC_IP_TYPE, {"location": new}),
        path_parameters=PATH_PARAMETERS[PUBLIC_IP_TYPE],
    )
    assert not result.changes and not result.replaces, f"{old!r} -> {new!r} must be no change: {result}"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            BASES[VNET_TYPE],
            edit(VNET_TYPE, {"location": "westus"}),
            True,
            id="named-resource-deletes-first[provider.go Diff]",
        ),
        pytest.param(
            edit(VNET_TYPE, {CREATE_BEFORE_DELETE: True}),
            edit(VNET_TYPE, {"location": "westus"}),
            False,
            id="random-name-creates-first[provider.go createBeforeDeleteFlag]",
        ),
        pytest.param(
            edit(VNET_TYPE, {CREATE_BEFORE_DELETE: False}),
            edit(VNET_TYPE, {"location": "westus"}),
            True,
            id="flag-false-deletes-first[provider.go]",
        ),
        pytest.param(
            BASES[GATEWAY_TYPE],
            edit(GATEWAY_TYPE, {"location": "westus"}),
            False,
            id="no-replacement-no-delete-first[provider.go]",
        ),
    ],
)
def test_delete_before_replace(old: dict[str, Any], new: dict[str, Any], expected: bool) -> None:
    type_token = VNET_TYPE if "virtualNetworkName" in old else GATEWAY_TYPE
    result = diff(type_token, old, new, path_parameters=PATH_PARAMETERS[type_token])
    assert result.delete_before_replace is expected, f"delete_before_replace for {old} -> {new}: {result}"


def test_diff_kinds_are_the_protocol_kinds() -> None:
    """The provider turns a DiffKind into the protocol's kind by name or value."""
    assert {k.name: k.value for k in DiffKind} == {k.name: k.value for k in PropertyDiffKind}, (
        "DiffKind != PropertyDiffKind"
    )


# ====================================================================================== replace keys, spec


def test_force_new_table_is_replacement_go() -> None:
    """gen/replacement.go@1b7112af forceNewMap, for the emulated types; gateways and connections have no entry."""
    expected = {
        PUBLIC_IP_TYPE: {"location", "publicIPAddressVersion", "publicIPPrefix", "sku"},
        VNET_TYPE: {"location"},
        SUBNET_TYPE: set(),
        RESOURCE_GROUP_TYPE: {"location"},
    }
    assert {k: set(v) for k, v in FORCE_NEW.items()} == expected, "FORCE_NEW must copy replacement.go"
    for absent in (GATEWAY_TYPE, CONNECTION_TYPE, WORKSPACE_TYPE, DIAGNOSTIC_SETTING_TYPE):
        assert absent not in FORCE_NEW, f"{absent} has no forceNewMap entry"


@pytest.mark.parametrize("type_token", sorted(SPEC_TARGETS))
def test_spec_has_no_create_only_properties(type_token: str, spec_dir: Path) -> None:
    """gen/properties.go forceNew: x-ms-mutability create-without-update; none in the 2024-05-01 network files."""
    assert spec_create_only(spec_dir, type_token) == frozenset(), f"{type_token}: unexpected create-only properties"
    expected = set(PATH_PARAMETERS[type_token]) | set(FORCE_NEW.get(type_token, ()))
    assert replace_keys(type_token, PATH_PARAMETERS[type_token], spec_dir) == expected, f"{type_token} replace keys"


@pytest.mark.parametrize("type_token", sorted(SPEC_TARGETS))
def test_path_parameters_are_the_specs(type_token: str, spec_dir: Path) -> None:
    found = tuple(n for n, where, _, _ in spec_model(spec_dir).put_parameters(type_token) if where == "path")
    assert found == PATH_PARAMETERS[type_token], f"{type_token}: spec path parameters {found}"


def test_spec_defaults(spec_dir: Path) -> None:
    """gen/properties.go genProperty: plain `default`, null and object defaults dropped."""
    assert spec_defaults(spec_dir, VNET_TYPE) == {"enableDdosProtection": False, "enableVmProtection": False}
    assert spec_defaults(spec_dir, SUBNET_TYPE) == {
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
    }
    for type_token in (GATEWAY_TYPE, CONNECTION_TYPE, PUBLIC_IP_TYPE, RESOURCE_GROUP_TYPE):
        assert spec_defaults(spec_dir, type_token) == {}, f"{type_token} has no spec default"


# ================================================================================================ check

SEED = b"engine-seed-1"


def check_gateway(olds: dict[str, Any], news: dict[str, Any], **options: Any) -> Any:
    parents = PATH_PARAMETERS[GATEWAY_TYPE][:-1]
    return check(
        GATEWAY_TYPE,
        olds,
        news,
        SEED,
        name_parameter="virtualNetworkGatewayName",
        parent_parameters=parents,
        logical_name="gw",
        **options,
    )


class NameCase(NamedTuple):
    type_token: str
    olds: dict[str, Any]
    news: dict[str, Any]
    seed: bytes
    name: str
    flag: bool | None  # the returned __createBeforeDelete, None when absent
    options: dict[str, Any] = {}  # noqa: RUF012
    logical_name: str = "gw"


NAME_CASES = [
    pytest.param(
        NameCase(GATEWAY_TYPE, {}, {"resourceGroupName": "rg"}, SEED, autoname("gw", SEED), True),
        id="new-resource-random-name-and-flag[provider.go getDefaultName AutoNameRandom]",
    ),
    pytest.param(
        NameCase(
            GATEWAY_TYPE,
            {"virtualNetworkGatewayName": "gw0a1b2c3d", CREATE_BEFORE_DELETE: True},
            {"resourceGroupName": "rg"},
            b"other",
            "gw0a1b2c3d",
            True,
        ),
        id="update-keeps-old-name-and-flag[provider.go getDefaultName olds]",
    ),
    pytest.param(
        NameCase(
            GATEWAY_TYPE, {"virtualNetworkGatewayName": "gw-old"}, {"resourceGroupName": "rg"}, SEED, "gw-old", None
        ),
        id="update-keeps-old-name-without-flag[provider.go getDefaultName]",
    ),
    pytest.param(
        NameCase(
            GATEWAY_TYPE,
            {},
            {"resourceGroupName": "rg"},
            b"replacement-seed",
            autoname("gw", b"replacement-seed"),
            True,
        ),
        id="replacement-rechecks-without-olds-new-name[step_generator.go recompute defaults]",
    ),
    pytest.param(
        NameCase(
            GATEWAY_TYPE, {}, {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw-hub"}, SEED, "gw-hub", None
        ),
        id="explicit-name-no-flag[provider.go applyDefaults]",
    ),
    pytest.param(
        NameCase(
            SUBNET_TYPE,
            {},
            {"resourceGroupName": "rg", "virtualNetworkName": "v"},
            SEED,
            "snet",
            None,
            {"with_spec": True},
            "snet",
        ),
        id="child-resource-copies-logical-name[resources.go AutoNameCopy]",
    ),
    pytest.param(
        NameCase(
            RESOURCE_GROUP_TYPE,
            {},
            {"location": "eastus"},
            SEED,
            autoname("rg", SEED),
            True,
            {"path_template": "/subscriptions/{s}/resourceGroups/{name}"},
            "rg",
        ),
        id="resource-group-random-name[resources.go no microsoft. segment]",
    ),
]


@pytest.mark.parametrize("case", NAME_CASES)
def test_check_auto_naming(case: NameCase, spec_dir: Path) -> None:
    options = dict(case.options)
    spec = spec_dir if options.pop("with_spec", False) else None
    name_parameter = PATH_PARAMETERS[case.type_token][-1]
    result = check(
        case.type_token,
        case.olds,
        case.news,
        case.seed,
        name_parameter=name_parameter,
        parent_parameters=PATH_PARAMETERS[case.type_token][:-1],
        logical_name=case.logical_name,
        spec_dir=spec,
        **options,
    )
    assert result.inputs[name_parameter] == case.name, f"name: {result.inputs}"
    assert result.inputs.get(CREATE_BEFORE_DELETE) is case.flag, f"__createBeforeDelete: {result.inputs}"
    assert result.failures == [], f"no failures expected: {result.failures}"


def test_autoname_is_eight_lowercase_hex_from_the_seed() -> None:
    """provider.go getDefaultName: NewUniqueName(randomSeed, name, 8, 0, nil), charset 0123456789abcdef."""
    name = autoname("gw", SEED)
    assert re.fullmatch(r"gw[0-9a-f]{8}", name), name
    assert autoname("gw", SEED) == name, "deterministic from the seed"
    assert autoname("gw", b"another") != name, "another seed, another name"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (
            "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
            "random",
        ),
        (
            "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{subnetName}",
            "copy",
        ),
        ("/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}", "random"),
        ("{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}", "random"),
        (None, "random"),
    ],
)
def test_autoname_kind(path: str | None, kind: str) -> None:
    """resources.go AutoNamer.AutoName: one `{` after the last "microsoft." (or none) is random, else copy."""
    assert autoname_kind(path) == kind, path


def test_check_location_and_api_version_defaults() -> None:
    """provider.go applyDefaults/getDefaultLocation: old inputs' location first, then the configured or resource
    group location; v3 sets azureApiVersion."""
    named = {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw-hub"}
    kept = check_gateway({"location": "westeurope"}, named, default_location="eastus")
    assert kept.inputs["location"] == "westeurope", "old inputs' location comes first"
    fresh = check_gateway({}, named, default_location=UNKNOWN, api_version="2024-05-01")
    assert fresh.inputs["location"] is UNKNOWN, "an unknown resource group gives an unknown location"
    assert fresh.inputs["azureApiVersion"] == "2024-05-01", "v3 sets azureApiVersion"
    bare = check_gateway({}, named)
    assert "location" not in bare.inputs and "azureApiVersion" not in bare.inputs, f"nothing to default: {bare.inputs}"


def test_check_drops_nulls() -> None:
    """provider.go Check unmarshals the new inputs with SkipNulls: a null property is an unset one."""
    result = check_gateway({}, {"resourceGroupName": "rg", "tags": None, "sku": {"name": None}})
    assert "tags" not in result.inputs and result.inputs["sku"] == {}, f"nulls dropped: {result.inputs}"


def _gateway(**changes: Any) -> dict[str, Any]:
    return edit(GATEWAY_TYPE, changes)


def _connection(**changes: Any) -> dict[str, Any]:
    return edit(CONNECTION_TYPE, changes)


FAILURE_CASES = [
    # provider.go Check: a missing required path parameter.
    pytest.param(
        GATEWAY_TYPE,
        edit(GATEWAY_TYPE, {"resourceGroupName": _DELETE}),
        False,
        ["missing required property 'resourceGroupName'"],
        id="missing-path-parameter-no-spec[provider.go Check]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        edit(GATEWAY_TYPE, {"resourceGroupName": _DELETE}),
        True,
        ["missing required property 'resourceGroupName'"],
        id="missing-path-parameter-spec[provider.go Check]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        edit(GATEWAY_TYPE, {"resourceGroupName": 5}),
        True,
        ["'resourceGroupName' should be of type 'string' but got a number"],
        id="path-parameter-type[provider.go validateProperty]",
    ),
    # provider.go validateType: required body properties (flattened `properties` included, gen/properties.go).
    pytest.param(
        CONNECTION_TYPE,
        edit(CONNECTION_TYPE, {"connectionType": _DELETE}),
        True,
        ["missing required property 'connectionType'"],
        id="missing-required-body-property[provider.go validateType]",
    ),
    # provider.go validateProperty: types, integer-ness, inclusive ranges (bgpSettings.asn: 0..4294967295).
    pytest.param(
        GATEWAY_TYPE,
        _gateway(enableBgp="yes"),
        True,
        ["'enableBgp' should be of type 'boolean' but got a string"],
        id="wrong-type-string-for-boolean[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(sku=[{"name": "VpnGw1"}]),
        True,
        ["'sku' should be of type 'object' but got an array"],
        id="wrong-type-array-for-object[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(ipConfigurations="default"),
        True,
        ["'ipConfigurations' should be of type 'array' but got a string"],
        id="wrong-type-string-for-array[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        edit(GATEWAY_TYPE, {"ipConfigurations.0.subnet.id": 7}),
        True,
        ["'ipConfigurations[0].subnet.id' should be of type 'string' but got a number"],
        id="nested-path-in-reason[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(bgpSettings={"asn": 65515.5}),
        True,
        ["'bgpSettings.asn' must be an integer but got 65515.500000"],
        id="not-an-integer[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(bgpSettings={"asn": 4294967296}),
        True,
        ["'bgpSettings.asn' is too high (4294967296.000000 > 4294967295.000000)"],
        id="above-maximum[provider.go validateProperty]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(bgpSettings={"asn": -1}),
        True,
        ["'bgpSettings.asn' is too low (-1.000000 < 0.000000)"],
        id="below-minimum[provider.go validateProperty]",
    ),
    pytest.param(
        CONNECTION_TYPE,
        _connection(routingWeight=10.0),
        True,
        [],
        id="integral-float-is-an-integer[provider.go math.Modf]",
    ),
    # gen/properties.go: an enum's metadata is {Type: "string", Default, ForceNew}; its values are not checked.
    pytest.param(
        GATEWAY_TYPE,
        _gateway(gatewayType="NotAGatewayType", vpnType="Sideways"),
        True,
        [],
        id="out-of-enum-value-passes[properties.go isEnum]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        _gateway(gatewayType=3),
        True,
        ["'gatewayType' should be of type 'string' but got a number"],
        id="enum-still-typed-string[properties.go isEnum]",
    ),
    # provider.go validateProperty: unknown values skipped, at any level.
    pytest.param(
        GATEWAY_TYPE,
        _gateway(sku=UNKNOWN, enableBgp=UNKNOWN, bgpSettings={"asn": UNKNOWN}),
        True,
        [],
        id="unknown-values-skipped[provider.go resource.Computed]",
    ),
    pytest.param(
        GATEWAY_TYPE,
        edit(GATEWAY_TYPE, {"ipConfigurations.0": UNKNOWN}),
        True,
        [],
        id="unknown-array-item-skipped[provider.go]",
    ),
    pytest.param(
        CONNECTION_TYPE,
        _connection(connectionType=UNKNOWN, virtualNetworkGateway1=UNKNOWN),
        True,
        [],
        id="unknown-required-is-present[provider.go validateType]",
    ),
    # Properties the type does not have are not failures (validateType iterates the type's properties).
    pytest.param(
        GATEWAY_TYPE,
        _gateway(azureApiVersion="2024-05-01", notAProperty=1, **{CREATE_BEFORE_DELETE: True}),
        True,
        [],
        id="extra-properties-pass[provider.go validateType]",
    ),
    pytest.param(GATEWAY_TYPE, _gateway(enableBgp="yes"), False, [], id="no-spec-no-validation"),
]


@pytest.mark.parametrize(("type_token", "inputs", "with_spec", "reasons"), FAILURE_CASES)
def test_check_failures(
    type_token: str, inputs: dict[str, Any], with_spec: bool, reasons: list[str], spec_dir: Path
) -> None:
    parents, name_parameter = PATH_PARAMETERS[type_token][:-1], PATH_PARAMETERS[type_token][-1]
    result = check(
        type_token,
        {},
        inputs,
        SEED,
        name_parameter=name_parameter,
        parent_parameters=parents,
        logical_name="x",
        spec_dir=spec_dir if with_spec else None,
    )
    assert [f.reason for f in result.failures] == reasons, f"failures of {inputs}: {result.failures}"


# A spec folder of one file, for what the 2024-05-01 network files never constrain: string lengths, patterns, a
# pattern Python cannot compile, create-only properties, a required location.
SYNTHETIC_SPEC = {
    "swagger": "2.0",
    "paths": {
        "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworkGateways/{virtualNetworkGatewayName}": {
            "put": {
                "operationId": "VirtualNetworkGateways_CreateOrUpdate",
                "parameters": [
                    {"name": "resourceGroupName", "in": "path", "required": True, "type": "string"},
                    {
                        "name": "virtualNetworkGatewayName",
                        "in": "path",
                        "required": True,
                        "type": "string",
                        "maxLength": 12,
                        "pattern": "^[a-z0-9-]+$",
                    },
                    {"name": "parameters", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Gateway"}},
                    {"name": "api-version", "in": "query", "required": True, "type": "string"},
                    {"name": "subscriptionId", "in": "path", "required": True, "type": "string"},
                ],
            }
        }
    },
    "definitions": {
        "Gateway": {
            "properties": {
                "location": {"type": "string"},
                "etag": {"type": "string"},
                "properties": {"x-ms-client-flatten": True, "$ref": "#/definitions/Props"},
            },
            "required": ["location"],
        },
        "Props": {
            "properties": {
                "label": {"type": "string", "minLength": 3, "maxLength": 5, "pattern": "^[a-z]+$"},
                "unicode": {"type": "string", "pattern": "^\\p{L}+$"},
                "mode": {"type": "string", "enum": ["A", "B"], "default": "A"},
                "level": {"type": "integer", "minimum": 1, "maximum": 3, "default": "2"},
                "createOnly": {"type": "string", "x-ms-mutability": ["read", "create"]},
                "nested": {"$ref": "#/definitions/Nested"},
                "computed": {"type": "string", "readOnly": True},
            }
        },
        "Nested": {"properties": {"inner": {"type": "string", "x-ms-mutability": ["read", "create"]}}},
    },
}


@pytest.fixture
def synthetic_spec(tmp_path: Path) -> Path:
    (tmp_path / "virtualNetworkGateway.json").write_text(json.dumps(SYNTHETIC_SPEC))
    return tmp_path


SYNTHETIC_BASE = {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw-1", "location": "eastus"}


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        pytest.param(
            {"label": "ab"},
            ["'label' is too short (2): at least 3 characters required"],
            id="too-short[provider.go validateProperty]",
        ),
        pytest.param(
            {"label": "abcdef"},
            ["'label' is too long (6): at most 5 characters allowed"],
            id="too-long[provider.go validateProperty]",
        ),
        pytest.param(
            {"label": "ab1"},
            ["'label' does not match expression '^[a-z]+$'"],
            id="pattern[provider.go validateProperty]",
        ),
        pytest.param(
            {"label": "ééé"},
            ["'label' is too long (6): at most 5 characters allowed", "'label' does not match expression '^[a-z]+$'"],
            id="length-in-bytes[provider.go int64(len(value))]",
        ),
        pytest.param({"unicode": "123"}, [], id="uncompilable-pattern-skipped[provider.go TODO ECMA-262]"),
        pytest.param({"mode": "C"}, [], id="enum-not-validated[properties.go isEnum]"),
        pytest.param(
            {"level": 4}, ["'level' is too high (4.000000 > 3.000000)"], id="maximum[provider.go validateProperty]"
        ),
        pytest.param(
            {"virtualNetworkGatewayName": "Gateway_With_Long_Name"},
            [
                "'virtualNetworkGatewayName' is too long (22): at most 12 characters allowed",
                "'virtualNetworkGatewayName' does not match expression '^[a-z0-9-]+$'",
            ],
            id="path-parameter-constraints[provider.go Check validateProperty(param.Value)]",
        ),
        pytest.param(
            {"location": _DELETE},
            [f"missing required property 'location'{LOCATION_HINT}"],
            id="location-hint[provider.go validateType]",
        ),
        pytest.param({"label": UNKNOWN, "level": UNKNOWN}, [], id="unknowns-skipped[provider.go]"),
    ],
)
def test_check_string_constraints(changes: dict[str, Any], reasons: list[str], synthetic_spec: Path) -> None:
    inputs = edit(GATEWAY_TYPE, changes, SYNTHETIC_BASE)
    failures = validate(GATEWAY_TYPE, inputs, spec_dir=synthetic_spec)
    assert [f.reason for f in failures] == reasons, f"failures of {inputs}: {failures}"
    assert all(isinstance(f, Failure) and f.reason.startswith(("'", "missing")) for f in failures), failures


def test_synthetic_spec_create_only_and_defaults(synthetic_spec: Path) -> None:
    """gen/properties.go forceNew: a resource-level create-only property replaces, one inside a referenced type
    does not (ForceNewSetOnReferencedType); genProperty: enum defaults kept, string defaults of integers parsed;
    etag and read-only properties are not inputs."""
    assert spec_create_only(synthetic_spec, GATEWAY_TYPE) == {"createOnly"}, "only the resource-level one"
    assert spec_defaults(synthetic_spec, GATEWAY_TYPE) == {"mode": "A", "level": 2}, "defaults"
    body = spec_model(synthetic_spec).body_type(GATEWAY_TYPE)
    assert body is not None and "etag" not in body.properties and "computed" not in body.properties, "not inputs"
    old = edit(GATEWAY_TYPE, {"createOnly": "a", "nested": {"inner": "a"}}, SYNTHETIC_BASE)
    new = edit(GATEWAY_TYPE, {"createOnly": "b", "nested": {"inner": "b"}, "mode": "A"}, SYNTHETIC_BASE)
    result = diff(GATEWAY_TYPE, old, new, path_parameters=PATH_PARAMETERS[GATEWAY_TYPE], spec_dir=synthetic_spec)
    assert result.detailed_diff == {"createOnly": UPDATE_REPLACE, "nested.inner": UPDATE, "mode": ADD}, result
    assert result.replaces == ["createOnly"] and result.diffs == ["createOnly", "nested"], result


# =============================================================================================== import

GATEWAY_ANSWER = {
    "id": GW_ID,
    "name": "gw-hub",
    "type": "Microsoft.Network/virtualNetworkGateways",
    "etag": 'W/"0001"',
    "location": "eastus",
    "tags": {},
    "provisioningState": "Succeeded",
    "resourceGuid": "00000000-0000-4000-8000-000000000000",
    "gatewayType": "Vpn",
    "vpnType": "RouteBased",
    "enableBgp": False,
    "sku": {"name": "VpnGw1", "tier": "VpnGw1", "capacity": 2},
    "ipConfigurations": [
        {
            "id": f"{GW_ID}/ipConfigurations/default",
            "name": "default",
            "etag": 'W/"0001"',
            "provisioningState": "Succeeded",
            "privateIPAllocationMethod": "Dynamic",
            "privateIPAddress": "10.0.255.4",
            "subnet": {"id": SUBNET_ID},
            "publicIPAddress": {"id": IP_ID},
        }
    ],
    "bgpSettings": {
        "asn": 65515,
        "peerWeight": 0,
        "bgpPeeringAddresses": [
            {"ipconfigurationId": "x", "defaultBgpIpAddresses": ["10.0.255.30"], "customBgpIpAddresses": []}
        ],
    },
    "natRules": [],
    "customRoutes": {"addressPrefixes": []},
    "inboundDnsForwardingEndpoint": "10.0.255.5",
    "azureApiVersion": "2024-05-01",
}
NETWORK_READ_ONLY = {"id", "name", "type", "etag", "provisioningState", "resourceGuid", "azureApiVersion"}


def test_import_inputs_from_the_spec(spec_dir: Path) -> None:
    """provider.go Read without old inputs -> convert/responseToSdkInputs.go: path parameters from the ID (no
    subscriptionId), the body as the PUT's input types take it (read-only dropped at every level), no top-level
    `id`, empty collections removed."""
    inputs = import_inputs(
        GATEWAY_TYPE,
        GATEWAY_ANSWER,
        GW_ID,
        path_values=lambda _type, _id: {
            "subscriptionId": "s",
            "resourceGroupName": "rg-hub",
            "virtualNetworkGatewayName": "gw-hub",
        },
        read_only=NETWORK_READ_ONLY,
        spec_dir=spec_dir,
    )
    assert inputs == {
        "resourceGroupName": "rg-hub",
        "virtualNetworkGatewayName": "gw-hub",
        "location": "eastus",
        "gatewayType": "Vpn",
        "vpnType": "RouteBased",
        "enableBgp": False,
        "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
        "ipConfigurations": [
            {
                "id": f"{GW_ID}/ipConfigurations/default",
                "name": "default",
                "privateIPAllocationMethod": "Dynamic",
                "subnet": {"id": SUBNET_ID},
                "publicIPAddress": {"id": IP_ID},
            }
        ],
        "bgpSettings": {"asn": 65515, "peerWeight": 0, "bgpPeeringAddresses": [{"ipconfigurationId": "x"}]},
    }, f"imported inputs: {inputs}"


def test_import_inputs_without_a_spec() -> None:
    """Monitor and Log Analytics have no spec here: the top-level read-only names and Azure's nested bookkeeping
    go, empty collections go (responseToSdkInputs.go removeEmptyCollections)."""
    answer = {
        "id": f"{RG_ID}/providers/Microsoft.OperationalInsights/workspaces/law",
        "name": "law",
        "location": "eastus",
        "customerId": "c",
        "provisioningState": "Succeeded",
        "sku": {"name": "PerGB2018", "provisioningState": "Succeeded"},
        "retentionInDays": 30,
        "features": {"legacy": [], "nested": {}},
        "tags": {},
        "workspaceCapping": {"dailyQuotaGb": -1},
    }
    inputs = import_inputs(
        WORKSPACE_TYPE,
        answer,
        str(answer["id"]),
        path_values={"resourceGroupName": "rg-hub", "workspaceName": "law"},
        read_only={"id", "name", "customerId", "provisioningState"},
    )
    assert inputs == {
        "resourceGroupName": "rg-hub",
        "workspaceName": "law",
        "location": "eastus",
        "sku": {"name": "PerGB2018"},
        "retentionInDays": 30,
        "workspaceCapping": {"dailyQuotaGb": -1},
    }, f"imported inputs: {inputs}"


def test_import_refuses_an_id_of_another_type() -> None:
    with pytest.raises(ValueError, match="is not the ID of"):
        import_inputs(GATEWAY_TYPE, {}, "/bad", path_values=lambda _type, _id: None, read_only=set())
