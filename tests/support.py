"""Helpers shared by the tests: run stacks and component programs on the offline engine, and query plans."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from vnet2vnet.engine import run_program, run_stack
from vnet2vnet.findings import camel_case
from vnet2vnet.plan_model import Plan, RecordedResource, Secret, unwrap

PROJECT_DIR = Path(__file__).resolve().parent.parent

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
PASSWORD = "random:index/randomPassword:RandomPassword"
PROVIDER = "pulumi:providers:azure-native"


def gateway_then_connections_minutes(connections_in_a_row: int) -> float:
    """The typical critical path of a network: one side built to its gateway, then the connections one after
    another, in the durations table's minutes (so that a new estimate there changes no test)."""
    from vnet2vnet.report import typical_minutes

    side = sum(typical_minutes(token) for token in (RESOURCE_GROUP, VNET, SUBNET, GATEWAY))
    return side + connections_in_a_row * typical_minutes(CONNECTION)


# A valid pair in component-args form; tests copy it and change one thing.
PAIR_ARGS: dict[str, Any] = {
    "vnets": [
        {
            "name": "hq",
            "location": "northeurope",
            "address_spaces": ["172.16.0.0/20"],
            "gateway_subnet_prefix": "172.16.15.0/27",
        },
        {
            "name": "dr",
            "location": "swedencentral",
            "address_spaces": ["172.16.16.0/20"],
            "gateway_subnet_prefix": "172.16.31.224/27",
        },
    ],
    "gateway": {"sku": "VpnGw2AZ", "generation": "Generation2"},
    "connection": {"shared_key_length": 64},
}


# A strong custom IPsec/IKE policy (component-args keys).
STRONG_POLICY: dict[str, Any] = {
    "sa_life_time_seconds": 27000,
    "sa_data_size_kilobytes": 102400000,
    "ipsec_encryption": "GCMAES256",
    "ipsec_integrity": "GCMAES256",
    "ike_encryption": "GCMAES256",
    "ike_integrity": "SHA384",
    "dh_group": "DHGroup24",
    "pfs_group": "PFS24",
}
STRONG_POLICY_CONFIG: dict[str, Any] = {camel_case(key): value for key, value in STRONG_POLICY.items()}


def plain_vnets_from_dev() -> list[dict[str, Any]]:
    """The dev stack's two VNets in stack-config form (camelCase), fresh for each caller to change."""
    return [
        {
            "name": "east",
            "location": "eastus",
            "addressSpaces": ["10.10.0.0/16"],
            "gatewaySubnetPrefix": "10.10.255.0/27",
        },
        {
            "name": "west",
            "location": "westus2",
            "addressSpaces": ["10.20.0.0/16"],
            "gatewaySubnetPrefix": "10.20.255.0/27",
        },
    ]


def pair_args(**changes: Any) -> dict[str, Any]:
    args = copy.deepcopy(PAIR_ARGS)
    args.update(changes)
    return args


def plan_stack(stack: str, **overrides: Any) -> Plan:
    """Plan a stack of this project; `overrides` maps config keys (without namespace) to values."""
    return run_stack(
        PROJECT_DIR, stack, config_overrides={f"vnet2vnet:{key}": value for key, value in overrides.items()}
    )


def plan_components(build: Callable[[], object], config: Mapping[str, str] | None = None) -> Plan:
    """Run a program that builds components directly (the way users import them)."""
    return run_program(build, stack="test", config=config)


def only(plan: Plan, type_token: str, name_suffix: str = "") -> RecordedResource:
    matches = [r for r in plan.of_type(type_token) if r.name.endswith(name_suffix)]
    assert len(matches) == 1, f"expected one {type_token} named *{name_suffix}, got {[r.name for r in matches]}"
    return matches[0]


def connection_named(plan: Plan, key: str) -> RecordedResource:
    return only(plan, CONNECTION, f"-{key}")


def ancestors(plan: Plan, resource: RecordedResource) -> list[str]:
    by_urn = plan.by_urn()
    chain = []
    while resource.parent:
        chain.append(resource.parent)
        resource = by_urn[resource.parent]
    return chain


def is_secret(value: Any) -> bool:
    return isinstance(value, Secret)


def plain(value: Any) -> Any:
    return unwrap(value)


def run_python(
    *args: str, env: Mapping[str, str] | None = None, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`python <args>` in a child process from the project directory, with `env` over this environment and the
    variables in `drop` removed: for what must be seen from outside (exit codes, stderr, no traceback)."""
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# What a wheel is never built from: a stale build/ folder in the working tree would leak old modules into it.
NOT_SOURCE = (
    "venv", "build", "dist", "*.egg-info", ".git", "__pycache__", ".*_cache", ".hypothesis", "node_modules", "site",
)  # fmt: skip

# The three distributions, each on the ones before it: name -> its folder (pyproject.toml) in the repository.
DISTRIBUTIONS = {
    "vnet2vnet": Path("."),
    "vnet2vnet-tools": Path("distributions/vnet2vnet-tools"),
    "vnet2vnet-rehearse": Path("distributions/vnet2vnet-rehearse"),
}


def build_wheels(scratch: Path, names: tuple[str, ...] = tuple(DISTRIBUTIONS)) -> dict[str, Path]:
    """The distributions' wheels, built from a clean copy of the repository in `scratch` by the pinned hatchling
    (no build isolation: no download, the same backend as `make`)."""
    import shutil

    source, dist = scratch / "source", scratch / "dist"
    shutil.copytree(PROJECT_DIR, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    folders = [str(source / DISTRIBUTIONS[name]) for name in names]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), *folders],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return {name: next(dist.glob(f"{name.replace('-', '_')}-*.whl")) for name in names}


def build_wheel(scratch: Path) -> Path:
    """The component library's wheel (the vnet2vnet distribution), what a consumer's program installs."""
    return build_wheels(scratch, ("vnet2vnet",))["vnet2vnet"]
