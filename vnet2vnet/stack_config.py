"""Reads the project's stack config from the Pulumi runtime, and gives the checked spec its providers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pulumi.runtime import config as runtime_config

from vnet2vnet.findings import CONFIG_NAMESPACE
from vnet2vnet.spec import TopologySpec


def read_raw_stack_config(namespace: str = CONFIG_NAMESPACE) -> dict[str, str]:
    """Every `<namespace>:<key>` the engine passed, so that unknown keys can be reported too.

    `pulumi.Config` only answers for keys asked by name; the runtime's config map (what `pulumi up` passes in
    PULUMI_CONFIG, or what a test sets with set_all_config) lists them all.
    """
    merged: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def with_providers(topology: TopologySpec, providers: Mapping[str, Any]) -> TopologySpec:
    """The checked stack spec with each VNet's explicit provider (made from its subscription and tenant)."""
    return dataclasses.replace(
        topology,
        vnets=tuple(
            dataclasses.replace(vnet, provider=providers[vnet.name]) if vnet.name in providers else vnet
            for vnet in topology.vnets
        ),
    )
