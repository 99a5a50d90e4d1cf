"""Azure's rules, checked over the parsed spec before anything is deployed. Pure: spec in, findings out."""

from __future__ import annotations

from typing import Literal

from vnet2vnet.findings import Finding, error
from vnet2vnet.spec import TopologySpec

TopologyKind = Literal["pair"]


def validate(topology: TopologySpec, kind: TopologyKind = "pair") -> list[Finding]:
    findings: list[Finding] = []
    if kind == "pair" and len(topology.vnets) != 2:
        findings.append(
            error(
                ("vnets",),
                f"a pair connects exactly two VNets, got {len(topology.vnets)}",
                "list exactly two VNets",
            )
        )
    return findings
