"""A stack's exported state (`pulumi stack export`), as `plan --against` reads it: through the one reader
(`vnet2vnet.documents`), then checked in shape and checked to be this stack's, before the forecast trusts it.

An export of another stack or project would forecast deleting everything; an empty object would say "nothing
changes": both are refused, naming the file and the key. A real export of this stack with no resources yet
(`{"version": 3, "deployment": {"manifest": ...}}`) is valid: a first `up` creates everything.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vnet2vnet.documents import STATE_EXPORT, ConfigFileError, Shape, kind_of, read_json

# `pulumi stack export` writes {"version": 3, "deployment": {...}}; deployments have a manifest
# (pkg/apitype/core.go: UntypedDeployment, DeploymentV3).
EXPORT_VERSIONS = (1, 2, 3)
_FIX = "pass the output of `pulumi stack export --stack <stack>` for this stack"


def read_state_export(path: Path, stack: str, project: str) -> dict[str, Any]:
    """The export in `path`, as {"version", "deployment"}; ConfigFileError (one per problem) otherwise."""
    document = read_json(path, STATE_EXPORT)
    shape = Shape(path, STATE_EXPORT)
    if not isinstance(document, dict):
        raise shape.error((), f"a stack export is a JSON object, not {kind_of(document)}", _FIX)
    top = document
    if "deployment" in top:
        version = top.get("version")
        if version not in EXPORT_VERSIONS or isinstance(version, bool):
            raise shape.error(("version",), f"is {version!r}, not a stack export version (3)", _FIX)
        deployment = shape.mapping(top["deployment"], ("deployment",), "the deployment")
        where: tuple[str, ...] = ("deployment",)
    elif "manifest" in top or "resources" in top:  # the deployment alone
        deployment, where = top, ()
    else:
        raise shape.error(
            (),
            "is not a stack export: it has no `deployment` (nor, for a deployment alone, `manifest` or `resources`); "
            "a forecast against it would say nothing changes",
            _FIX,
        )
    for index, resource in enumerate(
        shape.sequence(deployment.get("resources") or [], (*where, "resources"), "the resources")
    ):
        _check_resource(shape, resource, (*where, "resources", index), stack, project)
    shape.sequence(deployment.get("pending_operations") or [], (*where, "pending_operations"), "the pending operations")
    # The CLI always writes the manifest (DeploymentV1..V3's `manifest` has no omitempty): an object without one,
    # such as {"resources": []}, is not an export, and a forecast against it would say nothing exists.
    if "manifest" not in deployment:
        raise shape.error((*where, "manifest"), "is missing: every `pulumi stack export` has a manifest", _FIX)
    shape.mapping(deployment["manifest"], (*where, "manifest"), "the deployment's manifest")
    return {"version": top.get("version", 3), "deployment": deployment}


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_created(text: str) -> datetime:
    """A state timestamp (`created`, `modified`): RFC 3339 as Go writes it, nanoseconds and `Z` included, in UTC
    when it has no offset. ValueError when it is not one."""
    parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _check_resource(shape: Shape, resource: Any, where: tuple[Any, ...], stack: str, project: str) -> None:
    entry = shape.mapping(resource, where, "a resource")
    urn = shape.string(entry.get("urn"), (*where, "urn"), "the resource's URN")
    parts = urn.split("::")
    if not urn.startswith("urn:pulumi:") or len(parts) < 4:
        raise shape.error((*where, "urn"), f"{urn[:80]!r} is not a Pulumi URN", _FIX)
    urn_stack, urn_project = parts[0][len("urn:pulumi:") :], parts[1]
    if (urn_stack, urn_project) != (stack, project):
        raise ConfigFileError(
            f"{shape.name}: is an export of stack '{urn_stack}' of project '{urn_project}', not of stack '{stack}' "
            f"of project '{project}' ({'.'.join(map(str, where))}.urn); a forecast against it would delete "
            f"everything; fix: {_FIX}",
            file=shape.name,
        )
    shape.string(entry.get("type"), (*where, "type"), "the resource's type token")
    for key in ("inputs", "outputs"):
        shape.optional(entry.get(key), (*where, key), shape.mapping, f"the resource's {key}")
    for key in ("custom", "protect"):
        if key in entry and not isinstance(entry[key], bool):
            raise shape.error((*where, key), f"must be true or false, not {entry[key]!r}", _FIX)
    created = entry.get("created")
    if created is not None:
        text = shape.string(created, (*where, "created"), "a date and time (RFC 3339)")
        try:
            parse_created(text)
        except ValueError:
            raise shape.error((*where, "created"), f"{text[:40]!r} is not a date and time (RFC 3339)", _FIX) from None
