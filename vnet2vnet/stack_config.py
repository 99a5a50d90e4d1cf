"""Reads the project's stack config from the Pulumi runtime and turns the checked spec into component args."""

from __future__ import annotations

import dataclasses
from typing import Any

from pulumi.runtime import config as runtime_config

from vnet2vnet.findings import CONFIG_NAMESPACE
from vnet2vnet.spec import TopologySpec

# Keys the stack config has and the component args do not: __main__.py turns them into providers.
CONFIG_ONLY_VNET_KEYS = ("subscription_id", "tenant_id")


def read_raw_stack_config(namespace: str = CONFIG_NAMESPACE) -> dict[str, str]:
    """Every `<namespace>:<key>` the engine passed, so that unknown keys can be reported too.

    `pulumi.Config` only answers for keys asked by name; the runtime's config map (what `pulumi up` passes in
    PULUMI_CONFIG, or what a test sets with set_all_config) lists them all.
    """
    merged: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def component_args(topology: TopologySpec, providers: dict[str, Any]) -> dict[str, Any]:
    """The component args for a checked stack spec: snake_case keys, per-VNet providers, unset keys left out."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: plain(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None and f.name not in CONFIG_ONLY_VNET_KEYS
            }
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        return value

    args: dict[str, Any] = plain(topology)
    if topology.topology == "pair":
        args.pop("topology", None)  # VnetToVnetPairArgs is always a pair
        args.pop("hub", None)
    for vnet in args["vnets"]:
        if vnet["name"] in providers:
            vnet["provider"] = providers[vnet["name"]]
    return args
