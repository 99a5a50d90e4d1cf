"""Every request body the program would send, checked against Azure's own REST API specification.

For each recorded Microsoft.Network resource: find its PUT operation in the spec, drop the inputs that are that
operation's path parameters, rebuild the ARM body from azure-native's flattened inputs using the spec's own
`x-ms-client-flatten` markers, validate it (types, enums, required, read-only, ranges, patterns, unknown
properties) and check the shape of every resource ID it references. The checker knows nothing per resource
beyond SPEC_TARGETS; OpenAPI specifics live in `openapi.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from vnet2vnet import sdk_types
from vnet2vnet.azure_facts import MONITORING_TYPES, NETWORK_API_VERSION
from vnet2vnet.findings import RenderedFinding
from vnet2vnet.openapi import BASE, SpecFolder, arm_id_pattern
from vnet2vnet.plan_model import RecordedResource, unwrap
from vnet2vnet.tokens import CONNECTION_TYPE, GATEWAY_TYPE, PUBLIC_IP_TYPE, SUBNET_TYPE, VNET_TYPE

SPEC_SUBDIR = Path(
    f"azure-rest-api-specs/specification/network/resource-manager/Microsoft.Network/stable/{NETWORK_API_VERSION}"
)
SPEC_DIR_VARIABLE = "VNET2VNET_SPEC_DIR"


@dataclass(frozen=True)
class SpecTarget:
    file: str
    operation_id: str


# Pulumi type token -> the spec file and the PUT operation that creates the resource.
SPEC_TARGETS: dict[str, SpecTarget] = {
    VNET_TYPE: SpecTarget("virtualNetwork.json", "VirtualNetworks_CreateOrUpdate"),
    SUBNET_TYPE: SpecTarget("virtualNetwork.json", "Subnets_CreateOrUpdate"),
    PUBLIC_IP_TYPE: SpecTarget("publicIpAddress.json", "PublicIPAddresses_CreateOrUpdate"),
    GATEWAY_TYPE: SpecTarget("virtualNetworkGateway.json", "VirtualNetworkGateways_CreateOrUpdate"),
    CONNECTION_TYPE: SpecTarget("virtualNetworkGateway.json", "VirtualNetworkGatewayConnections_CreateOrUpdate"),
}


@dataclass(frozen=True)
class Deviation:
    """A place where the spec is stricter than the service, with the public evidence for it."""

    path: re.Pattern[str]
    message: re.Pattern[str]
    evidence: str


ALLOWED_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        re.compile(r"^\$\.properties\.virtualNetworkGateway[12]$"),
        re.compile(r"^'properties' is a required property$"),
        "A connection's gateway reference needs only its id; the spec marks the referenced gateway's properties "
        "required, but ARM deploys fine with the id alone (Azure/bicep-types-az #1708, #2429, #2274).",
    ),
)


@dataclass(frozen=True)
class Violation:
    resource: str
    path: str
    message: str


@dataclass
class SpecCheck:
    checked: int = 0
    violations: list[Violation] = field(default_factory=list)
    unchecked_refs: list[str] = field(default_factory=list)
    skipped: str | None = None
    # Monitor and Log Analytics bodies, checked against azure-native's SDK input types (no REST spec for them here)
    sdk_checked: int = 0
    sdk_violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        network = (
            f"Azure REST API {NETWORK_API_VERSION} spec: not checked ({self.skipped})"
            if self.skipped
            else f"Azure REST API {NETWORK_API_VERSION} spec: {self.checked} request bodies checked, "
            f"{len(self.violations)} violations"
        )
        if not self.sdk_checked:
            return network
        return (
            f"{network}\nazure-native SDK input types: {self.sdk_checked} Monitor/Log Analytics request bodies "
            f"checked, {len(self.sdk_violations)} violations"
        )

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "checked": self.checked,
            "violations": [
                {"resource": v.resource, "path": v.path, "message": v.message}
                for v in (*self.violations, *self.sdk_violations)
            ],
            "unchecked_refs": self.unchecked_refs,
            "sdk_checked": self.sdk_checked,
        }
        if self.skipped:
            document["skipped"] = self.skipped
        return document


def find_spec_dir(project_dir: Path) -> Path | None:
    """$VNET2VNET_SPEC_DIR, else ../shared/<spec path> beside the project (where CI puts it)."""
    override = os.environ.get(SPEC_DIR_VARIABLE)
    candidates = [Path(override)] if override else [project_dir.parent / "shared" / SPEC_SUBDIR]
    return next((path for path in candidates if path.is_dir()), None)


def _json_path(parts: Sequence[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _read_only(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    if value is True:
        yield jsonschema.ValidationError("read-only property sent: Azure computes it and must not receive it")


class SpecChecker:
    def __init__(self, spec_dir: Path) -> None:
        self.folder = SpecFolder(spec_dir)

        # Every file of the folder is registered; its definitions become JSON Schemas on first use.
        self.registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(self.folder.json_schema_document(uri), default_specification=DRAFT202012))
            for uri in (BASE + name for name in self.folder.files())
        )
        validator_class = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
            jsonschema.Draft202012Validator, {"readOnly": _read_only}
        )
        self._validator_class = validator_class

    # ----------------------------------------------------------------------------------- body rebuild

    def arm_body(self, type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The ARM request body for a resource, rebuilt from azure-native's flattened inputs."""
        target = SPEC_TARGETS[type_token]
        operation = self.folder.operation(target.file, target.operation_id)
        remaining = {k: v for k, v in unwrap(inputs).items() if k not in operation.path_parameters}
        body = self._unflatten(remaining, {"$ref": operation.body_ref}, "")
        return body if isinstance(body, dict) else {}

    def _unflatten(self, value: Any, node: Any, base: str) -> Any:
        schema, schema_base = self.folder.merged(node, base)
        if isinstance(value, list):
            items = schema.get("items")
            return [self._unflatten(v, items, schema_base) for v in value] if items else value
        properties = schema.get("x-merged-properties", {})
        if not isinstance(value, dict) or not properties:
            return value
        remaining = dict(value)
        body = self._claim(remaining, properties)
        body.update(remaining)  # what no property claims stays, and validation reports it as unknown
        return body

    def _claim(self, remaining: dict[str, Any], properties: dict[str, tuple[Any, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, (prop, prop_base) in properties.items():
            if prop.get("x-ms-client-flatten"):
                inner, _ = self.folder.merged(prop, prop_base)
                nested = self._claim(remaining, inner.get("x-merged-properties", {}))
                if nested:
                    body[name] = nested
            elif name in remaining:
                body[name] = self._unflatten(remaining.pop(name), prop, prop_base)
        return body

    # ----------------------------------------------------------------------------------- validation

    def violations(self, type_token: str, body: dict[str, Any]) -> list[tuple[str, str]]:
        target = SPEC_TARGETS[type_token]
        operation = self.folder.operation(target.file, target.operation_id)
        validator = self._validator_class({"$ref": operation.body_ref}, registry=self.registry)
        found = [(_json_path(list(error.absolute_path)), error.message) for error in validator.iter_errors(body)]
        found += self._reference_shapes(body, {"$ref": operation.body_ref}, "", [])
        return [
            (path, message)
            for path, message in sorted(set(found))
            if not any(d.path.match(path) and d.message.match(message) for d in ALLOWED_DEVIATIONS)
        ]

    def _reference_shapes(
        self, value: Any, node: Any, base: str, path: list[Any], name: str = ""
    ) -> list[tuple[str, str]]:
        """Every `{id: ...}` we pass must have the ARM shape of the resource type it points to."""
        found: list[tuple[str, str]] = []
        if isinstance(value, list):
            schema, schema_base = self.folder.merged(node, base)
            for index, item in enumerate(value):
                found += self._reference_shapes(item, schema.get("items"), schema_base, [*path, index], name)
            return found
        if not isinstance(value, dict):
            return found
        target = self._referenced_path(node, base, name)
        if target and isinstance(value.get("id"), str) and path and not arm_id_pattern(target).match(value["id"]):
            found.append((_json_path([*path, "id"]), f"'{value['id']}' is not the ID of a resource at {target}"))
        schema, schema_base = self.folder.merged(node, base)
        for key, (prop, prop_base) in schema.get("x-merged-properties", {}).items():
            if key in value:
                found += self._reference_shapes(value[key], prop, prop_base, [*path, key], key)
        return found

    def _referenced_path(self, node: Any, base: str, property_name: str) -> str | None:
        if not (isinstance(node, dict) and "$ref" in node):
            return None
        uri = urljoin(base, node["$ref"])
        if uri in self.folder.resource_paths:
            return self.folder.resource_paths[uri]
        if uri.endswith("/SubResource") and property_name:
            return self.folder.resource_path_by_name(property_name)
        return None

    # ---------------------------------------------------------------------------------------- plan

    def check(self, resources: Sequence[RecordedResource]) -> SpecCheck:
        result = SpecCheck()
        for resource in resources:
            if resource.type not in SPEC_TARGETS:
                continue
            result.checked += 1
            body = self.arm_body(resource.type, resource.inputs)
            for path, message in self.violations(resource.type, body):
                result.violations.append(Violation(resource.urn, path, message))
        result.unchecked_refs = sorted(self.folder.unchecked_refs)
        return result


def defect_findings(result: SpecCheck) -> list[RenderedFinding]:
    """Spec violations as findings: defects of this program, never of the user's config."""
    return [
        RenderedFinding(
            "error",
            f"{violation.resource.rsplit('::', 1)[-1]}{violation.path.removeprefix('$')}",
            f"defect of the program, not of your config: the request body breaks Azure's API spec at "
            f"{violation.path}: {violation.message}",
            "report it to the vnet2vnet maintainers with `plan --json`; do not deploy this version",
        )
        for violation in (*result.violations, *result.sdk_violations)
    ]


@cache
def checker_for(spec_dir: Path) -> SpecChecker:
    return SpecChecker(spec_dir)


def check_plan(resources: Sequence[RecordedResource], project_dir: Path) -> SpecCheck:
    spec_dir = find_spec_dir(project_dir)
    if spec_dir is None:
        result = SpecCheck(skipped=f"spec folder not found; set {SPEC_DIR_VARIABLE} or put shared/ beside the project")
    else:
        result = checker_for(spec_dir).check(resources)
    for resource in resources:
        if resource.type in MONITORING_TYPES:
            result.sdk_checked += 1
            for path, message in sdk_types.violations(resource.type, unwrap(resource.inputs)):
                result.sdk_violations.append(Violation(resource.urn, path, message))
    return result
