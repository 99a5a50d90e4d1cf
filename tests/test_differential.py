"""The differential check (vnet2vnet/differential.py): our validation and the strict emulator's Azure judge the same
configs. These tests pin the disagreements the check found (each one a row), prove the judge can see a wrong accept,
and prove the generator reaches what it claims to."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest

from components import side_providers
from vnet2vnet.differential import (
    CITED_OVER_STRICT,
    KINDS,
    MUTATION_RATE,
    MUTATIONS,
    GeneratedConfig,
    Summary,
    Verdict,
    citation,
    generate,
    reachable_rules,
    valid_config,
)
from vnet2vnet.differential import judge as judge_with
from vnet2vnet.findings import error


def judge(generated: GeneratedConfig) -> Verdict:
    return judge_with(generated, side_providers)


PAIR = {
    "vnets": [
        {"name": "a", "location": "westeurope", "addressSpaces": ["10.1.0.0/16"], "gatewaySubnetPrefix": "10.1.255.0/27"},
        {"name": "b", "location": "northeurope", "addressSpaces": ["10.2.0.0/16"], "gatewaySubnetPrefix": "10.2.255.0/27"},
    ]
}  # fmt: skip


def _pair(**changes: Any) -> GeneratedConfig:
    config = json.loads(json.dumps(PAIR))
    config.update(changes)
    return GeneratedConfig(0, "pair", config)


def _hub_and_spoke(asns: tuple[int, int, int]) -> GeneratedConfig:
    vnets = [
        {"name": f"v{i}", "location": "westeurope", "addressSpaces": [f"10.{i + 1}.0.0/16"],
         "gatewaySubnetPrefix": f"10.{i + 1}.255.0/27", "bgpAsn": asn}
        for i, asn in enumerate(asns)
    ]  # fmt: skip
    config = {"topology": "hub-and-spoke", "hub": "v0", "vnets": vnets, "gateway": {"enableBgp": True}}
    return GeneratedConfig(0, "hub-and-spoke", config)


@dataclass(frozen=True)
class Disagreement:
    name: str
    config: GeneratedConfig
    outcome: str  # what the check concludes
    azure_rule: str | None  # the emulator rule that refuses it (None: the emulated Azure accepts)


def _spokes_without_asns() -> GeneratedConfig:
    """Spokes left on Azure's default ASN, the hub on its own: each link's two gateways differ."""
    generated = _hub_and_spoke((65001, 0, 0))
    for spoke in generated.config["vnets"][1:]:
        del spoke["bgpAsn"]
    return generated


def _overlapping_spokes(hub: bool = False) -> GeneratedConfig:
    """Spoke v2 on v1's range (or on the hub's)."""
    generated = _hub_and_spoke((65001, 65002, 65003))
    vnets = generated.config["vnets"]
    source = vnets[0] if hub else vnets[1]
    vnets[2]["addressSpaces"], vnets[2]["gatewaySubnetPrefix"] = source["addressSpaces"], source["gatewaySubnetPrefix"]
    return generated


def _with_asn(asn: int) -> GeneratedConfig:
    generated = _pair(gateway={"enableBgp": True})
    generated.config["vnets"][0]["bgpAsn"], generated.config["vnets"][1]["bgpAsn"] = asn, 65020
    return generated


# Every disagreement the check found, and the agreements next to them that show where the line runs.
DISAGREEMENTS = [
    Disagreement("65515 on a gateway: over-strict, cited", _with_asn(65515), "over-strict", None),
    Disagreement("65517 on a gateway: both refuse", _with_asn(65517), "agree", "gateway-reserved-asn"),
    Disagreement("two zones: over-strict, cited", _pair(gateway={"zones": ["1", "2"]}), "over-strict", None),
    Disagreement(
        "two spokes on one ASN: over-strict, cited", _hub_and_spoke((65001, 65002, 65002)), "over-strict", None
    ),
    Disagreement("hub and spoke on one ASN: both refuse", _hub_and_spoke((65001, 65001, 65002)), "agree", "bgp-equal-asns"),
    Disagreement("a pair with BGP and no ASNs: both refuse", _pair(gateway={"enableBgp": True}), "agree", "bgp-equal-asns"),
    Disagreement("spokes with BGP and no ASNs: over-strict, cited", _spokes_without_asns(), "over-strict", None),
    Disagreement("two spokes on one range: over-strict, cited", _overlapping_spokes(), "over-strict", None),
    Disagreement("a hub and a spoke on one range: both refuse", _overlapping_spokes(hub=True), "agree", "link-vnets-overlap"),
]  # fmt: skip


class TestEveryDisagreementFound:
    @pytest.mark.parametrize("case", DISAGREEMENTS, ids=lambda case: case.name)
    def test_the_verdict(self, case: Disagreement) -> None:
        verdict = judge(case.config)
        assert verdict.outcome == case.outcome, f"{case.name}: {verdict.outcome}, {verdict.findings}, {verdict.rules}"
        assert (case.azure_rule in verdict.rules) if case.azure_rule else not verdict.rules, (
            f"{case.name}: the emulator's rules were {verdict.rules}"
        )

    @pytest.mark.parametrize(
        "case", [c for c in DISAGREEMENTS if c.outcome == "over-strict"], ids=lambda case: case.name
    )
    def test_every_over_strict_refusal_cites_an_azure_document(self, case: Disagreement) -> None:
        verdict = judge(case.config)
        sources = [citation(finding) for finding in verdict.findings]
        assert sources and all(source and "https://" in source for source in sources), (
            f"{case.name}: over-strict findings need a cited Azure document: {verdict.findings}"
        )

    def test_every_citation_is_used_by_a_case(self) -> None:
        used = {citation(f) for case in DISAGREEMENTS for f in judge(case.config).findings}
        assert {cited.source for cited in CITED_OVER_STRICT} <= used, "a citation no disagreement needs: remove it"


class TestTheJudge:
    def test_a_valid_pair_is_accepted_by_both(self) -> None:
        verdict = judge(_pair())
        assert verdict.outcome == "agree" and verdict.refused_by is None, f"{verdict.findings} {verdict.refusals}"

    def test_refusals_come_from_the_emulator_even_when_validation_refuses_first(self) -> None:
        verdict = judge(_pair(connection={"dpdTimeoutSeconds": 8}))
        assert verdict.refused_by == "vnet2vnet", f"validation should refuse DPD 8: {verdict.findings}"
        assert verdict.rules == {"connection-dpd-timeout"}, f"the emulator's rule should refuse it too: {verdict.rules}"

    def test_a_wrong_accept_is_counted_as_one(self) -> None:
        refused = {
            "resource": "a",
            "type": "t",
            "id": "i",
            "code": "C",
            "rule": "connection-dpd-timeout",
            "message": "",
        }
        verdict = Verdict(_pair(), [], [refused], [], parsed=True)
        summary = Summary([verdict])
        assert verdict.outcome == "wrong accept", "validation accepted what Azure refuses"
        assert not summary.ok and " 1 wrong accepts" in summary.last_line(), summary.last_line()

    def test_an_uncited_over_strict_refusal_fails_the_run(self) -> None:
        finding = error(("gateway", "sku"), "made-up rule", "none")
        verdict = Verdict(_pair(), [finding], [], [], parsed=True)
        assert verdict.outcome == "over-strict" and citation(finding) is None, "no document backs a made-up rule"
        assert not Summary([verdict]).ok, "an uncited over-strict refusal must fail the run"

    def test_a_link_that_never_connects_counts_as_azure_refusing(self) -> None:
        generated = _pair(links=[{"vnets": ["a", "b"], "sharedKey": "k" * 40}])
        verdict = judge(generated)
        assert verdict.outcome == "agree" and not verdict.never_connected, f"one key for both: {verdict}"


class TestTheGenerator:
    def test_the_same_seed_gives_the_same_configs(self) -> None:
        first, second = generate(12, 5), generate(12, 5)
        assert [g.config for g in first] == [g.config for g in second], "a seed must reproduce its configs"
        assert [g.config for g in generate(12, 6)] != [g.config for g in first], "another seed, other configs"

    def test_every_kind_in_turn(self) -> None:
        assert {g.kind for g in generate(len(KINDS), 1)} == set(KINDS), "every kind within one round"

    def test_every_mistake_is_made(self) -> None:
        count = int(len(MUTATIONS) / MUTATION_RATE * 1.5)
        made = {g.mutation for g in generate(count, 3)}
        assert set(MUTATIONS) <= made, f"mistakes never made: {set(MUTATIONS) - made}"

    @pytest.mark.parametrize("kind", KINDS)
    def test_unmutated_configs_are_accepted_by_both(self, kind: str) -> None:
        for seed in range(3):
            verdict = judge(valid_config(seed, kind, random.Random(seed)))
            assert verdict.outcome == "agree" and verdict.refused_by is None, (
                f"{kind} #{seed}: {verdict.findings[:2]} {verdict.refusals[:2]} {verdict.never_connected[:2]}"
            )

    @pytest.mark.parametrize("kind", KINDS)
    def test_overlapping_address_spaces_are_two_vnets_one_connection_joins(self, kind: str) -> None:
        """Overlapping two spokes would be a cited over-strict refusal and never reach Azure's link rule."""
        generated = valid_config(0, kind, random.Random(0))
        generated.config = MUTATIONS["overlapping address spaces"](generated.config)
        verdict = judge(generated)
        assert verdict.outcome == "agree", f"{kind}: {verdict.outcome} {verdict.findings[:2]}"
        assert "link-vnets-overlap" in verdict.rules, f"{kind}: Azure's rules {verdict.rules}"

    def test_only_rules_a_config_decides_are_counted(self) -> None:
        counted = {rule.id for rule in reachable_rules()}
        assert "gateway-policy-based-sku" not in counted, "the program always builds RouteBased gateways"
        assert "public-ip-zones-unchanged" not in counted, "a change, not a config"
        assert "gateway-delete-in-use" not in counted, "a delete, not a config"
        assert {"gateway-sku-generation", "bgp-equal-asns", "connection-gcm-pair"} <= counted, counted
