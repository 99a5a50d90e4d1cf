"""What the user names and types: subscription and tenant IDs, resource group and subnet names, tags. Pure: spec in,
findings out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, MapKey, camel_case, error
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import managed_tags


def check_identifiers(network: ResolvedNetwork) -> Iterator[Finding]:
    """Subscription and tenant IDs are GUIDs; resource group and subnet names follow Azure's naming rules
    (resource-name-rules). Caught here, they are the user's mistake, never a defect reported by the spec check."""
    topology = network.spec
    guid = re.compile(facts.GUID_PATTERN)
    for i, vnet in enumerate(topology.vnets):
        for key in ("subscription_id", "tenant_id"):
            value = getattr(vnet, key)
            if isinstance(value, str) and not guid.match(value):
                yield error(
                    ("vnets", i, key),
                    f"'{value}' is not a GUID; {camel_case(key)} looks like 00000000-0000-0000-0000-000000000000",
                    f"copy it from `az account show --query {'id' if key == 'subscription_id' else 'tenantId'}`",
                )
        group = vnet.resource_group_name
        if isinstance(group, str):
            yield from _check_resource_group_name(group, ("vnets", i, "resource_group_name"))
        subnet_name = re.compile(facts.SUBNET_NAME_PATTERN)
        for k, subnet in enumerate(vnet.subnets):
            if not subnet_name.match(subnet.name):
                yield error(
                    ("vnets", i, "subnets", k, "name"),
                    f"'{subnet.name}' is not a valid subnet name",
                    "use 1-80 letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a "
                    "letter, digit or '_'",
                )


def _check_resource_group_name(name: str, path: KeyPath) -> Iterator[Finding]:
    rule = f"use 1-{facts.RESOURCE_GROUP_NAME_MAX} letters, digits, '_', '(', ')', '-' and '.', not ending with '.'"
    if not 1 <= len(name) <= facts.RESOURCE_GROUP_NAME_MAX:
        yield error(path, f"the resource group name has {len(name)} characters", rule)
    elif name.endswith(".") or not all(c.isalnum() or c in "_()-." for c in name):
        bad = sorted({c for c in name if not (c.isalnum() or c in "_()-.")})
        shown = ", ".join(repr(c) for c in bad) if bad else "a final '.'"
        yield error(path, f"'{name}' is not a valid resource group name (it has {shown})", rule)


def check_tags(network: ResolvedNetwork, component_name: str | None = None) -> Iterator[Finding]:
    """Tag names and values within Azure's limits, and no more than 50 tags on a resource, counting the tags the
    component adds (tag-resources)."""
    topology = network.spec
    tags = topology.tags
    if not isinstance(tags, dict):
        return  # an Output: checked once it resolves
    merged = managed_tags(component_name or "project", "stack", tags)
    if len(merged) > facts.TAG_LIMIT_PER_RESOURCE:
        added = len(merged) - len(tags)
        yield error(
            ("tags",),
            f"{len(tags)} tags plus the {added} the program adds make {len(merged)}; Azure allows "
            f"{facts.TAG_LIMIT_PER_RESOURCE} per resource",
            f"remove {len(merged) - facts.TAG_LIMIT_PER_RESOURCE} or more tags",
        )
    seen: dict[str, str] = {}
    for name, value in tags.items():
        path: KeyPath = ("tags", MapKey(name))
        bad = sorted({c for c in name if c in facts.TAG_NAME_FORBIDDEN_CHARACTERS})
        if not name or len(name) > facts.TAG_NAME_MAX:
            yield error(path, f"a tag name has 1..{facts.TAG_NAME_MAX} characters, got {len(name)}", "shorten it")
        if bad:
            yield error(
                path,
                f"tag name '{name}' contains {', '.join(repr(c) for c in bad)}, which Azure refuses in tag names",
                "remove those characters",
            )
        if name.lower() in seen:
            yield error(
                path,
                f"tag names are case-insensitive in Azure: '{name}' and '{seen[name.lower()]}' are the same tag",
                "keep one of them",
            )
        seen.setdefault(name.lower(), name)
        if isinstance(value, str) and len(value) > facts.TAG_VALUE_MAX:
            yield error(
                path, f"a tag value has at most {facts.TAG_VALUE_MAX} characters, got {len(value)}", "shorten it"
            )
