"""Config mistakes are reported with the key path and the fix, never as a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import plain_vnets_from_dev, plan_stack
from vnet2vnet.engine import ProgramError
from vnet2vnet.schema import parse_component_args, parse_stack_config


def _config_error(**overrides: Any) -> str:
    with pytest.raises(ProgramError) as caught:
        plan_stack("dev", **overrides)
    return str(caught.value)


def _vnets_with(index: int, **changes: Any) -> list[dict[str, Any]]:
    vnets = plain_vnets_from_dev()
    vnets[index].update(changes)
    return [{k: v for k, v in vnet.items() if v is not None} for vnet in vnets]


# (stack config overrides, the key path the error must name, a phrase of the message)
CASES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"vnets": _vnets_with(1, gatewaySubnetPrefix=None)},
        "vnet2vnet:vnets[1].gatewaySubnetPrefix",
        "is required",
    ),
    ({"vnets": _vnets_with(0, location=None)}, "vnet2vnet:vnets[0].location", "is required"),
    (
        {"vnets": _vnets_with(0, addressSpaces="10.10.0.0/16")},
        "vnet2vnet:vnets[0].addressSpaces",
        "expected a list of strings",
    ),
    ({"vnets": _vnets_with(1, bgpAsn="not-a-number")}, "vnet2vnet:vnets[1].bgpAsn", "expected an integer"),
    ({"gateway": {"skuu": "VpnGw1AZ"}}, "vnet2vnet:gateway.skuu", "did you mean 'sku'"),
    ({"gateway": {"active_active": True}}, "vnet2vnet:gateway.active_active", "did you mean 'activeActive'"),
    ({"gateway": {"activeActive": "yes"}}, "vnet2vnet:gateway.activeActive", "expected a boolean"),
    ({"connection": {"sharedKeyLength": 6.5}}, "vnet2vnet:connection.sharedKeyLength", "expected an integer"),
    ({"vnets": _vnets_with(0, provider="x")}, "vnet2vnet:vnets[0].provider", "only in the component args"),
    ({"gatway": {}}, "vnet2vnet:gatway", "did you mean 'gateway'"),
    ({"vnets": "east,west"}, "vnet2vnet:vnets", "expected a list of objects"),
    ({"vnets": plain_vnets_from_dev()[:1]}, "vnet2vnet:vnets", "exactly two VNets"),
]


@pytest.mark.parametrize(("overrides", "path", "phrase"), CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_stack_config_error_names_the_key(overrides: dict[str, Any], path: str, phrase: str) -> None:
    message = _config_error(**overrides)
    line = next((line for line in message.splitlines() if f"{path}:" in line), "")
    assert line, f"the error must name {path}:\n{message}"
    assert phrase in line, f"the error for {path} must say {phrase!r}:\n{message}"
    assert "Traceback" not in message


def test_all_mistakes_are_reported_at_once() -> None:
    vnets = _vnets_with(0, location=None)
    message = _config_error(vnets=vnets, gateway={"skuu": "x"}, connection={"sharedKeyLenght": 64})
    for path in (
        "vnet2vnet:vnets[0].location",
        "vnet2vnet:gateway.skuu",
        "vnet2vnet:connection.sharedKeyLenght",
    ):
        assert path in message, f"{path} missing from:\n{message}"


def test_component_args_paths_use_snake_case() -> None:
    _, findings = parse_component_args({"vnets": [], "gateway": {"skuu": "VpnGw1AZ"}})
    rendered = [f.rendered("args") for f in findings]
    assert [(f.path, f.message) for f in rendered] == [("gateway.skuu", "unknown key 'skuu'; did you mean 'sku'?")]


def test_path_set_scalars_from_the_cli_are_accepted_as_strings() -> None:
    raw = {
        "vnets": json.dumps(
            [
                {
                    "name": "a",
                    "location": "eastus",
                    "addressSpaces": ["10.0.0.0/16"],
                    "gatewaySubnetPrefix": "10.0.255.0/27",
                }
            ]
        ),
        "connection": '{"sharedKeyLength": "64"}',
        "gateway": '{"activeActive": "false"}',
    }
    topology, findings = parse_stack_config(raw)
    assert not findings, findings
    assert topology is not None
    assert topology.connection.shared_key_length == 64
    assert topology.gateway.active_active is False


class TestSecretsAndOddValuesFromArgs:
    def test_a_key_of_the_wrong_type_is_never_echoed(self) -> None:
        from tests.support import pair_args

        key = 982734651029384756
        _, findings = parse_component_args(pair_args(shared_key=key))
        (finding,) = findings
        rendered = str(finding.rendered("args"))
        assert finding.path == ("shared_key",) and "expected a string, got an integer" in rendered, rendered
        assert str(key) not in rendered and "98273" not in rendered, "the key, even of the wrong type, stays unsaid"

    def test_tag_names_that_are_not_strings_are_a_finding_not_a_crash(self) -> None:
        from tests.support import pair_args

        _, findings = parse_component_args(pair_args(tags={1: "one", "owner": "net"}))
        assert [(f.path, f.message) for f in findings] == [(("tags", "1"), "a name must be a string, got integer 1")], (
            findings
        )
