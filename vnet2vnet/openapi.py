"""The OpenAPI 2.0 adapter: Azure's REST API spec files as JSON Schemas, and the spec's own knowledge of
operations, flattening and resource paths. Everything OpenAPI- or Azure-specific (x-ms-* extensions,
`readOnly`, `discriminator`, `allOf` composition, cross-file `$ref`s) stays in this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

# Documents are registered under this base (never fetched: `.invalid` is reserved); urljoin resolves http(s) only.
BASE = "https://azure-rest-api-specs.invalid/"


@dataclass(frozen=True)
class Operation:
    file: str
    path: str  # the URL template, e.g. /subscriptions/{subscriptionId}/.../virtualNetworks/{virtualNetworkName}
    path_parameters: tuple[str, ...]
    body_ref: str  # absolute URI of the body's definition


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for part in fragment.lstrip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@dataclass
class SpecFolder:
    """The spec files of one API-version folder, loaded on demand."""

    directory: Path
    unchecked_refs: set[str] = field(default_factory=set)
    _raw: dict[str, Any] = field(default_factory=dict)

    def raw(self, name: str) -> Any | None:
        if name not in self._raw:
            path = self.directory / name
            self._raw[name] = json.loads(path.read_text()) if path.is_file() else None
        return self._raw[name]

    def files(self) -> list[str]:
        return sorted(p.name for p in self.directory.glob("*.json"))

    # -------------------------------------------------------------------------------------- references

    def resolve(self, ref: str, base: str) -> tuple[Any, str] | None:
        """The node a `$ref` points to and the URI of its document; None for a file not in the folder."""
        target, fragment = urldefrag(urljoin(base, ref))
        name = target.removeprefix(BASE)
        document = self.raw(name) if "/" not in name else None
        if document is None:
            self.unchecked_refs.add(urljoin(base, ref).removeprefix(BASE))
            return None
        return _pointer(document, fragment), target

    def merged(self, node: Any, base: str) -> tuple[dict[str, Any], str]:
        """A schema node with its `$ref` followed and its `allOf` parents' properties and required merged in."""
        while isinstance(node, dict) and "$ref" in node:
            found = self.resolve(node["$ref"], base)
            if found is None:
                return {}, base
            node, base = found
        if not isinstance(node, dict):
            return {}, base
        merged: dict[str, Any] = {key: value for key, value in node.items() if key != "allOf"}
        properties: dict[str, tuple[Any, str]] = {}
        required: list[str] = []
        for parent in node.get("allOf", []):
            parent_schema, _ = self.merged(parent, base)
            properties.update(parent_schema.get("x-merged-properties", {}))
            required += parent_schema.get("required", [])
        properties.update({name: (schema, base) for name, schema in node.get("properties", {}).items()})
        merged["x-merged-properties"] = properties
        merged["required"] = required + list(node.get("required", []))
        if properties and merged.get("type") is None:
            merged["type"] = "object"
        return merged, base

    # --------------------------------------------------------------------------------------- operations

    def operation(self, file: str, operation_id: str) -> Operation:
        document = self.raw(file)
        if document is None:
            raise FileNotFoundError(self.directory / file)
        base = BASE + file
        for path, methods in document.get("paths", {}).items():
            put = methods.get("put")
            if not put or put.get("operationId") != operation_id:
                continue
            path_parameters: list[str] = []
            body_ref = ""
            for declared in put.get("parameters", []):
                found = self.resolve(declared["$ref"], base) if "$ref" in declared else (declared, base)
                parameter = found[0] if found else {}
                if parameter.get("in") == "path":
                    path_parameters.append(parameter["name"])
                if parameter.get("in") == "body":
                    body_ref = urljoin(base, parameter["schema"]["$ref"])
            return Operation(file, path, tuple(path_parameters), body_ref)
        raise KeyError(f"no PUT operation {operation_id} in {file}")

    @cached_property
    def resource_paths(self) -> dict[str, str]:
        """Definition URI -> the URL template of the PUT that creates it (the resource's ARM ID shape)."""
        found: dict[str, str] = {}
        for name in self.files():
            document = self.raw(name) or {}
            for path, methods in document.get("paths", {}).items():
                for parameter in (methods.get("put") or {}).get("parameters", []):
                    if parameter.get("in") == "body" and "$ref" in parameter.get("schema", {}):
                        uri = urljoin(BASE + name, parameter["schema"]["$ref"])
                        if path.count("{") >= 3:  # a resource under a resource group, not a child action
                            found.setdefault(uri, path)
        return found

    def resource_path_by_name(self, property_name: str) -> str | None:
        """The ARM ID shape of the resource a `SubResource` property names (`subnet` -> Subnet)."""
        for uri, path in self.resource_paths.items():
            if uri.rsplit("/", 1)[-1].lower() == property_name.lower():
                return path
        return None

    # ------------------------------------------------------------------------------------ JSON Schemas

    def json_schema_document(self, uri: str) -> dict[str, Any]:
        """One file as a JSON Schema document: allOf merged, unknown properties refused, x-ms-* dropped.
        Each definition is converted on first use: a plan touches a few dozen of the folder's definitions."""
        document = self.raw(uri.removeprefix(BASE)) or {}
        return {"$id": uri, "definitions": _LazyDefinitions(self, uri, document.get("definitions", {}))}

    def _to_json_schema(self, node: Any, base: str) -> Any:
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            if self.resolve(node["$ref"], base) is None:
                return {}  # a file not in the folder: unchecked, reported by the caller
            # JSON Schema 2020-12 honours keywords beside $ref, so a read-only reference stays read-only.
            return {"$ref": urljoin(base, node["$ref"]), **({"readOnly": True} if node.get("readOnly") else {})}
        merged, merged_base = self.merged(node, base)
        schema: dict[str, Any] = {}
        for key, value in merged.items():
            if key.startswith("x-") or key in ("discriminator", "description", "example", "title", "format"):
                continue
            if key == "items":
                schema["items"] = self._to_json_schema(value, merged_base)
            elif key == "additionalProperties" and isinstance(value, dict):
                schema["additionalProperties"] = self._to_json_schema(value, merged_base)
            elif key != "properties":
                schema[key] = value
        properties = merged.get("x-merged-properties", {})
        if properties:
            schema["properties"] = {
                name: self._to_json_schema(prop, prop_base) for name, (prop, prop_base) in properties.items()
            }
            schema.setdefault("additionalProperties", False)
        if not schema.get("required"):
            schema.pop("required", None)
        return schema


class _LazyDefinitions(Mapping[str, Any]):
    """A file's definitions as JSON Schemas, each converted when a `$ref` first reaches it."""

    def __init__(self, folder: SpecFolder, uri: str, raw: dict[str, Any]) -> None:
        self._folder, self._uri, self._raw = folder, uri, raw
        self._converted: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._converted:
            self._converted[name] = self._folder._to_json_schema(self._raw[name], self._uri)
        return self._converted[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def arm_id_pattern(path: str) -> re.Pattern[str]:
    """The regular expression of the resource IDs a URL template describes (case-insensitive, as ARM is)."""
    parts = [
        re.escape(part) if not part.startswith("{") else "[^/]+" for part in re.split(r"(\{[^}]+\})", path) if part
    ]
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)
