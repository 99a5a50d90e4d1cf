"""Compliance evidence for `vnet2vnet verify --evidence DIR`: what Azure reported for each connection, checked
against what the stack asks for, as a JSON document and a Markdown report an auditor can file. Pure: the reads
come in as plain data (`operations.Operator.evidence` runs them), the verdicts and the report go out.

Each connection gets these checks, each `pass`, `fail` or `cannot-verify` (never a pass by default):
- connected: Azure's connectionStatus is Connected;
- traffic: its byte counters moved between two reads;
- ipsec-policy: the negotiated IKE (main mode) and IPsec (quick mode) security associations, from
  getVirtualNetworkGatewayConnectionIkeSas, use the configured ipsecPolicy, or without one Azure's documented
  default offers (azure_facts.DEFAULT_POLICY_DOC). Azure returns them as an opaque string: anything this module
  cannot read is `cannot-verify`, with the reason;
- shared-key: both directions of the link hold the same key, compared as SHA-256 digests (neither the key nor
  its digest is written anywhere);
- with BGP, bgp-peer: the local gateway's BGP session with each of the remote gateway's peer addresses is
  Connected; routes-learned: the local gateway learned every address prefix of the remote VNet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from vnet2vnet import azure_facts as facts
from vnet2vnet.spec import IpsecPolicySpec

Result = Literal["pass", "fail", "cannot-verify"]
SCHEMA = "vnet2vnet.evidence/1"
REPORT_JSON, REPORT_MARKDOWN = "evidence.json", "evidence.md"
REPORT_FILES = (REPORT_JSON, REPORT_MARKDOWN)  # what `verify --evidence DIR` writes in DIR
CONNECTED = "Connected"


@dataclass(frozen=True)
class Sample:
    """One read of a connection's status and byte counters."""

    at: datetime
    status: str
    ingress_bytes: int | None  # None: Azure's answer had no counter
    egress_bytes: int | None


@dataclass(frozen=True)
class ConnectionRead:
    """Everything read from Azure for one connection (one direction of a link)."""

    link: str  # "<local>-to-<remote>"
    resource_id: str
    local_gateway_id: str
    remote_gateway_id: str
    samples: tuple[Sample, ...]
    ike_sas: str | None  # Azure's opaque string; None when the read failed
    enable_bgp: bool = False
    bgp_peers: Sequence[Mapping[str, Any]] | None = None  # the local gateway's getBgpPeerStatus
    learned_routes: Sequence[Mapping[str, Any]] | None = None  # the local gateway's getLearnedRoutes
    remote_bgp_addresses: Sequence[str] = ()
    remote_prefixes: Sequence[str] = ()
    keys_match: bool | None = None  # both directions' key digests equal; None: not comparable
    read_errors: Mapping[str, str] = field(default_factory=dict)  # what could not be read, by check


@dataclass(frozen=True)
class Check:
    check: str
    result: Result
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "result": self.result, "detail": self.detail}


# ------------------------------------------------------------------------------------------------- IKE SAs


@dataclass(frozen=True)
class Negotiated:
    """What one tunnel negotiated: main mode (encryption, integrity, DH group) and each quick mode SA's
    (encryption, integrity, PFS group), as Azure spells them."""

    main_mode: tuple[str, str, str]
    quick_modes: tuple[tuple[str, str, str], ...]


class UnreadableError(ValueError):
    """The IKE SA string is not something this module can read: the check is `cannot-verify`."""


# The wire format of getikesas (Microsoft.Network 2024-05-01): the answer is a JSON string, in the spec example's
# envelope `{"Status": ..., "Data": ...}` (examples/VirtualNetworkGatewayConnectionGetIkeSas.json), with `Data` the
# main-mode SAs named as Az PowerShell's model names them (Get-AzVirtualNetworkGatewayConnectionIkeSa, PSIkeSa /
# PSQuickModeSa); a bare list of those is accepted too. Unconfirmed against live Azure: anything else is
# `cannot-verify`, never a pass.
MAIN_MODE_FIELDS = ("Encryption", "Integrity", "DhGroup")
QUICK_MODE_LIST = "QuickModeSAs"
QUICK_MODE_FIELDS = ("Encryption", "Integrity", "PfsGroupId")


def _field(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise UnreadableError(f"no {name} in {sorted(map(str, entry))[:12]}")


def _security_associations(document: Any) -> list[Any]:
    if isinstance(document, Mapping):
        if set(document) - {"Status", "Data"} or "Data" not in document:
            raise UnreadableError(
                f"expected Azure's {{Status, Data}} envelope, got keys {sorted(map(str, document))[:8]}"
            )
        document = document["Data"]
        if document is None:
            return []
    if not isinstance(document, list) or not all(isinstance(entry, Mapping) for entry in document):
        raise UnreadableError(f"expected a list of security associations, got {type(document).__name__}")
    return document


def parse_ike_sas(raw: str | None) -> list[Negotiated]:
    """Azure's IKE SA string as main-mode SAs. Raises UnreadableError for anything but the wire format above (the
    JSON may be encoded once more as a JSON string, as the example's body is): a missing algorithm, no SA at all."""
    if not isinstance(raw, str):
        raise UnreadableError("the IKE security associations could not be read")
    try:
        document = json.loads(raw)
        if isinstance(document, str):
            document = json.loads(document)
    except (TypeError, ValueError, RecursionError):
        raise UnreadableError(f"not JSON: {raw[:80]!r}") from None
    entries = _security_associations(document)
    if not entries:
        raise UnreadableError("no security associations: the tunnel has none up")
    parsed = []
    for entry in entries:
        main = tuple(_field(entry, name) for name in MAIN_MODE_FIELDS)
        quick = entry.get(QUICK_MODE_LIST)
        if not isinstance(quick, list) or not quick or not all(isinstance(sa, Mapping) for sa in quick):
            raise UnreadableError(f"no {QUICK_MODE_LIST}: no quick mode (IPsec) security association")
        modes = tuple(tuple(_field(sa, name) for name in QUICK_MODE_FIELDS) for sa in quick)
        parsed.append(Negotiated(main, modes))  # type: ignore[arg-type]
    return parsed


# Names Azure gives one group or algorithm twice: DHGroup2048 is DHGroup14 and PFS2048 is PFS14 (2048-bit MODP;
# https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto, the DH groups table); 3DES is the enum's DES3.
_SAME_AS = {
    "3DES": "DES3",
    "DHGROUP2048": "DHGROUP14",
    "PFS2048": "PFS14",
    "PFS0": "NONE",
    "0": "NONE",
    "NOPFS": "NONE",
}


def _norm(name: str) -> str:
    """One spelling for an algorithm or group: upper case, letters and digits only, aliases merged."""
    token = re.sub(r"[^A-Z0-9]", "", name.upper())
    return _SAME_AS.get(token, token)


def _policy_check(negotiated: list[Negotiated], policy: IpsecPolicySpec | None) -> Check:
    problems: list[str] = []
    for sa in negotiated:
        encryption, integrity, dh_group = (_norm(part) for part in sa.main_mode)
        if policy is not None:
            wanted_main = (_norm(policy.ike_encryption), _norm(policy.ike_integrity), _norm(policy.dh_group))
            if (encryption, integrity, dh_group) != wanted_main:
                problems.append(f"IKE {'/'.join(sa.main_mode)} instead of {'/'.join(wanted_main)}")
        elif (encryption, integrity) not in facts.DEFAULT_MAIN_MODE_OFFERS or dh_group not in facts.DEFAULT_DH_GROUPS:
            problems.append(f"IKE {'/'.join(sa.main_mode)} is not among Azure's default offers")
        for quick in sa.quick_modes:
            normalised = tuple(_norm(part) for part in quick)
            if policy is not None:
                wanted = (_norm(policy.ipsec_encryption), _norm(policy.ipsec_integrity), _norm(policy.pfs_group))
                if normalised != wanted:
                    problems.append(f"IPsec {'/'.join(quick)} instead of {'/'.join(wanted)}")
            elif normalised not in facts.DEFAULT_QUICK_MODE_OFFERS:
                problems.append(f"IPsec {'/'.join(quick)} is not among Azure's default offers")
    against = (
        "the configured ipsecPolicy" if policy is not None else f"Azure's default offers ({facts.DEFAULT_POLICY_DOC})"
    )
    described = "; ".join(
        f"IKE {'/'.join(sa.main_mode)}, IPsec {', '.join('/'.join(quick) for quick in sa.quick_modes)}"
        for sa in negotiated
    )
    if problems:
        return Check("ipsec-policy", "fail", f"negotiated {described}, against {against}: {'; '.join(problems)}")
    return Check("ipsec-policy", "pass", f"negotiated {described}: matches {against}")


# ------------------------------------------------------------------------------------------------- checks


class NotInConfig:
    """The expected policy of a connection the stack config has no link for (deployed, then removed from the
    config): nothing to compare with, so its policy cannot be verified."""


NOT_IN_CONFIG = NotInConfig()
Expected = IpsecPolicySpec | None | NotInConfig


def checks_for(read: ConnectionRead, policy: Expected) -> list[Check]:
    """The checks of one connection, in the report's order."""
    checks: list[Check] = []
    last = read.samples[-1] if read.samples else None
    if last is None:
        checks.append(Check("connected", "cannot-verify", read.read_errors.get("connected", "not read")))
    else:
        checks.append(
            Check("connected", "pass" if last.status == CONNECTED else "fail", f"connectionStatus {last.status}")
        )
    checks.append(_traffic_check(read))
    try:
        if isinstance(policy, NotInConfig):
            raise UnreadableError(f"{read.link} is not a link of the stack config")
        checks.append(_policy_check(parse_ike_sas(read.ike_sas), policy))
    except UnreadableError as unreadable:
        detail = read.read_errors.get("ipsec-policy") or str(unreadable)
        checks.append(Check("ipsec-policy", "cannot-verify", f"{detail}: the negotiated policy is not verified"))
    if read.keys_match is None:
        checks.append(
            Check("shared-key", "cannot-verify", read.read_errors.get("shared-key", "a direction's key is unreadable"))
        )
    else:
        checks.append(
            Check(
                "shared-key",
                "pass" if read.keys_match else "fail",
                "both directions hold the same key (SHA-256 digests compared)"
                if read.keys_match
                else "the two directions hold different keys (SHA-256 digests compared)",
            )
        )
    if read.enable_bgp:
        checks += [_bgp_peer_check(read), _routes_check(read)]
    return checks


def _traffic_check(read: ConnectionRead) -> Check:
    if len(read.samples) < 2:
        return Check("traffic", "cannot-verify", "fewer than two reads of the byte counters")
    first, last = read.samples[0], read.samples[-1]
    counters = (first.ingress_bytes, last.ingress_bytes, first.egress_bytes, last.egress_bytes)
    if None in counters:
        return Check("traffic", "cannot-verify", "Azure's answer had no byte counters")
    seconds = (last.at - first.at).total_seconds()
    moved = (int(counters[1] or 0) - int(counters[0] or 0), int(counters[3] or 0) - int(counters[2] or 0))
    detail = f"ingress +{moved[0]} bytes, egress +{moved[1]} bytes in {seconds:.0f} s"
    return Check("traffic", "pass" if all(delta > 0 for delta in moved) else "fail", detail)


def _bgp_peer_check(read: ConnectionRead) -> Check:
    if read.bgp_peers is None or not read.remote_bgp_addresses:
        return Check("bgp-peer", "cannot-verify", read.read_errors.get("bgp-peer", "BGP peer status not read"))
    # An active-active gateway lists each neighbour once per instance: every one of its sessions must be up.
    states: dict[str, list[str]] = {}
    for peer in read.bgp_peers:
        states.setdefault(str(peer.get("neighbor")), []).append(str(peer.get("state")))
    down = {
        address: next((state for state in states.get(address, ["absent"]) if state != CONNECTED), CONNECTED)
        for address in read.remote_bgp_addresses
    }
    down = {address: state for address, state in down.items() if state != CONNECTED}
    peers = ", ".join(read.remote_bgp_addresses)
    if down:
        return Check("bgp-peer", "fail", "not Connected: " + ", ".join(f"{a} {s}" for a, s in sorted(down.items())))
    return Check("bgp-peer", "pass", f"sessions with {peers} Connected")


def _routes_check(read: ConnectionRead) -> Check:
    if read.learned_routes is None or not read.remote_prefixes:
        return Check("routes-learned", "cannot-verify", read.read_errors.get("routes-learned", "routes not read"))
    # Only what this link's own BGP session taught: in a mesh the same prefixes may also come through a third VNet.
    peers = set(read.remote_bgp_addresses)
    learned = {
        str(route.get("network"))
        for route in read.learned_routes
        if str(route.get("origin", "")).lower() != "network"  # the gateway's own VNet is not learned
        and (str(route.get("sourcePeer")) in peers or str(route.get("nextHop")) in peers)
    }
    missing = [prefix for prefix in read.remote_prefixes if prefix not in learned]
    if missing:
        return Check("routes-learned", "fail", f"the remote VNet's {', '.join(missing)} not learned from its peer")
    return Check("routes-learned", "pass", f"learned {', '.join(read.remote_prefixes)}")


def verdict(results: Sequence[str]) -> Result:
    if "fail" in results:
        return "fail"
    return "cannot-verify" if "cannot-verify" in results else "pass"


# ------------------------------------------------------------------------------------------------- report


def _policy_dict(policy: Expected) -> dict[str, Any] | str:
    if isinstance(policy, NotInConfig):
        return "none: this connection is not a link of the stack config"
    if policy is None:
        return f"Azure's default offers ({facts.DEFAULT_POLICY_DOC})"
    return {key: getattr(policy, key) for key in policy.__dataclass_fields__}


def evidence_document(
    *,
    project: str,
    stack: str,
    generated_at: datetime,
    reads: Sequence[ConnectionRead],
    policies: Mapping[str, IpsecPolicySpec | None],
) -> dict[str, Any]:
    """The JSON report: one entry per connection, with its resource IDs, reads (with times), checks and verdict.
    `policies` has an entry for every link direction of the stack config (None: Azure's default policy)."""
    connections: list[dict[str, Any]] = []
    verdicts: list[Result] = []
    for read in sorted(reads, key=lambda r: r.link):
        expected: Expected = policies.get(read.link, NOT_IN_CONFIG)
        checks = checks_for(read, expected)
        verdicts.append(verdict([check.result for check in checks]))
        connections.append(
            {
                "link": read.link,
                "resource_id": read.resource_id,
                "local_gateway_id": read.local_gateway_id,
                "remote_gateway_id": read.remote_gateway_id,
                "expected_policy": _policy_dict(expected),
                "reads": [
                    {
                        "at": sample.at.isoformat(),
                        "status": sample.status,
                        "ingress_bytes": sample.ingress_bytes,
                        "egress_bytes": sample.egress_bytes,
                    }
                    for sample in read.samples
                ],
                "ike_security_associations": read.ike_sas,
                "checks": [check.as_dict() for check in checks],
                "verdict": verdicts[-1],
            }
        )
    return {
        "schema": SCHEMA,
        "project": project,
        "stack": stack,
        "generated_at": generated_at.isoformat(),
        # No connection at all proves nothing: a failure, not a pass.
        "verdict": verdict(verdicts) if verdicts else "fail",
        "connections": connections,
    }


_MARK = {"pass": "PASS", "fail": "FAIL", "cannot-verify": "CANNOT VERIFY"}


def evidence_markdown(document: Mapping[str, Any]) -> str:
    """The same report for people: a summary table, then each connection's checks and reads."""
    lines = [
        f"# VPN evidence: {document['project']} / {document['stack']}",
        "",
        f"- Generated: {document['generated_at']}",
        f"- Verdict: **{_MARK[document['verdict']]}**",
        "- Keys: never shown; the two directions of each link are compared by SHA-256 digest.",
        "",
        "| Connection | Verdict | " + " | ".join(_check_names(document)) + " |",
        "|---|---|" + "---|" * len(_check_names(document)),
    ]
    for connection in document["connections"]:
        results = {check["check"]: _MARK[check["result"]] for check in connection["checks"]}
        cells = [results.get(name, "n/a") for name in _check_names(document)]
        lines.append(f"| {connection['link']} | {_MARK[connection['verdict']]} | " + " | ".join(cells) + " |")
    for connection in document["connections"]:
        lines += [
            "",
            f"## {connection['link']}",
            "",
            f"- Connection: `{connection['resource_id']}`",
            f"- Local gateway: `{connection['local_gateway_id']}`",
            f"- Remote gateway: `{connection['remote_gateway_id']}`",
            f"- Expected policy: {_policy_text(connection['expected_policy'])}",
            "",
        ]
        lines += [f"- {_MARK[check['result']]} {check['check']}: {check['detail']}" for check in connection["checks"]]
        lines += ["", "| Read at | Status | Ingress bytes | Egress bytes |", "|---|---|---|---|"]
        lines += [
            f"| {read['at']} | {read['status']} | {read['ingress_bytes']} | {read['egress_bytes']} |"
            for read in connection["reads"]
        ]
    if not document["connections"]:
        lines += ["", "No connection was found in the stack: nothing could be verified."]
    return "\n".join(lines) + "\n"


def _check_names(document: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for connection in document["connections"]:
        for check in connection["checks"]:
            if check["check"] not in names:
                names.append(check["check"])
    return names


def _policy_text(policy: Any) -> str:
    if isinstance(policy, Mapping):
        return ", ".join(f"{key} {value}" for key, value in policy.items())
    return str(policy)
