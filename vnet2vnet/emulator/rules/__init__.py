"""Azure's refusals, one table: each rule says what Azure refuses, with Azure's error code and the document it comes
from, and checks one request. The emulator applies every rule of a request's type, in the table's order (existence
first, as ARM answers a missing reference before it looks at values), and the first refusal is Azure's answer.

The table is also what the coverage table in docs/rehearsal.md is generated from (`coverage_markdown`), and what
the tests run one case per rule against (tests/test_emulator_rules.py): a rule without a test case fails the suite.

Written from Azure's REST spec and documentation, never from vnet2vnet's own validation (which the emulator does not
import): `validated_by` only names, as text, the validation rule that should catch the same mistake before Azure
does, for the coverage table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from vnet2vnet.emulator.azure import AzureError

PUT, DELETE, STATUS = "put", "delete", "status"


class Refused(Exception):  # noqa: N818 (Azure's answer, not a failure of the emulator)
    """A rule's refusal of the request: the message Azure gives (the rule supplies the code)."""


@dataclass(frozen=True)
class Request:
    """One request to Azure: a PUT (create or update) or a DELETE of `rid`, of `type_token`, with `body` (the
    flattened properties, without path parameters) and the record it replaces (`old`, for an update or a delete)."""

    state: dict[str, Any]
    type_token: str
    rid: str
    body: dict[str, Any]
    verb: str  # create | update | delete
    old: dict[str, Any] | None = None
    subscription: str = ""
    # The tenants the client holds tokens of: its own first, then those of `x-ms-authorization-auxiliary`.
    auxiliary_tenants: tuple[str, ...] = ()

    def tenant_of(self, subscription: str) -> str:
        """The tenant a subscription is in (the emulator learns it from the providers that use it)."""
        from vnet2vnet.emulator.azure import DEFAULT_TENANT, key

        return str((self.state.get("tenants") or {}).get(key(subscription)) or DEFAULT_TENANT)


@dataclass(frozen=True)
class Rule:
    id: str
    types: tuple[str, ...]
    when: str  # PUT, DELETE, or STATUS (a connection that never comes up: no error code, no refusal)
    code: str
    refuses: str  # what Azure refuses, one line, for the coverage table
    source: str
    check: Callable[[Request], None] | None = None  # raises Refused; None for STATUS rules (in connection_status)
    status: int = 400
    verbs: tuple[str, ...] = ("create", "update")
    validated_by: str = ""  # the vnet2vnet validation rule that should catch it first (the coverage table)
    enforced: bool = True
    why_not: str = ""  # when not enforced: why (for the coverage table)

    def applies(self, request: Request) -> bool:
        return (
            self.enforced and self.check is not None and request.type_token in self.types and request.verb in self.verbs
        )


RULES: list[Rule] = []


def rule(
    rule_id: str,
    types: tuple[str, ...],
    code: str,
    refuses: str,
    source: str,
    *,
    when: str = PUT,
    status: int = 400,
    verbs: tuple[str, ...] | None = None,
    validated_by: str = "",
) -> Callable[[Callable[[Request], None]], Callable[[Request], None]]:
    """Register the decorated check as a rule of the table."""

    def register(check: Callable[[Request], None]) -> Callable[[Request], None]:
        default_verbs = ("delete",) if when == DELETE else ("create", "update")
        RULES.append(
            Rule(rule_id, types, when, code, refuses, source, check, status, verbs or default_verbs, validated_by)
        )
        return check

    return register


def declare(rule_id: str, types: tuple[str, ...], code: str, refuses: str, source: str, **extra: Any) -> None:
    """A rule enforced elsewhere (STATUS: in connection_status) or not at all (`enforced=False, why_not=...`): in the
    table for the coverage it documents."""
    RULES.append(Rule(rule_id, types, extra.pop("when", STATUS), code, refuses, source, **extra))


def first_refusal(request: Request) -> AzureError | None:
    """Azure's answer to the request when a rule refuses it (carrying the rule's id), else None."""
    for candidate in rules_for(request):
        assert candidate.check is not None
        try:
            candidate.check(request)
        except Refused as refused:
            method = "DELETE" if request.verb == "delete" else "PUT"
            error = AzureError(candidate.status, candidate.code, str(refused), method, request.rid)
            error.rule = candidate.id  # the emulator's log of refusals counts them by rule
            return error
    return None


def rules_for(request: Request) -> Iterator[Rule]:
    _load()
    return (candidate for candidate in RULES if candidate.applies(request))


def by_id(rule_id: str) -> Rule:
    _load()
    (found,) = [candidate for candidate in RULES if candidate.id == rule_id]
    return found


def all_rules() -> list[Rule]:
    _load()
    return list(RULES)


_loaded: list[bool] = []
# The rule modules, in the order ARM checks things: what must exist first, then values, then changes.
_MODULES = (
    "existence", "names", "regions", "addresses", "gateways", "bgp", "connections", "tenancy", "changes",
)  # fmt: skip


def _load() -> None:
    """Import the rule modules once (they register themselves), in the order ARM checks things."""
    if _loaded:
        return
    _loaded.append(True)
    import importlib

    for module in _MODULES:
        importlib.import_module(f"vnet2vnet.emulator.rules.{module}")


# ------------------------------------------------------------------------------------------ the coverage table

COVERAGE_BEGIN = "<!-- emulator-coverage: generated from vnet2vnet/emulator/rules by `make generate` -->"
COVERAGE_END = "<!-- /emulator-coverage -->"


@dataclass
class CoverageRow:
    rule: str
    refuses: str
    code: str
    validation: str
    emulator: str
    source: str
    extra: dict[str, str] = field(default_factory=dict)


def coverage_markdown() -> str:
    """The coverage table (docs/rehearsal.md): every Azure rule the emulator knows, whether our validation checks it
    first, whether the emulator enforces it, and the source."""
    lines = [
        COVERAGE_BEGIN,
        "| Rule | Azure refuses | Azure's code | Our validation | Emulator | Source |",
        "|---|---|---|---|---|---|",
    ]
    for entry in all_rules():
        emulator = ("refuses" if entry.when != STATUS else "never Connected") if entry.enforced else entry.why_not
        lines.append(
            f"| `{entry.id}` | {entry.refuses} | {entry.code or '—'} | {entry.validated_by or 'no'} | {emulator} | "
            f"{entry.source} |"
        )
    lines.append(COVERAGE_END)
    return "\n".join(lines)
