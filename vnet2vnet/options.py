"""How an option is declared: once, as a field of its spec dataclass in `vnet2vnet/spec.py`.

The field gives the option its snake_case name (component args; the stack config key is its camelCase), its type
(the annotation), its default (the dataclass default) and whether it is required (no default); `option(...)` in
its metadata gives the rest: the description, whether it may be a Pulumi Output, which entry point has it. The
parser (`schema.py`), the component args TypedDicts, the config reference table and the `Pulumi.yaml` descriptions
(`option_docs.py`) all derive from that one declaration.

    sku: str = field(default="VpnGw1AZ", metadata=option("Gateway SKU: ..."))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from vnet2vnet.findings import PathStyle

METADATA_KEY = "vnet2vnet.option"
INTERNAL_KEY = "vnet2vnet.internal"


class Kind(Enum):
    STR = "a string"
    INT = "an integer"
    BOOL = "a boolean (true or false)"
    STR_LIST = "a list of strings"
    STR_MAP = "a map of strings"
    OBJECT = "an object"
    OBJECT_LIST = "a list of objects"
    RESOURCE = "a Pulumi resource"


@dataclass(frozen=True)
class Option:
    doc: str
    only: PathStyle | None
    deferrable: bool
    secret: bool
    default_doc: str
    type_doc: str
    kind: Kind | None
    summarized: bool


def option(
    doc: str,
    *,
    only: PathStyle | None = None,
    deferrable: bool = False,
    secret: bool = False,
    default_doc: str = "",
    type_doc: str = "",
    kind: Kind | None = None,
    summarized: bool = False,
) -> Mapping[str, Option]:
    """The metadata of a spec field that is an option.

    doc: what it means; a key in backticks is written in snake_case (`gateway.enable_bgp`) and each entry point
        shows it in its own spelling.
    only: "config" or "args" for a key of one entry point only.
    deferrable: may be a Pulumi Output in component args (never one that decides which resources exist).
    secret: never echoed in a finding, whatever its type.
    default_doc: what applies when unset, where the dataclass default alone does not say it (None meaning
        "Azure's default", say).
    type_doc: the config reference's type column where the kind says too little (e.g. "CIDR").
    kind: only where the annotation cannot say it (`Any`, for a value that may be an Output).
    summarized: a nested object whose keys the config reference lists in one row, instead of a row per key.
    """
    return {METADATA_KEY: Option(doc, only, deferrable, secret, default_doc, type_doc, kind, summarized)}


def internal(why: str) -> Mapping[str, str]:
    """The metadata of a spec field that is not an option: set by the program (e.g. from what Azure answered),
    never parsed or documented."""
    return {INTERNAL_KEY: why}
