"""Compliance evidence (`verify --evidence`, issue 17.3): how what Azure reports is read and judged, offline.

Azure's IKE SA answer is an opaque string: anything unexpected is "cannot-verify", never a pass. The real-engine
tests (tests/engine/test_evidence.py) read the same things from the Azure emulator."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import STRONG_POLICY
from vnet2vnet import evidence
from vnet2vnet.evidence import ConnectionRead, Sample, UnreadableError, checks_for, parse_ike_sas
from vnet2vnet.evidence_reads import Collected, connection_reads, read_security, sample
from vnet2vnet.operations import StateConnection
from vnet2vnet.spec import IpsecPolicySpec

POLICY = IpsecPolicySpec(**STRONG_POLICY)
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
CONNECTION_ID = "/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Network/connections/p-a-to-b1234abcd"
GATEWAY_A = "/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworkGateways/p-a-gw"
GATEWAY_B = "/subscriptions/s/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworkGateways/p-b-gw"


def sa(ike: tuple[str, str, str], *quick: tuple[str, str, str]) -> dict[str, Any]:
    """A main-mode SA in the wire names of Az PowerShell's model (Get-AzVirtualNetworkGatewayConnectionIkeSa)."""
    return {
        "LocalEndpoint": "20.1.1.1",
        "RemoteEndpoint": "20.2.2.2",
        "Encryption": ike[0],
        "Integrity": ike[1],
        "DhGroup": ike[2],
        "LifeTimeSeconds": 28800,
        "QuickModeSAs": [
            {"Encryption": q[0], "Integrity": q[1], "PfsGroupId": q[2], "LifetimeSeconds": 27000} for q in quick
        ],
    }


def enveloped(*sas: dict[str, Any]) -> str:
    """The answer as the spec's example shapes it: {"Status": ..., "Data": [main-mode SAs]}."""
    return json.dumps({"Status": "Successful", "Data": list(sas)})


STRONG_SAS = enveloped(sa(("GCMAES256", "SHA384", "DHGroup24"), ("GCMAES256", "GCMAES256", "PFS24")))
DEFAULT_SAS = enveloped(sa(("AES256", "SHA256", "DHGroup2"), ("GCMAES256", "GCMAES256", "None")))


def healthy(**changes: Any) -> ConnectionRead:
    read = ConnectionRead(
        link="a-to-b",
        resource_id=CONNECTION_ID,
        local_gateway_id=GATEWAY_A,
        remote_gateway_id=GATEWAY_B,
        samples=(Sample(T0, "Connected", 1000, 2000), Sample(T0 + timedelta(seconds=30), "Connected", 5000, 9000)),
        ike_sas=STRONG_SAS,
        enable_bgp=True,
        bgp_peers=[{"neighbor": "10.2.255.30", "state": "Connected", "asn": 65020}],
        learned_routes=[
            {"network": "10.1.0.0/16", "origin": "Network"},
            {"network": "10.2.0.0/16", "origin": "EBgp", "sourcePeer": "10.2.255.30"},
        ],
        remote_bgp_addresses=("10.2.255.30",),
        remote_prefixes=("10.2.0.0/16",),
        keys_match=True,
    )
    return dataclasses.replace(read, **changes)


def results(read: ConnectionRead, policy: IpsecPolicySpec | None = POLICY) -> dict[str, str]:
    return {check.check: check.result for check in checks_for(read, policy)}


class TestAHealthyLink:
    def test_every_check_passes(self) -> None:
        assert results(healthy()) == {
            "connected": "pass",
            "traffic": "pass",
            "ipsec-policy": "pass",
            "shared-key": "pass",
            "bgp-peer": "pass",
            "routes-learned": "pass",
        }

    def test_without_bgp_there_are_no_bgp_checks(self) -> None:
        assert set(results(healthy(enable_bgp=False))) == {"connected", "traffic", "ipsec-policy", "shared-key"}

    def test_azures_default_policy_is_checked_against_its_documented_offers(self) -> None:
        assert results(healthy(ike_sas=DEFAULT_SAS), policy=None)["ipsec-policy"] == "pass"


# (id, change, policy, the check that must not pass, its result, a phrase of its detail)
PROBLEMS: list[tuple[str, dict[str, Any], IpsecPolicySpec | None, str, str, str]] = [
    (
        "tunnel-down",
        {"samples": (Sample(T0, "NotConnected", 5, 5), Sample(T0 + timedelta(seconds=30), "NotConnected", 9, 9))},
        POLICY,
        "connected",
        "fail",
        "NotConnected",
    ),
    (
        "quiet-link",
        {"samples": (Sample(T0, "Connected", 10, 10), Sample(T0 + timedelta(seconds=30), "Connected", 10, 10))},
        POLICY,
        "traffic",
        "fail",
        "+0 bytes",
    ),
    ("one-read-only", {"samples": (Sample(T0, "Connected", 1, 1),)}, POLICY, "traffic", "cannot-verify", "two reads"),
    (
        "weaker-ike",
        {"ike_sas": enveloped(sa(("AES128", "SHA1", "DHGroup2"), ("GCMAES256", "GCMAES256", "PFS24")))},
        POLICY,
        "ipsec-policy",
        "fail",
        "IKE AES128/SHA1/DHGroup2 instead of GCMAES256/SHA384/DHGROUP24",
    ),
    (
        "weaker-ipsec",
        {"ike_sas": enveloped(sa(("GCMAES256", "SHA384", "DHGroup24"), ("AES256", "SHA1", "None")))},
        POLICY,
        "ipsec-policy",
        "fail",
        "IPsec AES256/SHA1/None instead of GCMAES256/GCMAES256/PFS24",
    ),
    (
        "outside-azures-default-offers",
        {"ike_sas": enveloped(sa(("DES", "MD5", "DHGroup1"), ("DES", "MD5", "None")))},
        None,
        "ipsec-policy",
        "fail",
        "not among Azure's default offers",
    ),
    ("no-sas", {"ike_sas": "[]"}, POLICY, "ipsec-policy", "cannot-verify", "no security associations"),
    ("not-json", {"ike_sas": "Tunnel up; AES"}, POLICY, "ipsec-policy", "cannot-verify", "not JSON"),
    ("sas-unread", {"ike_sas": None}, POLICY, "ipsec-policy", "cannot-verify", "could not be read"),
    (
        "no-quick-mode",
        {"ike_sas": enveloped({"Encryption": "GCMAES256", "Integrity": "SHA384", "DhGroup": "DHGroup24"})},
        POLICY,
        "ipsec-policy",
        "cannot-verify",
        "no quick mode",
    ),
    ("keys-differ", {"keys_match": False}, POLICY, "shared-key", "fail", "different keys"),
    ("key-unread", {"keys_match": None}, POLICY, "shared-key", "cannot-verify", "unreadable"),
    (
        "bgp-peer-idle",
        {"bgp_peers": [{"neighbor": "10.2.255.30", "state": "Idle"}]},
        POLICY,
        "bgp-peer",
        "fail",
        "10.2.255.30 Idle",
    ),
    ("bgp-peer-absent", {"bgp_peers": []}, POLICY, "bgp-peer", "fail", "10.2.255.30 absent"),
    (
        "route-not-learned",
        {"learned_routes": [{"network": "10.1.0.0/16", "origin": "Network"}]},
        POLICY,
        "routes-learned",
        "fail",
        "10.2.0.0/16 not learned",
    ),
    ("routes-unread", {"learned_routes": None}, POLICY, "routes-learned", "cannot-verify", "not read"),
    (
        "one-instance-session-down",
        {
            "bgp_peers": [
                {"neighbor": "10.2.255.30", "state": "Connecting"},
                {"neighbor": "10.2.255.30", "state": "Connected"},
            ]
        },
        POLICY,
        "bgp-peer",
        "fail",
        "10.2.255.30 Connecting",
    ),
    (
        "routes-only-through-another-peer",
        {"learned_routes": [{"network": "10.2.0.0/16", "origin": "EBgp", "sourcePeer": "10.3.255.30"}]},
        POLICY,
        "routes-learned",
        "fail",
        "10.2.0.0/16 not learned from its peer",
    ),
    (
        "counters-missing",
        {"samples": (Sample(T0, "Connected", None, None), Sample(T0 + timedelta(seconds=30), "Connected", None, None))},
        POLICY,
        "traffic",
        "cannot-verify",
        "no byte counters",
    ),
    (
        "camel-case-field-names",
        {
            "ike_sas": json.dumps(
                [{k[0].lower() + k[1:]: v for k, v in sa(("GCMAES256", "SHA384", "DHGroup24")).items()}]
            )
        },
        POLICY,
        "ipsec-policy",
        "cannot-verify",
        "no Encryption",
    ),
]


class TestWhatIsFlagged:
    @pytest.mark.parametrize(
        ("change", "policy", "check", "result", "phrase"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
    )
    def test_one_problem_flags_exactly_its_check(
        self, change: dict[str, Any], policy: IpsecPolicySpec | None, check: str, result: str, phrase: str
    ) -> None:
        checks = checks_for(healthy(**change), policy)
        flagged = {c.check: c for c in checks if c.result != "pass"}
        assert set(flagged) == {check}, f"only {check} is flagged: {[c.as_dict() for c in checks]}"
        assert flagged[check].result == result, flagged[check]
        assert phrase in flagged[check].detail, f"'{phrase}' not in {flagged[check].detail}"


class TestNamesAzureGivesTwice:
    def test_dhgroup2048_is_dhgroup14_and_pfs2048_is_pfs14(self) -> None:
        policy = dataclasses.replace(POLICY, dh_group="DHGroup14", pfs_group="PFS14")
        sas = enveloped(sa(("GCMAES256", "SHA384", "DHGroup2048"), ("GCMAES256", "GCMAES256", "PFS2048")))
        assert results(healthy(ike_sas=sas), policy)["ipsec-policy"] == "pass"


class TestAConnectionTheConfigDoesNotHave:
    def test_its_policy_cannot_be_verified_not_compared_with_azures_defaults(self) -> None:
        document = evidence.evidence_document(
            project="vnet2vnet", stack="prod", generated_at=T0, reads=[healthy(ike_sas=DEFAULT_SAS)], policies={}
        )
        (connection,) = document["connections"]
        assert {c["check"]: c["result"] for c in connection["checks"]}["ipsec-policy"] == "cannot-verify"
        assert "not a link of the stack config" in connection["expected_policy"]


class TestReadingTheOpaqueString:
    def test_a_bare_list_and_a_string_inside_a_string_are_read_like_the_envelope(self) -> None:
        assert parse_ike_sas(json.dumps(json.loads(STRONG_SAS)["Data"])) == parse_ike_sas(STRONG_SAS)
        assert parse_ike_sas(json.dumps(STRONG_SAS)) == parse_ike_sas(STRONG_SAS), "the example's body: a JSON string"

    def test_the_examples_empty_answer_is_no_security_association(self) -> None:
        with pytest.raises(UnreadableError, match="no security associations"):
            parse_ike_sas(json.dumps('{"Status":"Successful","Data":null}'))

    @pytest.mark.parametrize(
        ("shape", "document"),
        [
            ("camelCase names", [{k[0].lower() + k[1:]: v for k, v in json.loads(STRONG_SAS)["Data"][0].items()}]),
            ("lower-case names", [{k.lower(): v for k, v in json.loads(STRONG_SAS)["Data"][0].items()}]),
            ("another envelope", {"value": json.loads(STRONG_SAS)["Data"]}),
            ("an envelope with more keys", {**json.loads(STRONG_SAS), "Extra": 1}),
        ],
    )
    def test_any_other_shape_is_unreadable_never_a_pass(self, shape: str, document: Any) -> None:
        with pytest.raises(UnreadableError):
            parse_ike_sas(json.dumps(document))

    def test_deep_nesting_and_a_non_string_are_unreadable(self) -> None:
        with pytest.raises(UnreadableError):
            parse_ike_sas("[" * 100_000 + "]" * 100_000)
        with pytest.raises(UnreadableError):
            parse_ike_sas({"value": []})  # type: ignore[arg-type]

    @given(st.text(max_size=200))
    def test_any_text_is_read_or_refused_as_unreadable_never_a_crash(self, text: str) -> None:
        try:
            parsed = parse_ike_sas(text)
        except UnreadableError:
            return
        assert parsed, "what is read has at least one security association"

    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
            max_leaves=12,
        )
    )
    def test_any_json_is_read_or_refused_as_unreadable_never_a_crash(self, document: Any) -> None:
        with contextlib.suppress(UnreadableError):
            parse_ike_sas(json.dumps(document))


class TestTheReport:
    def document(self, *reads: ConnectionRead) -> dict[str, Any]:
        return evidence.evidence_document(
            project="vnet2vnet", stack="prod", generated_at=T0, reads=reads, policies={"a-to-b": POLICY}
        )

    def test_it_names_every_resource_and_time_and_says_pass(self) -> None:
        document = self.document(healthy())
        assert document["verdict"] == "pass" and document["schema"] == "vnet2vnet.evidence/1"
        (connection,) = document["connections"]
        assert (connection["resource_id"], connection["local_gateway_id"], connection["remote_gateway_id"]) == (
            CONNECTION_ID,
            GATEWAY_A,
            GATEWAY_B,
        )
        assert [read["at"] for read in connection["reads"]] == [
            T0.isoformat(),
            (T0 + timedelta(seconds=30)).isoformat(),
        ]
        assert connection["expected_policy"]["ike_encryption"] == "GCMAES256"
        assert document["generated_at"] == T0.isoformat()
        json.dumps(document)  # a JSON document, as written

    def test_one_failure_fails_the_report_and_cannot_verify_never_passes(self) -> None:
        assert self.document(healthy(), healthy(link="b-to-a", keys_match=False))["verdict"] == "fail"
        assert self.document(healthy(ike_sas="garbage"))["verdict"] == "cannot-verify"
        assert self.document()["verdict"] == "fail", "a stack without connections proves nothing"

    def test_the_markdown_has_the_summary_and_each_check(self) -> None:
        markdown = evidence.evidence_markdown(self.document(healthy(), healthy(link="b-to-a", keys_match=False)))
        assert "| a-to-b | PASS |" in markdown and "| b-to-a | FAIL |" in markdown, markdown
        assert f"`{CONNECTION_ID}`" in markdown
        assert "- FAIL shared-key: the two directions hold different keys" in markdown
        assert "Verdict: **FAIL**" in markdown


class FakeAzure:
    """Answers the evidence reads as vnet2vnet.azure_reads flattens Azure's answers, or refuses one (by the
    AzureReads method's name) with Azure's words."""

    def __init__(self, refuse: str = "", answers: Mapping[str, Any] | None = None) -> None:
        self.refuse = refuse
        self.calls: list[str] = []
        self.answers: dict[str, Any] = {
            "connection": lambda: {
                "connectionStatus": "Connected",
                "ingressBytesTransferred": 10.0 * len(self.calls),
                "egressBytesTransferred": 20.0 * len(self.calls),
            },
            "ike_sas": lambda: STRONG_SAS,
            "shared_key": lambda: "the-key-itself",
            "bgp_peer_status": lambda: {"value": [{"neighbor": "10.2.255.30", "state": "Connected"}]},
            "learned_routes": lambda: {"value": [{"network": "10.2.0.0/16", "origin": "EBgp"}]},
            "gateway": lambda: {
                "bgpSettings": {"bgpPeeringAddresses": [{"defaultBgpIpAddresses": ["10.2.255.30"]}]},
                "ipConfigurations": [
                    {"subnet": {"id": f"{GATEWAY_B.rsplit('/', 2)[0]}/virtualNetworks/b/subnets/GatewaySubnet"}}
                ],
            },
            "virtual_network": lambda: {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}},
        }
        self.answers.update({name: (lambda value=value: value) for name, value in (answers or {}).items()})

    def _answer(self, name: str) -> Any:
        self.calls.append(name)
        if name == self.refuse:
            raise RuntimeError(
                "(AuthorizationFailed) The client does not have authorization\nCode: AuthorizationFailed"
            )
        return self.answers[name]()

    def connection(self, connection_id: str) -> Mapping[str, Any]:
        return dict(self._answer("connection"))

    def shared_key(self, connection_id: str) -> str | None:
        return cast("str | None", self._answer("shared_key"))

    def ike_sas(self, connection_id: str) -> str | None:
        return cast("str | None", self._answer("ike_sas"))

    def bgp_peer_status(self, gateway_id: str) -> Mapping[str, Any]:
        return dict(self._answer("bgp_peer_status"))

    def learned_routes(self, gateway_id: str) -> Mapping[str, Any]:
        return dict(self._answer("learned_routes"))

    def gateway(self, gateway_id: str) -> Mapping[str, Any]:
        return dict(self._answer("gateway"))

    def virtual_network(self, vnet_id: str) -> Mapping[str, Any]:
        return dict(self._answer("virtual_network"))


STATE_CONNECTION = StateConnection(
    "a-to-b",
    CONNECTION_ID,
    {"virtualNetworkGateway1": {"id": GATEWAY_A}, "virtualNetworkGateway2": {"id": GATEWAY_B}, "enableBgp": True},
)


class TestTheReads:
    def test_two_samples_and_every_read_of_a_bgp_connection(self) -> None:
        collected, azure = Collected(), FakeAzure()
        sample([STATE_CONNECTION], azure, collected, lambda: T0)
        read_security([STATE_CONNECTION], azure, collected)
        sample([STATE_CONNECTION], azure, collected, lambda: T0 + timedelta(seconds=5))
        assert len(collected.samples[CONNECTION_ID]) == 2
        assert collected.remote_prefixes[CONNECTION_ID] == ["10.2.0.0/16"]
        assert collected.remote_bgp_addresses[CONNECTION_ID] == ["10.2.255.30"]
        assert collected.errors == {}

    def test_the_two_directions_of_a_link_are_paired_by_their_keys_digests(self) -> None:
        back = StateConnection(
            "b-to-a",
            CONNECTION_ID.replace("a-to-b", "b-to-a"),
            {"virtualNetworkGateway1": {"id": GATEWAY_B}, "virtualNetworkGateway2": {"id": GATEWAY_A}},
        )
        directions = {"a-to-b": ("a", "b"), "b-to-a": ("b", "a")}
        collected = Collected(key_digests={STATE_CONNECTION.id: "d1", back.id: "d1"})
        assert [r.keys_match for r in connection_reads([STATE_CONNECTION, back], collected, directions)] == [True, True]
        collected = Collected(key_digests={STATE_CONNECTION.id: "d1", back.id: "d2"})
        assert [r.keys_match for r in connection_reads([STATE_CONNECTION, back], collected, directions)] == [
            False,
            False,
        ]
        collected = Collected(key_digests={STATE_CONNECTION.id: "d1"})
        assert connection_reads([STATE_CONNECTION], collected, directions)[0].keys_match is None, "no opposite read"

    def test_an_empty_key_is_no_key(self) -> None:
        collected = Collected()
        read_security([STATE_CONNECTION], FakeAzure(answers={"shared_key": "  "}), collected)
        assert collected.key_digests[CONNECTION_ID] is None, "two empty answers must not match"
        assert "no key" in collected.errors[CONNECTION_ID]["shared-key"]

    @pytest.mark.parametrize("read", ["bgp_peer_status", "learned_routes"])
    def test_an_answer_that_is_not_a_list_is_a_failed_read(self, read: str) -> None:
        collected = Collected()
        read_security([STATE_CONNECTION], FakeAzure(answers={read: {"value": {"neighbor": "x"}}}), collected)
        check = "bgp-peer" if read == "bgp_peer_status" else "routes-learned"
        assert "expected a list of objects" in collected.errors[CONNECTION_ID][check], collected.errors

    def test_a_gateways_bgp_reads_serve_all_its_connections(self) -> None:
        other = StateConnection("a-to-c", CONNECTION_ID.replace("a-to-b", "a-to-c"), dict(STATE_CONNECTION.outputs))
        azure = FakeAzure()
        read_security([STATE_CONNECTION, other], azure, Collected())
        for per_gateway in ("bgp_peer_status", "learned_routes"):
            assert azure.calls.count(per_gateway) == 1, f"{per_gateway} is a long-running read: once per gateway"
        assert azure.calls.count("ike_sas") == 2, "SAs are per connection"

    def test_the_key_is_kept_only_as_a_digest(self) -> None:
        collected = Collected()
        read_security([STATE_CONNECTION], FakeAzure(), collected)
        digest = collected.key_digests[CONNECTION_ID]
        assert digest is not None and len(digest) == 64
        assert "the-key-itself" not in repr(collected), "the key never reaches what the report is made from"

    @pytest.mark.parametrize(
        ("refused", "check"),
        [
            ("ike_sas", "ipsec-policy"),
            ("shared_key", "shared-key"),
            ("bgp_peer_status", "bgp-peer"),
            ("learned_routes", "routes-learned"),
        ],
    )
    def test_a_refused_read_makes_its_check_cannot_verify_with_azures_words(self, refused: str, check: str) -> None:
        collected, azure = Collected(), FakeAzure(refuse=refused)
        sample([STATE_CONNECTION], azure, collected, lambda: T0)
        read_security([STATE_CONNECTION], azure, collected)
        assert "AuthorizationFailed" in collected.errors[CONNECTION_ID][check]
        read = healthy(
            ike_sas=collected.ike_sas[CONNECTION_ID],
            keys_match=None if check == "shared-key" else True,
            bgp_peers=collected.bgp_peers.get(CONNECTION_ID),
            learned_routes=collected.learned_routes.get(CONNECTION_ID),
            read_errors=collected.errors[CONNECTION_ID],
        )
        flagged = {c.check: c for c in checks_for(read, POLICY) if c.result != "pass"}
        assert flagged[check].result == "cannot-verify", flagged
        assert "AuthorizationFailed" in flagged[check].detail
